/**
 * Client → TestServer → DBServer → database, on every backend: the CRUD
 * packets, their statuses, idempotent retries, the batched session log, the
 * stats request on the wire, and what clients get while DBServer is away.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GameStatus } from '../../protocol/game-packets.ts';
import { DbResKind } from '../../protocol/db-packets.ts';
import { startTestServer, type RunningTestServer } from '../test-server/app.ts';
import { startDbServer, type RunningDbServer } from './app.ts';
import { backends, cleanupFixtures, type Fixture } from './storage/testing/backends.ts';
import { GameClient, newKey } from './testing/game-client.ts';

afterAll(cleanupFixtures);

interface Stack {
  fixture: Fixture;
  db: RunningDbServer;
  test: RunningTestServer;
  client: GameClient;
}

const open: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (let c = open.pop(); c !== undefined; c = open.pop()) await c().catch(() => undefined);
});

async function startStack(fixture: Fixture, dbPort = 0): Promise<Stack> {
  const storage = await fixture.open();
  const db = await startDbServer({ storage, port: dbPort, statsRefreshMs: 50 });
  open.push(() => db.shutdown({ deadlineMs: 1000 }));
  const test = await startTestServer({ db: { host: '127.0.0.1', port: db.port, requestTimeoutMs: 3000, sessionLog: { flushIntervalMs: 20 } } });
  open.push(() => test.shutdown({ deadlineMs: 1000 }));
  expect(await test.db!.waitReady(5000)).toBe(true);
  const client = await GameClient.connect(test.port);
  open.push(async () => client.close());
  return { fixture, db, test, client };
}

describe.each(await backends())('CRUD path on $name', (backend) => {
  it('creates, reads, updates, deletes a player with matching seq and statuses', async () => {
    const { client } = await startStack(await backend.fresh());
    const created = await client.createPlayer('alice', 100, 3);
    expect(created.status).toBe(GameStatus.Ok);
    expect(created.player).toMatchObject({ name: 'alice', gold: 100, level: 3, version: 1 });
    const id = created.player!.id;

    const got = await client.getPlayer(id);
    expect(got).toMatchObject({ status: GameStatus.Ok, player: { id, name: 'alice', gold: 100 } });

    const updated = await client.updatePlayer({ playerId: id, level: 4, name: 'alicia', expectedVersion: 1 });
    expect(updated).toMatchObject({ status: GameStatus.Ok, player: { id, level: 4, name: 'alicia', version: 2 } });

    const stale = await client.updatePlayer({ playerId: id, level: 9, expectedVersion: 1 });
    expect(stale.status).toBe(GameStatus.VersionConflict);
    expect(stale.player).toBeNull();

    const deleted = await client.deletePlayer(id);
    expect(deleted).toMatchObject({ status: GameStatus.Ok, playerId: id });
    expect((await client.getPlayer(id)).status).toBe(GameStatus.NotFound);
  });

  it.each([
    ['insufficient funds', 50, 100, GameStatus.InsufficientFunds],
    ['an amount of 0', 50, 0, GameStatus.Invalid],
  ])('refuses a transfer with %s', async (_name, gold, amount, status) => {
    const { client } = await startStack(await backend.fresh());
    const a = (await client.createPlayer('a', gold)).player!.id;
    const b = (await client.createPlayer('b', 0)).player!.id;
    const res = await client.transferGold(a, b, amount);
    expect(res.status).toBe(status);
    expect((await client.getPlayer(a)).player!.gold).toBe(gold);
  });

  it('applies a retried transfer (same key) once and refuses the key for a different transfer', async () => {
    const { client } = await startStack(await backend.fresh());
    const a = (await client.createPlayer('a', 100)).player!.id;
    const b = (await client.createPlayer('b', 0)).player!.id;
    const key = newKey();
    const first = await client.transferGold(a, b, 30, key);
    const retry = await client.transferGold(a, b, 30, key);
    expect(first).toMatchObject({ status: GameStatus.Ok, fromGold: 70, toGold: 30 });
    expect(retry).toMatchObject({ status: GameStatus.Ok, fromGold: 70, toGold: 30 });
    expect((await client.getPlayer(a)).player!.gold).toBe(70);
    expect((await client.transferGold(a, b, 31, key)).status).toBe(GameStatus.IdempotencyConflict);
  });

  it('answers many concurrent requests, matched by seq', async () => {
    const { client } = await startStack(await backend.fresh());
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => client.createPlayer(`p${i}`, i)));
    res.forEach((r, i) => expect(r.player).toMatchObject({ name: `p${i}`, gold: i }));
    expect(new Set(res.map((r) => r.player!.id)).size).toBe(200);
  });

  it('logs connected sessions through DBServer, batched', async () => {
    const stack = await startStack(await backend.fresh());
    const more = await Promise.all([GameClient.connect(stack.test.port), GameClient.connect(stack.test.port)]);
    for (const c of more) open.push(async () => c.close());
    const deadline = Date.now() + 5000;
    while (stack.test.sessionLog!.stats.stored < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(stack.test.sessionLog!.stats.stored).toBe(3);
    const raw = await stack.fixture.raw();
    const rows = await raw.query("SELECT COUNT(*) AS n FROM session_log WHERE event = 'connect'");
    await raw.close();
    expect(Number(rows[0]!.n)).toBe(3);
  });

  it('serves stats on the wire and on /metrics', async () => {
    const fixture = await backend.fresh();
    const storage = await fixture.open();
    const db = await startDbServer({ storage, metrics: { port: 0 }, statsRefreshMs: 20 });
    open.push(() => db.shutdown({ deadlineMs: 1000 }));
    const test = await startTestServer({ db: { host: '127.0.0.1', port: db.port }, metrics: { port: 0 } });
    open.push(() => test.shutdown({ deadlineMs: 1000 }));
    await test.db!.waitReady(5000);
    const client = await GameClient.connect(test.port);
    open.push(async () => client.close());
    await client.createPlayer('s', 1);
    const res = await test.db!.request({ op: 'stats', reset: false });
    expect(res.status).toBe(GameStatus.Ok);
    if (res.body.kind !== DbResKind.Json) throw new Error('expected a JSON body');
    const stats = JSON.parse(res.body.json) as { storage: { statements: { insert: { count: number } }; pool: { size: number } }; server: { requests: { createPlayer: number } } };
    expect(stats.storage.statements.insert.count).toBeGreaterThanOrEqual(1);
    expect(stats.server.requests.createPlayer).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    const text = await (await fetch(`http://127.0.0.1:${db.metricsPort}/metrics`)).text();
    expect(text).toMatch(/nmt_db_requests_total\{op="createPlayer"\} 1/);
    expect(text).toMatch(/nmt_db_statements_total\{kind="insert"\} [1-9]/);
    expect(text).toMatch(/nmt_db_pool_in_use \d+/);
    const testText = await (await fetch(`http://127.0.0.1:${test.metricsPort}/metrics`)).text();
    expect(testText).toMatch(/nmt_dbclient_links_up 2/);
    expect(testText).toMatch(/nmt_dbclient_answered_total [2-9]/);
  });

  it('answers DbUnavailable while DBServer is away, then recovers after it returns', async () => {
    const fixture = await backend.fresh();
    const stack = await startStack(fixture);
    const port = stack.db.port;
    const a = (await stack.client.createPlayer('a', 10)).player!.id;
    await stack.db.shutdown({ deadlineMs: 500 });
    const t0 = Date.now();
    const away = await stack.client.getPlayer(a);
    expect(away.status).toBe(GameStatus.DbUnavailable);
    expect(Date.now() - t0).toBeLessThan(5000);
    const again = await startDbServer({ storage: await fixture.open(), port });
    open.push(() => again.shutdown({ deadlineMs: 1000 }));
    expect(await stack.test.db!.waitReady(10_000)).toBe(true);
    expect(await stack.client.getPlayer(a)).toMatchObject({ status: GameStatus.Ok, player: { id: a, gold: 10 } });
  });
});

describe('without a database', () => {
  it('answers NoDatabase at once', async () => {
    const test = await startTestServer();
    open.push(() => test.shutdown({ deadlineMs: 1000 }));
    const client = await GameClient.connect(test.port);
    open.push(async () => client.close());
    expect((await client.getPlayer(1)).status).toBe(GameStatus.NoDatabase);
    expect((await client.transferGold(1, 2, 3)).status).toBe(GameStatus.NoDatabase);
    expect((await client.deletePlayer(1)).status).toBe(GameStatus.NoDatabase);
  });
});
