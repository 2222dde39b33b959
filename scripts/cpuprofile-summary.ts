/**
 * Where the time of a V8 CPU profile (`node --cpu-prof`) went, by category
 * and by function — the figures quoted in docs/performance.md.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx reference-server/test-server/main.ts …
 *   npx tsx scripts/cpuprofile-summary.ts /tmp/prof/CPU.*.cpuprofile [--top 25] [--from 3] [--to 8]
 *
 * `--from`/`--to` (seconds since the profile started) keep only the samples
 * of that window, e.g. the measured window of a run without start-up.
 *
 * Categories (self time, percent of the profile's wall time):
 *   idle           waiting in epoll with nothing to do ("(idle)")
 *   gc             the garbage collector
 *   program        native code not attributed to a JS function: libuv, the kernel's
 *                  syscalls (read/write), V8 internals ("(program)")
 *   node core      node:internal JavaScript (streams, net, timers)
 *   native/builtin functions without a script (Buffer and V8 builtins)
 *   dependencies   node_modules (hdr-histogram-js, pino, …)
 *   ours:<dir>     project code, by top-level directory (protocol, harness, reference-server)
 * A file with several profiles (worker threads) is summarised per profile.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function category(frame: CallFrame): string {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)' || name === '(root)') return 'program';
  if (url === '') return 'native/builtin';
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/node_modules/')) return 'dependencies';
  const path = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url;
  return `ours:${path.split('/')[0]}`;
}

function label(frame: CallFrame): string {
  const url = frame.url.startsWith('file://') ? relative(ROOT, fileURLToPath(frame.url)) : frame.url;
  return `${frame.functionName || '(anonymous)'}${url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}`}`;
}

/** Self time (µs) per node id, of the samples in [fromUs, toUs) since the start; and the window's length. */
function selfTimes(p: Profile, fromUs: number, toUs: number): { self: Map<number, number>; total: number } {
  const self = new Map<number, number>();
  let t = 0;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t >= toUs) continue;
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  }
  return { self, total };
}

function summarise(file: string, top: number, fromS: number, toS: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const { self, total } = selfTimes(p, fromS * 1e6, toS * 1e6);
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const c = category(frame);
    cats.set(c, (cats.get(c) ?? 0) + us);
    const l = label(frame);
    fns.set(l, (fns.get(l) ?? 0) + us);
  }
  const busy = total - (cats.get('idle') ?? 0);
  const pct = (us: number, of: number): string => `${((us / of) * 100).toFixed(1)}%`.padStart(6);
  const window = Number.isFinite(toS) || fromS > 0 ? ` (window ${fromS}–${Number.isFinite(toS) ? toS : 'end'} s)` : '';
  console.log(`${file}${window}: ${(total / 1e6).toFixed(2)} s profiled, ${(busy / 1e6).toFixed(2)} s busy`);
  console.log('  category            of wall  of busy');
  for (const [c, us] of [...cats].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${c.padEnd(18)} ${pct(us, total)}  ${c === 'idle' ? '' : pct(us, busy)}`);
  }
  console.log(`  top ${top} functions by self time (of busy):`);
  for (const [l, us] of [...fns].sort((a, b) => b[1] - a[1]).filter(([l]) => !l.startsWith('(idle)')).slice(0, top)) {
    console.log(`  ${pct(us, busy)}  ${l}`);
  }
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(args[at + 1]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`${name} needs a number ≥ 0, got '${args[at + 1] ?? ''}'`);
    process.exit(2);
  }
  return v;
};
const valueAt = new Set(['--top', '--from', '--to'].map((n) => args.indexOf(n) + 1).filter((i) => i > 0));
const files = args.filter((a, i) => !a.startsWith('--') && !valueAt.has(i));
if (files.length === 0) {
  console.error('usage: npx tsx scripts/cpuprofile-summary.ts <file.cpuprofile>… [--top N] [--from s] [--to s]');
  process.exit(2);
}
for (const f of files) summarise(f, option('--top', 25), option('--from', 0), option('--to', Infinity));
