import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.ts';
import { DbErrorCode, type DbError } from './errors.ts';
import { backends, cleanupFixtures, mariadbBackend, adminUrl, mariaDbProblem } from './testing/backends.ts';
import { TcpProxy, closedPort } from './testing/tcp-proxy.ts';
import type { MariaDbStorageConfig } from './config.ts';
import type { Storage } from './types.ts';

afterAll(cleanupFixtures);

/** The rejection's code and how long the call took. */
async function timed(p: Promise<unknown>): Promise<{ code: string; ms: number; message: string }> {
  const t0 = performance.now();
  try {
    await p;
  } catch (err) {
    return { code: (err as DbError).code, ms: performance.now() - t0, message: (err as Error).message };
  }
  throw new Error('expected a rejection');
}

function urlWithPort(port: number, database = 'test'): string {
  const u = new URL(adminUrl());
  u.hostname = '127.0.0.1';
  u.port = String(port);
  u.pathname = `/${database}`;
  return u.toString();
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe.each(await backends())('$name storage: deadlines', (backend) => {
  it('fails a write stuck behind a lock with TIMEOUT soon after requestTimeoutMs, applies nothing, and a retry with the same key succeeds', async () => {
    const f = await backend.fresh();
    const s = await f.open({ requestTimeoutMs: 300 });
    const p = await s.createPlayer({ idempotencyKey: 'c', name: 'P', level: 1 });
    const raw = await f.raw();
    const release =
      backend.name === 'sqlite'
        ? await raw.holdLock('BEGIN IMMEDIATE', '')
        : await raw.holdLock('BEGIN', 'SELECT id FROM players WHERE id = ? FOR UPDATE', [p.id]);
    const r = await timed(s.updatePlayer({ idempotencyKey: 'u', id: p.id, level: 2 }));
    expect(r.code).toBe(DbErrorCode.TIMEOUT);
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(5000);
    expect(r.message).toMatch(/not applied/);
    await release();
    expect(await s.getPlayer(p.id)).toMatchObject({ level: 1, version: 1 });
    expect(await s.updatePlayer({ idempotencyKey: 'u', id: p.id, level: 2 })).toMatchObject({ level: 2, version: 2 });
    expect((await s.stats()).errorsByCode[DbErrorCode.TIMEOUT]).toBe(1);
  });

  it('times out queued requests too, not only the one holding the connection', async () => {
    const f = await backend.fresh();
    const s = await f.open({ requestTimeoutMs: 300, poolSize: 1 });
    const p = await s.createPlayer({ idempotencyKey: 'c', name: 'P' });
    const raw = await f.raw();
    const release =
      backend.name === 'sqlite'
        ? await raw.holdLock('BEGIN IMMEDIATE', '')
        : await raw.holdLock('BEGIN', 'SELECT id FROM players WHERE id = ? FOR UPDATE', [p.id]);
    const results = await Promise.all([1, 2, 3].map((i) => timed(s.updatePlayer({ idempotencyKey: `u${i}`, id: p.id, level: i + 1 }))));
    await release();
    for (const r of results) {
      expect(r.code).toBe(DbErrorCode.TIMEOUT);
      expect(r.ms).toBeLessThan(5000);
    }
    expect(await s.getPlayer(p.id)).toMatchObject({ version: 1 });
  });
});

describe('sqlite storage: unusable data directory', () => {
  it.each([
    ['dataDir is a file', (dir: string) => ({ dataDir: join(dir, 'file') })],
    ['the database file is not SQLite', (dir: string) => ({ dataDir: dir, fileName: 'junk.db' })],
  ])('rejects when %s with MISCONFIGURED', async (_, make) => {
    const dir = mkdtempSync(join(tmpdir(), 'nmt-bad-'));
    try {
      writeFileSync(join(dir, 'file'), 'not a directory');
      writeFileSync(join(dir, 'junk.db'), 'x'.repeat(4096));
      const r = await timed(createStorage({ backend: 'sqlite', ...make(dir) }));
      expect(r.code).toBe(DbErrorCode.MISCONFIGURED);
      expect(r.message).toContain(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf((await mariaDbProblem()) !== null)('mariadb storage: unreachable database, lost connections, deadlocks', () => {
  it('fails createStorage against a closed port with UNAVAILABLE at once, not after a timeout', async () => {
    const port = await closedPort();
    const r = await timed(createStorage({ backend: 'mariadb', url: urlWithPort(port), connectTimeoutMs: 2000 }));
    expect(r.code).toBe(DbErrorCode.UNAVAILABLE);
    expect(r.message).toContain(`127.0.0.1:${port}/test`);
    expect(r.ms).toBeLessThan(2000);
  });

  it('reports health down after a failed migrate, and keeps failing fast until the database answers', async () => {
    const port = await closedPort();
    const s = await createStorage({ backend: 'mariadb', url: urlWithPort(port), reconnectInitialMs: 50 }, { migrate: false });
    try {
      expect((await timed(s.migrate())).code).toBe(DbErrorCode.UNAVAILABLE);
      const h = await s.health();
      expect(h).toMatchObject({ ok: false, state: 'down', error: { code: DbErrorCode.UNAVAILABLE } });
      expect(h.details.downSince).toEqual(expect.any(String));
      // Reconnect attempts keep failing (nothing listens), and each migrate fails at once.
      await new Promise((r) => setTimeout(r, 200));
      const again = await timed(s.migrate());
      expect(again.code).toBe(DbErrorCode.UNAVAILABLE);
      expect(again.ms).toBeLessThan(1000);
      expect((await s.health()).state).toBe('down');
    } finally {
      await s.close();
    }
  });

  it.each([
    ['an unknown database', (u: URL) => (u.pathname = '/nmt_t_does_not_exist')],
    ['a wrong password', (u: URL) => (u.password = 'definitely-wrong')],
  ])('rejects %s with MISCONFIGURED (not retryable)', async (_, edit) => {
    const u = new URL(adminUrl());
    edit(u);
    const err = (await createStorage({ backend: 'mariadb', url: u.toString() }).catch((e: unknown) => e)) as DbError;
    expect(err.code).toBe(DbErrorCode.MISCONFIGURED);
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('definitely-wrong');
  });

  it('goes down when the database vanishes (fast UNAVAILABLE), reconnects with backoff when it returns, and loses no acknowledged write', async () => {
    const f = await mariadbBackend.fresh();
    const target = new URL(adminUrl());
    const proxy = await TcpProxy.start(target.hostname, target.port === '' ? 3306 : Number(target.port));
    const base = f.config() as MariaDbStorageConfig;
    const database = new URL(base.url).pathname.slice(1);
    let s: Storage | null = null;
    try {
      s = await createStorage({
        ...base,
        url: urlWithPort(proxy.port, database),
        acquireTimeoutMs: 500,
        connectTimeoutMs: 500,
        reconnectInitialMs: 50,
        reconnectMaxMs: 200,
        validationIdleMs: 0,
      });
      const a = await s.createPlayer({ idempotencyKey: 'a', name: 'A', gold: 10 });
      await proxy.down();
      const first = await timed(s.getPlayer(a.id));
      expect(first.code).toBe(DbErrorCode.UNAVAILABLE);
      expect(first.ms).toBeLessThan(3000);
      const st = s;
      expect(await until(async () => (await st.health()).state === 'down', 3000)).toBe(true);
      const fast = await timed(s.createPlayer({ idempotencyKey: 'b', name: 'B' }));
      expect(fast.code).toBe(DbErrorCode.UNAVAILABLE);
      expect(fast.ms).toBeLessThan(100);
      await proxy.up();
      expect(await until(async () => (await st.health()).ok, 5000)).toBe(true);
      expect(await s.getPlayer(a.id)).toEqual(a);
      // The refused write was not applied; retrying it with its key now applies it once.
      await s.createPlayer({ idempotencyKey: 'b', name: 'B' });
      expect(await s.countPlayers()).toBe(2);
    } finally {
      await s?.close();
      await proxy.close();
    }
  });

  it('retries on a fresh connection when its connection is killed mid-request, without the caller noticing', async () => {
    const f = await mariadbBackend.fresh();
    const s = await f.open({ poolSize: 2 });
    const p = await s.createPlayer({ idempotencyKey: 'p', name: 'P', gold: 5 });
    const raw = await f.raw();
    const database = new URL((f.config() as MariaDbStorageConfig).url).pathname.slice(1);
    // Park the update on a row lock, then kill the connection it runs on.
    const release = await raw.holdLock('BEGIN', 'SELECT id FROM players WHERE id = ? FOR UPDATE', [p.id]);
    const update = s.updatePlayer({ idempotencyKey: 'u', id: p.id, level: 7 });
    const busy = async (): Promise<Record<string, unknown>[]> =>
      raw.query("SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID() AND command = 'Query'", [database]);
    expect(await until(async () => (await busy()).length === 1, 3000)).toBe(true);
    const [victim] = await busy();
    await raw.query(`KILL CONNECTION ${Number(victim?.id)}`);
    await release();
    expect(await update).toMatchObject({ level: 7, version: 2 });
    expect((await s.stats()).transactions.connectionRetries).toBeGreaterThanOrEqual(1);
    expect(await s.getPlayer(p.id)).toMatchObject({ level: 7, version: 2 });
  });

  it('retries a transfer chosen as a deadlock victim, so the caller sees success', async () => {
    const f = await mariadbBackend.fresh();
    const s = await f.open({ poolSize: 2, requestTimeoutMs: 10_000 });
    const a = await s.createPlayer({ idempotencyKey: 'a', name: 'A', gold: 10 });
    const b = await s.createPlayer({ idempotencyKey: 'b', name: 'B', gold: 10 });
    const raw = await f.raw();
    const database = new URL((f.config() as MariaDbStorageConfig).url).pathname.slice(1);
    // The other transaction changes many rows, so InnoDB picks ours (lighter) as the victim.
    await raw.query('BEGIN');
    for (let i = 0; i < 50; i++) await raw.query('INSERT INTO session_log (session_id, event, at) VALUES (?, ?, ?)', [i, 'heavy', 0]);
    await raw.query('SELECT id FROM players WHERE id = ? FOR UPDATE', [b.id]);
    // Ours locks A, then waits for B...
    const transfer = s.transferGold({ idempotencyKey: 't', fromId: a.id, toId: b.id, amount: 3 });
    const waiting = async (): Promise<boolean> =>
      (await raw.query("SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID() AND command = 'Query'", [database])).length === 1;
    expect(await until(waiting, 5000)).toBe(true);
    // ...while the other one now wants A: a cycle, which InnoDB breaks by rolling ours back (1213).
    await raw.query('UPDATE players SET level = level WHERE id = ?', [a.id]);
    await raw.query('ROLLBACK');
    expect(await transfer).toMatchObject({ fromGold: 7, toGold: 13 });
    expect((await s.stats()).transactions.deadlockRetries).toBeGreaterThanOrEqual(1);
    expect(await s.totalGold()).toBe(20);
  });
});
