/**
 * `npm run bench:transports`: the same two loads over tcp, tls, ws and wss,
 * back to back in one invocation, so the transports are compared on the
 * same machine at the same time (issue 6's "TLS next to plain TCP, same run"):
 *
 *   handshakes  scenarios/tls-handshake.yaml --transport T   connect + (TLS) + SessionConnect + close, 8 VUs
 *   pings       scenarios/ping.yaml --transport T            closed-loop pings on 50 held sessions
 *
 * Each round runs every transport once, in a rotated order (a slow moment
 * of the shared machine does not always hit the same transport); figures
 * are the medians over rounds, ratios are against tcp. Every run is a
 * normal `npm run bench` child process with an embedded TestServer, so the
 * numbers include what users get: certificate, TestServer, harness.
 *
 *   npm run bench:transports                               2 rounds, 5 s per measurement
 *   npm run bench:transports -- --rounds 3 --duration 8s   longer
 *   npm run bench:transports -- --transports tcp,tls       a subset
 *
 * Prints a table; writes reports/<stamp>-transports/transports.json (and each
 * run's results.json beside it). Exit 0 when every run finished (thresholds
 * are not the point here), 1 when a run failed, 2 on bad arguments.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultsV1 } from '../harness/runner/results.ts';
import { TRANSPORT_KINDS, type TransportKind } from '../harness/scenario/types.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

interface Options {
  rounds: number;
  duration: string;
  transports: TransportKind[];
  out: string;
}

interface Sample {
  round: number;
  transport: TransportKind;
  handshakesPerSec: number;
  tlsP50Ms: number | null;
  handshakeErrors: number;
  pingsPerSec: number;
  pingP99Ms: number | null;
  pingErrors: number;
}

function parseArgs(argv: string[]): Options {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const o: Options = { rounds: 2, duration: '5s', transports: [...TRANSPORT_KINDS], out: join(ROOT, 'reports', `${stamp}-transports`) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--rounds' && v !== undefined && /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 20) o.rounds = Number(v);
    else if (a === '--duration' && v !== undefined) o.duration = v;
    else if (a === '--out' && v !== undefined) o.out = resolve(v);
    else if (a === '--transports' && v !== undefined && v.split(',').every((t) => (TRANSPORT_KINDS as readonly string[]).includes(t))) {
      o.transports = v.split(',') as TransportKind[];
    } else {
      process.stderr.write(`bench:transports: bad argument '${a}${v === undefined ? '' : ` ${v}`}'\n` +
        'usage: npm run bench:transports -- [--rounds 1-20] [--duration 5s] [--transports tcp,tls,ws,wss] [--out dir]\n');
      process.exit(2);
    }
    i++;
  }
  return o;
}

/** Runs one `npm run bench` child; resolves with its results.json. */
function bench(scenario: string, transport: TransportKind, duration: string, out: string): Promise<ResultsV1> {
  return new Promise((done, fail) => {
    const args = ['--import', 'tsx', join(ROOT, 'harness/cli/main.ts'), join(ROOT, 'scenarios', scenario), '--transport', transport, '--duration', duration, '--out', out, '--quiet'];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      if (code !== 0 && code !== 99) {
        fail(new Error(`${scenario} over ${transport} exited ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
        return;
      }
      done(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsV1);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(o.out, { recursive: true });
  const samples: Sample[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const order = o.transports.map((_, i) => o.transports[(i + round - 1) % o.transports.length]!);
    for (const t of order) {
      process.stderr.write(`[transports] round ${round}/${o.rounds}: ${t} handshakes, then pings (${o.duration} each)\n`);
      const hs = await bench('tls-handshake.yaml', t, o.duration, join(o.out, `r${round}-${t}-handshakes`));
      const pg = await bench('ping.yaml', t, o.duration, join(o.out, `r${round}-${t}-pings`));
      const c = hs.summary.overall.connections;
      const ping = pg.summary.overall.requests.find((r) => r.name === 'PingReq');
      samples.push({
        round,
        transport: t,
        handshakesPerSec: c.ratePerSec ?? 0,
        tlsP50Ms: c.tlsTime !== undefined && c.tlsTime.count > 0 ? c.tlsTime.p50 / 1000 : null,
        handshakeErrors: hs.summary.overall.errors.count,
        pingsPerSec: ping?.rps ?? 0,
        pingP99Ms: ping === undefined ? null : ping.latency.p99 / 1000,
        pingErrors: pg.summary.overall.errors.count,
      });
    }
  }
  const rows = o.transports.map((t) => {
    const mine = samples.filter((s) => s.transport === t);
    const tls = mine.map((s) => s.tlsP50Ms).filter((x): x is number => x !== null);
    return {
      transport: t,
      handshakesPerSec: median(mine.map((s) => s.handshakesPerSec)),
      tlsHandshakeP50Ms: tls.length === 0 ? null : median(tls),
      pingsPerSec: median(mine.map((s) => s.pingsPerSec)),
      pingP99Ms: median(mine.map((s) => s.pingP99Ms ?? 0)),
      errors: mine.reduce((a, s) => a + s.handshakeErrors + s.pingErrors, 0),
    };
  });
  const tcp = rows.find((r) => r.transport === 'tcp');
  const ratio = (v: number, base: number | undefined): string => (base === undefined || base === 0 ? '-' : `${(v / base).toFixed(2)}×`);
  const lines = [
    `transports, median of ${o.rounds} round(s), ${o.duration} per measurement, same invocation:`,
    '',
    'transport  handshakes/s  vs tcp  TLS p50    pings/s   vs tcp  ping p99   errors',
    ...rows.map((r) =>
      [
        r.transport.padEnd(9),
        r.handshakesPerSec.toFixed(0).padStart(13),
        ratio(r.handshakesPerSec, tcp?.handshakesPerSec).padStart(7),
        (r.tlsHandshakeP50Ms === null ? '-' : `${r.tlsHandshakeP50Ms.toFixed(2)}ms`).padStart(8),
        r.pingsPerSec.toFixed(0).padStart(10),
        ratio(r.pingsPerSec, tcp?.pingsPerSec).padStart(7),
        `${r.pingP99Ms.toFixed(2)}ms`.padStart(9),
        String(r.errors).padStart(8),
      ].join(' '),
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const file = join(o.out, 'transports.json');
  writeFileSync(file, `${JSON.stringify({ options: o, rows, samples }, null, 2)}\n`);
  process.stdout.write(`\nsaved ${file}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:transports: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
