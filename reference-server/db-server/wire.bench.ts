/**
 * The DBServer rows of issue 7, measured through the wire with TestServer's
 * own client of DBServer ({@link DbClient}: persistent links, requests
 * pipelined by requestId) against a DBServer child process:
 *
 *   this process: load loop ─▶ DbClient ══ TCP links, Db*Req / DbRes ══▶ DBServer process ─▶ SQLite | MariaDB
 *   reference:    load loop ─▶ mariadb pool ─────────── same SQL ───────────────────────────▶ MariaDB
 *
 *   npx tsx reference-server/db-server/wire.bench.ts                 # every row (SQLite, then MariaDB)
 *   npx tsx reference-server/db-server/wire.bench.ts --only sqlite   # rows 1 and 3 (or: --only mariadb, row 2)
 *   NMT_BENCH_DB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx …/wire.bench.ts   # profile DBServer
 *
 * - **Max** (row 1): `--inflight` requests kept in flight (closed loop: each
 *   answer sends the next request) for `--duration-ms`; rate = answers / s.
 *   Point reads are DbGetPlayerReq, writes DbUpdatePlayerReq with a fresh
 *   idempotency key (group-committed by DBServer, acknowledged after COMMIT).
 * - **Latency at half load** (row 3): an open loop sends at half the max
 *   rate measured just before (constant arrival: every event-loop turn sends
 *   what the schedule owes), and each request's time from `request()` to its
 *   answer goes into the percentiles.
 * - **MariaDB vs the connector** (row 2): the same operations at the same
 *   concurrency, once through DBServer and once issued by the `mariadb` pool
 *   in this process with the same SQL (the storage's own units of work, on a
 *   pool of the same size), in `--pairs` back-to-back pairs alternating which
 *   side goes first; the ratio is the median of the pairs' ratios.
 *
 * DBServer runs as `stack.ts` starts it (/metrics on, so its stats refresh
 * runs too). CPU per answer of DBServer (/proc) and of this process
 * (cpuUsage) shows which side saturates; preemptions per second (another
 * process took the CPU) show how busy the machine was. Prints one JSON line
 * per measurement and a table; exits 99 when a target is missed (like a
 * failed threshold), 1 on an error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mariadb, { type Pool, type PoolConnection } from 'mariadb';
import type { DbRequest, DbResponse } from '../../protocol/db-packets.ts';
import { GameStatus } from '../../protocol/game-packets.ts';
import { DbClient } from '../test-server/db-client.ts';
import { resolveStorageConfig, resolveMariaDbUrl, type MariaDbConnectionInfo, type MariaDbSettings } from './storage/config.ts';
import { createPool } from './storage/mariadb-connection.ts';
import { getPlayerWork, updatePlayerWork } from './storage/mariadb-operations.ts';
import type { Ticket } from './storage/mariadb-runner.ts';
import { StorageMetrics } from './storage/stats.ts';
import { normalizeUpdate } from './storage/validation.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const TARGETS = { reads: 50_000, writes: 10_000, ratio: 0.8, p50Micros: 200, p99Micros: 1000 };

interface Args {
  only: 'sqlite' | 'mariadb' | null;
  durationMs: number;
  warmupMs: number;
  inflight: number;
  links: number;
  pairs: number;
  mariadbInflight: number;
  players: number;
  /** Extra open-loop point-read rates to report latency at (the curve below half load). */
  latencyRates: number[];
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { only: null, durationMs: 4000, warmupMs: 1000, inflight: 256, links: 2, pairs: 5, mariadbInflight: 32, players: 1000, latencyRates: [] };
  const num = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag}: an integer from ${min} to ${max}, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[++i];
    if (flag === '--only') {
      if (v !== 'sqlite' && v !== 'mariadb') throw new Error(`--only: sqlite or mariadb, got "${v}"`);
      a.only = v;
    } else if (flag === '--duration-ms') a.durationMs = num(flag, v, 100, 60_000);
    else if (flag === '--warmup-ms') a.warmupMs = num(flag, v, 0, 60_000);
    else if (flag === '--inflight') a.inflight = num(flag, v, 1, 10_000);
    else if (flag === '--links') a.links = num(flag, v, 1, 64);
    else if (flag === '--pairs') a.pairs = num(flag, v, 1, 50);
    else if (flag === '--mariadb-inflight') a.mariadbInflight = num(flag, v, 1, 1000);
    else if (flag === '--latency-rates') a.latencyRates = (v ?? '').split(',').map((x) => num(flag, x, 1, 10_000_000));
    else if (flag === '--players') a.players = num(flag, v, 1, 100_000);
    else throw new Error(`unknown flag "${flag}"`);
  }
  return a;
}

