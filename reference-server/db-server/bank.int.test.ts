/**
 * The bank test (Jepsen's is the model): 20 clients transfer gold among 8
 * players through TestServer → DBServer while the DBServer process is
 * SIGKILLed and restarted twice. Each client resends a transfer with the
 * *same* idempotency key until it gets a definitive answer (Ok or a refusal),
 * so no transfer is left in doubt. Afterwards:
 *   - total gold is unchanged;
 *   - every player's balance equals its start plus the acknowledged
 *     transfers in, minus those out: each acknowledged transfer was applied
 *     exactly once (a lost one or a doubled retry would break the equation);
 *   - every acknowledged transfer's key has exactly one idempotency record.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GameStatus, isRetryableStatus } from '../../protocol/game-packets.ts';
import { startTestServer, type RunningTestServer } from '../test-server/app.ts';
import { storageKey } from '../test-server/db-handlers.ts';
import { backends, cleanupFixtures } from './storage/testing/backends.ts';
import { GameClient, newKey } from './testing/game-client.ts';

afterAll(cleanupFixtures);

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENTS = 20;
const PLAYERS = 8;
const START_GOLD = 1000;
const KILLS = 2;
/** No single transfer may stay unresolved longer than this (a hang is a failure). */
const RESOLVE_DEADLINE_MS = 30_000;

const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (let c = cleanups.pop(); c !== undefined; c = cleanups.pop()) await c().catch(() => undefined);
});

/** Starts a DBServer process; resolves with its port once it printed its ready line. */
function startDbProcess(storageArgs: string[], port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', String(port), '--no-metrics', '--ready-json', '--log-level', 'warn', ...storageArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`DBServer not ready within 30 s; stderr:\n${stderr}`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{"event":"ready"')) return;
      clearTimeout(timer);
      resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`DBServer exited with ${code} before ready; stderr:\n${stderr}`));
    });
  });
}

interface Ack {
  from: number;
  to: number;
  amount: number;
  key: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(await backends())('bank test on $name', (backend) => {
  it('keeps total gold and applies every acknowledged transfer exactly once across kill -9 of DBServer', { timeout: 120_000 }, async () => {
    const fixture = await backend.fresh();
    const cfg = fixture.config();
    const storageArgs = cfg.backend === 'sqlite' ? ['--data-dir', cfg.dataDir] : ['--backend', 'mariadb', '--mariadb-url', cfg.url];
    let db = await startDbProcess(storageArgs, 0);
    const port = db.port;
    const test: RunningTestServer = await startTestServer({
      db: { host: '127.0.0.1', port, requestTimeoutMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 200 },
    });
    cleanups.push(() => test.shutdown({ deadlineMs: 1000 }));
    expect(await test.db!.waitReady(10_000)).toBe(true);

    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => GameClient.connect(test.port)));
    for (const c of clients) cleanups.push(async () => c.close());
    const ids: number[] = [];
    for (let i = 0; i < PLAYERS; i++) {
      const r = await clients[0]!.createPlayer(`acct${i}`, START_GOLD);
      expect(r.status).toBe(GameStatus.Ok);
      ids.push(r.player!.id);
    }

    const acks: Ack[] = [];
    const counts = { refused: 0, retries: 0, attempts: 0 };
    let stop = false;
    const worker = async (client: GameClient, w: number): Promise<void> => {
      let n = 0;
      while (!stop) {
        const from = ids[(w + n) % PLAYERS]!;
        const to = ids[(w + n * 3 + 1) % PLAYERS]!;
        n++;
        if (from === to) continue;
        const amount = 1 + ((w * 7 + n) % 40);
        const key = newKey();
        const started = Date.now();
        for (;;) {
          counts.attempts++;
          const res = await client.transferGold(from, to, amount, key);
          if (res.status === GameStatus.Ok) {
            acks.push({ from, to, amount, key: storageKey(key) });
            break;
          }
          if (!isRetryableStatus(res.status)) {
            expect(res.status).toBe(GameStatus.InsufficientFunds);
            counts.refused++;
            break;
          }
          counts.retries++;
          if (Date.now() - started > RESOLVE_DEADLINE_MS) throw new Error(`transfer ${storageKey(key)} unresolved after ${RESOLVE_DEADLINE_MS} ms`);
          await sleep(20);
        }
      }
    };
    const running = Promise.all(clients.map((c, i) => worker(c, i)));

    for (let k = 0; k < KILLS; k++) {
      await sleep(700);
      const acksBefore = acks.length;
      db.child.kill('SIGKILL');
      await new Promise((r) => db.child.once('exit', r));
      await sleep(300);
      db = await startDbProcess(storageArgs, port);
      expect(await test.db!.waitReady(10_000)).toBe(true);
      expect(acksBefore).toBeGreaterThan(0);
    }
    await sleep(700);
    stop = true;
    await running;

    expect(counts.retries).toBeGreaterThan(0); // the kills did hit requests in flight
    const raw = await fixture.raw();
    cleanups.push(() => raw.close());
    const rows = await raw.query('SELECT id, gold FROM players ORDER BY id');
    const total = rows.reduce((s, r) => s + Number(r.gold), 0);
    expect(total).toBe(PLAYERS * START_GOLD);

    const expected = new Map(ids.map((id) => [id, START_GOLD]));
    for (const a of acks) {
      expected.set(a.from, expected.get(a.from)! - a.amount);
      expected.set(a.to, expected.get(a.to)! + a.amount);
    }
    expect(new Map(rows.map((r) => [Number(r.id), Number(r.gold)]))).toEqual(expected);

    const keys = await raw.query("SELECT idem_key FROM idempotency_keys WHERE operation = 'transferGold'");
    const stored = new Map<string, number>();
    for (const k of keys) stored.set(String(k.idem_key), (stored.get(String(k.idem_key)) ?? 0) + 1);
    for (const a of acks) expect(stored.get(a.key), a.key).toBe(1);
    process.stdout.write(`bank ${backend.name}: ${acks.length} acknowledged, ${counts.refused} refused, ${counts.retries} retries, ${counts.attempts} attempts\n`);
  });
});
