/**
 * `npm run bench:micro`: the micro-benchmarks (`*.bench.ts` suites beside
 * the code they measure) run with tinybench; a table on stdout and the
 * figures as JSON under reports/.
 *
 *   npm run bench:micro                              every suite, ~0.3 s per case
 *   npm run bench:micro -- --filter decoder          cases whose suite or name contains "decoder"
 *   npm run bench:micro -- --time 1000 --out x.json  longer runs, JSON elsewhere
 *   npm run bench:micro -- --json                    the JSON on stdout instead of the table
 *
 * A suite exports a function returning cases `{ name, ops, fn }`: `fn`
 * performs `ops` operations, so cheap operations run in a loop (a single
 * call would be below the timer's resolution) and figures are per operation.
 * Timings on a shared machine are noisy: compare runs made back to back.
 * Exit codes: 0 ran, 2 bad arguments, 1 a case threw.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Bench } from 'tinybench';
import { recordingCases } from '../harness/metrics/recording.bench.ts';
import { thresholdCases } from '../harness/thresholds/evaluate.bench.ts';
import { issueCases } from '../harness/vu/issue.bench.ts';
import { decoderCases } from '../protocol/decoder.bench.ts';
import { packetCases } from '../protocol/packets.bench.ts';

interface MicroCase {
  name: string;
  ops: number;
  fn: () => void;
}

/** The suites, in report order: name and its cases. */
const SUITES: readonly { suite: string; cases: () => MicroCase[] }[] = [
  { suite: 'protocol/packets', cases: packetCases },
  { suite: 'protocol/decoder', cases: decoderCases },
  { suite: 'harness/metrics/recording', cases: recordingCases },
  { suite: 'harness/vu', cases: issueCases },
  { suite: 'harness/thresholds', cases: thresholdCases },
];

/** One case's figures, per operation. */
export interface MicroResult {
  suite: string;
  name: string;
  /** Operations per second (ops per call / mean call time). */
  opsPerSec: number;
  /** Mean time per operation, ns. */
  nsPerOp: number;
  /** p99 of the per-call time divided by ops, ns. */
  p99NsPerOp: number;
  /** Relative margin of error of the mean, percent. */
  rmePercent: number;
  /** Calls measured. */
  samples: number;
}

interface Args {
  timeMs: number;
  filter: string | null;
  out: string | null;
  json: boolean;
}

const USAGE = 'usage: npm run bench:micro -- [--filter text] [--time ms] [--out file.json] [--json]\n';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { timeMs: 300, filter: null, out: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--filter') args.filter = value().toLowerCase();
    else if (a === '--out') args.out = value();
    else if (a === '--time') {
      const v = value();
      const ms = Number(v);
      if (!/^\d+$/.test(v) || ms < 10 || ms > 60_000) throw new Error(`--time must be 10–60000 ms, got '${v}'`);
      args.timeMs = ms;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return args;
}

const pad = (n: number): string => String(n).padStart(2, '0');
function stamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(ns < 10 ? 2 : 1)} ns`;
}

function formatOps(ops: number): string {
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)}M`;
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)}k`;
  return ops.toFixed(1);
}

async function runSuite(suite: string, cases: MicroCase[], timeMs: number): Promise<MicroResult[]> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs) });
  const ops = new Map<string, number>();
  for (const c of cases) {
    ops.set(c.name, c.ops);
    bench.add(c.name, c.fn);
  }
  await bench.run();
  const out: MicroResult[] = [];
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state === 'errored') throw new Error(`${suite}: '${task.name}' threw: ${r.error.message}`);
    if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') continue;
    const n = ops.get(task.name) ?? 1;
    const meanNs = (r.latency.mean * 1e6) / n;
    out.push({
      suite,
      name: task.name,
      opsPerSec: meanNs > 0 ? 1e9 / meanNs : 0,
      nsPerOp: meanNs,
      p99NsPerOp: (r.latency.p99 * 1e6) / n,
      rmePercent: r.latency.rme,
      samples: r.latency.samplesCount,
    });
  }
  return out;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench:micro: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const started = new Date();
  const results: MicroResult[] = [];
  for (const s of SUITES) {
    const cases = s.cases().filter((c) => args.filter === null || `${s.suite} ${c.name}`.toLowerCase().includes(args.filter));
    if (cases.length === 0) continue;
    if (!args.json) process.stderr.write(`[bench:micro] ${s.suite}: ${cases.length} case(s)…\n`);
    results.push(...(await runSuite(s.suite, cases, args.timeMs)));
  }
  const report = {
    tool: 'bench:micro',
    startedAt: started.toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    timeMsPerCase: args.timeMs,
    filter: args.filter,
    results,
  };
  const file = resolve(args.out ?? `reports/bench-micro-${stamp(started)}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const rows = [['suite', 'case', 'ops/s', 'per op', 'p99/op', '±'], ...results.map((r) => [
    r.suite,
    r.name,
    formatOps(r.opsPerSec),
    formatNs(r.nsPerOp),
    formatNs(r.p99NsPerOp),
    `${r.rmePercent.toFixed(1)}%`,
  ])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const right = (i: number): boolean => i >= 2;
  for (const r of rows) {
    process.stdout.write(`${r.map((c, i) => (right(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()}\n`);
  }
  process.stdout.write(`\n${results.length} case(s), ${args.timeMs} ms each, node ${process.version}, ${report.cpu} ×${report.cores}; JSON: ${file}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:micro: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