// ---------------------------------------------------------------- DBServer child

interface DbChild {
  proc: ChildProcess;
  port: number;
  pid: number;
}

function startDbServer(storageArgs: string[]): Promise<DbChild> {
  const nodeArgs = (process.env.NMT_BENCH_DB_NODE_ARGS ?? '').split(' ').filter((s) => s !== '');
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(HERE, 'main.ts'), '--port', '0', '--metrics-port', '0', '--ready-json', '--log-level', 'warn', ...storageArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{"event":"ready"')) return;
      const msg = JSON.parse(line) as { port: number; pid: number };
      resolve({ proc, port: msg.port, pid: msg.pid });
    });
    proc.once('exit', (code) => reject(new Error(`DBServer exited with code ${code} before it was ready`)));
  });
}

function stopDbServer(child: DbChild): Promise<void> {
  if (child.proc.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGTERM');
  });
}

/** User + system CPU of a process so far, µs (Linux /proc; 0 elsewhere). */
function procCpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
  } catch {
    return 0;
  }
}

/** Times the kernel took the CPU from a process that could still run (other processes wanted it): /proc nonvoluntary_ctxt_switches. */
function procPreemptions(pid: number): number {
  try {
    const m = /nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

/** CPU and preemption counters at the start of a window. */
interface Mark {
  server: number;
  serverPreempted: number;
  client: NodeJS.CpuUsage;
  clientPreempted: number;
}

function mark(serverPid: number | null): Mark {
  return {
    server: serverPid === null ? 0 : procCpuMicros(serverPid),
    serverPreempted: serverPid === null ? 0 : procPreemptions(serverPid),
    client: process.cpuUsage(),
    clientPreempted: procPreemptions(process.pid),
  };
}

// ---------------------------------------------------------------- load loops

/** Issues one request and resolves whether it succeeded. */
type Issue = () => Promise<boolean>;

interface Measured {
  rate: number;
  answers: number;
  errors: number;
  p50Micros: number;
  p99Micros: number;
  /** CPU per answer, µs: the server's (DBServer process; null when in-process) and this process's. */
  serverCpuMicros: number | null;
  clientCpuMicros: number;
  /** Preemptions per second of the window (another process took the CPU): the machine's load, seen from inside. */
  serverPreemptedPerSec: number | null;
  clientPreemptedPerSec: number;
}

class Latencies {
  private readonly v: Float64Array;
  private n = 0;
  constructor(cap: number) {
    this.v = new Float64Array(cap);
  }
  add(ms: number): void {
    if (this.n < this.v.length) this.v[this.n++] = ms;
  }
  percentile(p: number): number {
    if (this.n === 0) return NaN;
    const s = this.v.subarray(0, this.n).sort();
    return s[Math.min(this.n - 1, Math.floor((p / 100) * this.n))]! * 1000;
  }
}

function finish(answers: number, errors: number, ms: number, lat: Latencies, serverPid: number | null, cpu0: Mark): Measured {
  const c = process.cpuUsage(cpu0.client);
  const per = (us: number): number => (answers === 0 ? NaN : us / answers);
  return {
    rate: (answers * 1000) / ms,
    answers,
    errors,
    p50Micros: lat.percentile(50),
    p99Micros: lat.percentile(99),
    serverCpuMicros: serverPid === null ? null : per(procCpuMicros(serverPid) - cpu0.server),
    clientCpuMicros: per(c.user + c.system),
    serverPreemptedPerSec: serverPid === null ? null : ((procPreemptions(serverPid) - cpu0.serverPreempted) * 1000) / ms,
    clientPreemptedPerSec: ((procPreemptions(process.pid) - cpu0.clientPreempted) * 1000) / ms,
  };
}

/** Closed loop: `inflight` requests outstanding, each answer sends the next; warmup, then a measured window. */
async function closedLoop(issue: Issue, inflight: number, warmupMs: number, durationMs: number, serverPid: number | null): Promise<Measured> {
  const lat = new Latencies(4_000_000);
  let measuring = false;
  let stop = false;
  let answers = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const t0 = performance.now();
      const ok = await issue();
      if (!measuring) continue;
      if (ok) {
        answers++;
        lat.add(performance.now() - t0);
      } else errors++;
    }
  };
  const workers = Array.from({ length: inflight }, worker);
  await sleep(warmupMs);
  const cpu0 = mark(serverPid);
  measuring = true;
  const t0 = performance.now();
  await sleep(durationMs);
  measuring = false;
  const ms = performance.now() - t0;
  const m = finish(answers, errors, ms, lat, serverPid, cpu0);
  stop = true;
  await Promise.all(workers);
  return m;
}

