/**
 * What the storage layer alone sustains, per backend (no network, no DBServer):
 *
 *   npx tsx reference-server/db-server/storage/storage.bench.ts
 *   NMT_BENCH_TIME_MS=3000 npx tsx reference-server/db-server/storage/storage.bench.ts
 *
 * Each tinybench iteration issues K operations at once (K = 1 shows the
 * latency of a lone request; K = 64 the throughput with group commit and a
 * busy pool) and ops/s = K / mean iteration time. SQLite runs in a temporary
 * directory with the default settings (WAL, synchronous FULL); MariaDB uses
 * a throw-away database on NMT_MARIADB_URL (skipped if unreachable).
 *
 * The whole server path (SQLite ≥ 50,000 point reads/s and ≥ 10,000 writes/s
 * through the wire) is measured by ../wire.bench.ts. Figures measured here
 * are in docs/database.md.
 */
import { Bench } from 'tinybench';
import { cleanupFixtures, mariaDbProblem, mariadbBackend, sqliteBackend, type Backend } from './testing/backends.ts';
import type { Storage } from './types.ts';

const TIME_MS = Number(process.env.NMT_BENCH_TIME_MS ?? 1500);
const PLAYERS = 1000;
const CONCURRENCY = 64;

let unique = 0;
const key = (): string => `b${++unique}`;

function tasks(s: Storage, ids: number[]): [string, number, () => Promise<unknown>][] {
  const pick = (): number => ids[Math.floor(Math.random() * ids.length)] as number;
  const many = (k: number, op: () => Promise<unknown>) => () => Promise.all(Array.from({ length: k }, op));
  const transfer = (): Promise<unknown> => {
    const from = pick();
    let to = pick();
    if (to === from) to = ids[(ids.indexOf(from) + 1) % ids.length] as number;
    return s.transferGold({ idempotencyKey: key(), fromId: from, toId: to, amount: 1 });
  };
  const log = (): Promise<unknown> => s.logSessions(Array.from({ length: 10 }, (_, i) => ({ sessionId: unique, event: i === 0 ? 'connect' : 'tick' })));
  return [
    ['getPlayer (point read)', 1, () => s.getPlayer(pick())],
    ['getPlayer (point read)', CONCURRENCY, many(CONCURRENCY, () => s.getPlayer(pick()))],
    ['createPlayer (write)', 1, () => s.createPlayer({ idempotencyKey: key(), name: 'bench' })],
    ['createPlayer (write)', CONCURRENCY, many(CONCURRENCY, () => s.createPlayer({ idempotencyKey: key(), name: 'bench' }))],
    ['updatePlayer (write)', CONCURRENCY, many(CONCURRENCY, () => s.updatePlayer({ idempotencyKey: key(), id: pick(), level: 2 }))],
    ['transferGold (2-row write)', CONCURRENCY, many(CONCURRENCY, transfer)],
    ['logSessions (10 entries)', CONCURRENCY, many(CONCURRENCY, log)],
  ];
}

async function run(backend: Backend): Promise<void> {
  const f = await backend.fresh();
  const s = await f.open({ poolSize: 8 });
  const ids: number[] = [];
  const seed = await Promise.all(Array.from({ length: PLAYERS }, (_, i) => s.createPlayer({ idempotencyKey: `seed${i}`, name: `p${i}`, gold: 1_000_000 })));
  for (const p of seed) ids.push(p.id);
  const bench = new Bench({ time: TIME_MS, warmupTime: 200 });
  const ks = new Map<string, number>();
  for (const [name, k, fn] of tasks(s, ids)) {
    const label = `${backend.name} ${name} ×${k}`;
    ks.set(label, k);
    bench.add(label, fn);
  }
  await bench.run();
  const rows = bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== 'completed') return { task: t.name, 'ops/s': r.state, 'mean ms/iteration': '-', 'p99 ms/iteration': '-' };
    const k = ks.get(t.name) as number;
    return {
      task: t.name,
      'ops/s': Math.round((k * 1000) / r.period),
      'mean ms/iteration': r.period.toFixed(3),
      'p99 ms/iteration': r.latency.p99.toFixed(3),
    };
  });
  console.table(rows);
  const st = await s.stats();
  console.log(
    `${backend.name}: ${st.transactions.commits} commits, group commit ${st.groupCommit.batches} batches / ${st.groupCommit.writes} writes (largest ${st.groupCommit.maxBatch}), ` +
      `deadlock retries ${st.transactions.deadlockRetries}, errors ${JSON.stringify(st.errorsByCode)}`,
  );
}

await run(sqliteBackend);
const problem = await mariaDbProblem();
if (problem === null) await run(mariadbBackend);
else console.log(`mariadb: skipped (${problem}); set NMT_MARIADB_URL`);
await cleanupFixtures();