/** Open loop: `rate` requests/s (each event-loop turn sends what the schedule owes), latency from each send. */
async function openLoop(issue: Issue, rate: number, warmupMs: number, durationMs: number, serverPid: number | null): Promise<Measured> {
  const lat = new Latencies(Math.ceil((rate * durationMs) / 1000) + 1000);
  let answers = 0;
  let errors = 0;
  let measuring = false;
  let sent = 0;
  const start = performance.now();
  const end = start + warmupMs + durationMs;
  let outstanding = 0;
  let cpu0 = mark(null);
  let t0 = 0;
  const one = (): void => {
    const s = performance.now();
    const counted = measuring;
    outstanding++;
    void issue().then((ok) => {
      outstanding--;
      if (!counted) return;
      if (ok) {
        answers++;
        lat.add(performance.now() - s);
      } else errors++;
    });
  };
  await new Promise<void>((resolve) => {
    // One check per event-loop turn (setImmediate), not a 1 ms timer: a timer would send each
    // millisecond's requests as one burst, and every request would wait for the whole burst.
    const turn = (): void => {
      const now = performance.now();
      if (!measuring && now - start >= warmupMs) {
        measuring = true;
        t0 = now;
        cpu0 = mark(serverPid);
      }
      if (now >= end) {
        resolve();
        return;
      }
      const due = Math.floor(((now - start) * rate) / 1000);
      for (; sent < due; sent++) one();
      setImmediate(turn);
    };
    setImmediate(turn);
  });
  const ms = performance.now() - t0;
  while (outstanding > 0) await sleep(5);
  return finish(answers, errors, ms, lat, serverPid, cpu0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------- operations

/** The first failure seen, for the report (a bench that hides its errors measures the wrong thing). */
let firstFailure: string | null = null;

/** Counters of the reference's units of work (they record into one; nothing reads them). */
const REF_METRICS = new StorageMetrics();

let keySeq = 0;
const freshKey = (): string => `wb-${process.pid}-${++keySeq}`;

function viaDbServer(client: DbClient, ids: readonly number[], op: 'get' | 'update'): Issue {
  const pick = (): number => ids[(Math.random() * ids.length) | 0]!;
  const ok = (r: DbResponse): boolean => {
    if (r.status === GameStatus.Ok) return true;
    if (firstFailure === null) firstFailure = `status ${r.status}: ${r.body.kind === 0 ? r.body.message : ''}`;
    return false;
  };
  if (op === 'get') return async () => ok(await client.request({ op: 'getPlayer', id: pick() }));
  return async () => ok(await client.request({ op: 'updatePlayer', idempotencyKey: freshKey(), id: pick(), level: 2 }));
}

/**
 * The reference: the storage's own units of work (the same SQL, statement for
 * statement) on a connection of the connector's pool. At most `poolSize`
 * requests ask the pool at once and the rest wait in order here: the
 * connector's pool lets a caller that releases and asks again take the
 * connection ahead of callers already waiting, so with more callers than
 * connections the waiting ones starve into its acquire timeout. DBServer's
 * runner queues the same way (FIFO in front of the pool).
 */
function viaConnector(pool: Pool, poolSize: number, ids: readonly number[], op: 'get' | 'update'): Issue {
  const pick = (): number => ids[(Math.random() * ids.length) | 0]!;
  const ticket = (): Ticket => ({ metrics: REF_METRICS, committing: false });
  const waiting: (() => void)[] = [];
  let running = 0;
  return async () => {
    if (running >= poolSize) await new Promise<void>((r) => waiting.push(r));
    else running++;
    let conn: PoolConnection | null = null;
    try {
      conn = await pool.getConnection();
      if (op === 'get') return (await getPlayerWork(conn, pick(), ticket())) !== null;
      await updatePlayerWork(conn, normalizeUpdate({ idempotencyKey: freshKey(), id: pick(), level: 2 }), ticket());
      return true;
    } catch (err) {
      firstFailure ??= `connector: ${(err as Error).message}`;
      return false;
    } finally {
      if (conn !== null) await conn.release();
      // Hand the slot to the oldest waiter (running stays the same), or give it back.
      const next = waiting.shift();
      if (next !== undefined) next();
      else running--;
    }
  };
}
async function seed(client: DbClient, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch: Promise<number | null>[] = [];
    for (let j = i; j < Math.min(n, i + 100); j++) {
      const req: DbRequest = { op: 'createPlayer', idempotencyKey: `seed-${process.pid}-${j}`, name: `p${j}`, level: 1, gold: 1_000_000 };
      batch.push(client.request(req).then((r) => (r.status === GameStatus.Ok && r.body.kind === 1 ? r.body.player.id : null)));
    }
    for (const id of await Promise.all(batch)) if (id !== null) ids.push(id);
  }
  if (ids.length !== n) throw new Error(`seeding: ${n - ids.length} of ${n} createPlayer requests failed`);
  return ids;
}

async function connect(port: number, links: number, inflight: number): Promise<DbClient> {
  const client = new DbClient({ host: '127.0.0.1', port, connections: links, maxInFlight: Math.max(10_000, inflight * 2), pingIntervalMs: 0 });
  if (!(await client.waitReady(5000))) throw new Error('DbClient: no link to DBServer came up within 5 s');
  // Every link up, so the load spreads over all of them from the first request.
  for (let i = 0; i < 100 && client.linksUp < links; i++) await sleep(10);
  return client;
}

// ---------------------------------------------------------------- report

interface Row {
  row: string;
  what: string;
  figure: string;
  target: string;
  ok: boolean;
}
const rows: Row[] = [];

function record(row: string, what: string, figure: string, target: string, ok: boolean, data: Record<string, unknown>): void {
  rows.push({ row, what, figure, target, ok });
  process.stdout.write(`${JSON.stringify({ row, what, ok, ...data })}\n`);
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const cpu = (m: Measured): string => `CPU µs/answer: DBServer ${m.serverCpuMicros === null ? '-' : m.serverCpuMicros.toFixed(1)}, client ${m.clientCpuMicros.toFixed(1)}`;

// ---------------------------------------------------------------- the rows

async function sqliteRows(a: Args): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nmt-wirebench-'));
  try {
    await sqliteWithServer(a, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sqliteWithServer(a: Args, dir: string): Promise<void> {
  const db = await startDbServer(['--data-dir', dir]);
  let client: DbClient | null = null;
  try {
    client = await connect(db.port, a.links, a.inflight);
    const ids = await seed(client, a.players);
    const reads = await closedLoop(viaDbServer(client, ids, 'get'), a.inflight, a.warmupMs, a.durationMs, db.pid);
    record('1', 'SQLite point reads/s through the wire (max)', f0(reads.rate), `≥ ${f0(TARGETS.reads)}`, reads.rate >= TARGETS.reads && reads.errors === 0, { ...reads, inflight: a.inflight, links: a.links });
    const writes = await closedLoop(viaDbServer(client, ids, 'update'), a.inflight, a.warmupMs, a.durationMs, db.pid);
    record('1', 'SQLite writes/s through the wire (max, group commit)', f0(writes.rate), `≥ ${f0(TARGETS.writes)}`, writes.rate >= TARGETS.writes && writes.errors === 0, { ...writes, inflight: a.inflight, links: a.links });
    for (const [name, max, op] of [['point reads', reads.rate, 'get'], ['writes', writes.rate, 'update']] as const) {
      const half = await openLoop(viaDbServer(client, ids, op), max / 2, a.warmupMs, a.durationMs, db.pid);
      const ok = half.p50Micros < TARGETS.p50Micros && half.p99Micros < TARGETS.p99Micros && half.errors === 0;
      record('3', `latency of ${name} at half max (${f0(max / 2)}/s)`, `p50 ${f0(half.p50Micros)} µs, p99 ${f0(half.p99Micros)} µs`, 'p50 < 200 µs, p99 < 1,000 µs', ok, { ...half, offered: max / 2 });
    }
    for (const rate of a.latencyRates) {
      const m = await openLoop(viaDbServer(client, ids, 'get'), rate, a.warmupMs, a.durationMs, db.pid);
      process.stdout.write(`${JSON.stringify({ what: 'latency of point reads (curve)', offered: rate, ...m })}\n`);
    }
    process.stderr.write(`sqlite: ${cpu(reads)} (reads); ${cpu(writes)} (writes)\n`);
  } finally {
    client?.close();
    await stopDbServer(db);
  }
}

/** Row 2 in a throw-away database `nmt_dbperf_<pid>` on NMT_MARIADB_URL's server, dropped at the end. */
async function mariadbRows(a: Args): Promise<void> {
  const admin = new URL(resolveMariaDbUrl(undefined, process.env));
  const database = `nmt_dbperf_${process.pid}`;
  const adminConn = await mariadb.createConnection({ host: admin.hostname, port: admin.port === '' ? 3306 : Number(admin.port), user: decodeURIComponent(admin.username), password: decodeURIComponent(admin.password) });
  try {
    await adminConn.query(`CREATE DATABASE ${database}`);
    admin.pathname = `/${database}`;
    await compareWithConnector(a, admin.toString());
  } finally {
    await adminConn.query(`DROP DATABASE IF EXISTS ${database}`);
    await adminConn.end();
  }
}

async function compareWithConnector(a: Args, url: string): Promise<void> {
  const cfg = resolveStorageConfig({ backend: 'mariadb', url }) as MariaDbSettings & { connection: MariaDbConnectionInfo };
  const db = await startDbServer(['--backend', 'mariadb', '--mariadb-url', url, '--pool-size', String(cfg.poolSize)]);
  let client: DbClient | null = null;
  // The reference: the connector's pool, same size, same settings (session isolation, number handling) as DBServer's.
  const pool = createPool(cfg, cfg.connection);
  try {
    const c = await connect(db.port, a.links, a.mariadbInflight);
    client = c;
    const ids = await seed(c, a.players);
    for (const op of ['get', 'update'] as const) {
      const ratios: number[] = [];
      const pairs: { dbServer: Measured; connector: Measured }[] = [];
      // One unmeasured round of each side first: JIT, pool connections, buffer pools.
      await closedLoop(viaDbServer(c, ids, op), a.mariadbInflight, 0, a.warmupMs, db.pid);
      await closedLoop(viaConnector(pool, cfg.poolSize, ids, op), a.mariadbInflight, 0, a.warmupMs, null);
      for (let i = 0; i < a.pairs; i++) {
        const sub = (): Promise<Measured> => closedLoop(viaDbServer(c, ids, op), a.mariadbInflight, a.warmupMs, a.durationMs, db.pid);
        const ref = (): Promise<Measured> => closedLoop(viaConnector(pool, cfg.poolSize, ids, op), a.mariadbInflight, a.warmupMs, a.durationMs, null);
        // Alternate which side goes first, so a drift in the machine's load favours neither.
        let dbServer: Measured;
        let connector: Measured;
        if (i % 2 === 0) {
          dbServer = await sub();
          connector = await ref();
        } else {
          connector = await ref();
          dbServer = await sub();
        }
        pairs.push({ dbServer, connector });
        ratios.push(dbServer.rate / connector.rate);
        process.stderr.write(`mariadb ${op} pair ${i + 1}: DBServer ${f0(dbServer.rate)}/s (${cpu(dbServer)}), connector ${f0(connector.rate)}/s (CPU µs/answer ${connector.clientCpuMicros.toFixed(1)}) → ${ratios[i]!.toFixed(3)}; errors ${dbServer.errors} / ${connector.errors}\n`);
      }
      const r = median(ratios);
      const errors = pairs.reduce((n, p) => n + p.dbServer.errors + p.connector.errors, 0);
      const name = op === 'get' ? 'point reads' : 'writes (updatePlayer)';
      record('2', `MariaDB ${name}: DBServer / connector, ${a.mariadbInflight} in flight, pool ${cfg.poolSize}`, `${r.toFixed(3)} [${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}]`, `≥ ${TARGETS.ratio}`, r >= TARGETS.ratio && errors === 0, {
        ratio: r,
        ratios,
        dbServerRates: pairs.map((p) => Math.round(p.dbServer.rate)),
        connectorRates: pairs.map((p) => Math.round(p.connector.rate)),
        dbServerP50Micros: median(pairs.map((p) => p.dbServer.p50Micros)),
        connectorP50Micros: median(pairs.map((p) => p.connector.p50Micros)),
        errors,
      });
    }
  } finally {
    client?.close();
    await pool.end().catch(() => undefined);
    await stopDbServer(db);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  process.stderr.write(`wire.bench: ${a.durationMs} ms windows after ${a.warmupMs} ms warmup, ${a.inflight} in flight over ${a.links} links\n`);
  if (a.only !== 'mariadb') await sqliteRows(a);
  if (a.only !== 'sqlite') await mariadbRows(a);
  console.table(rows.map((r) => ({ row: r.row, what: r.what, measured: r.figure, target: r.target, verdict: r.ok ? 'met' : 'MISS' })));
  if (firstFailure !== null) process.stderr.write(`first failed request: ${firstFailure}\n`);
  return rows.every((r) => r.ok) ? 0 : 99;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wire.bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
