import { afterAll, describe, expect, it } from 'vitest';
import { DbErrorCode, type DbError, type DbValidationError } from './errors.ts';
import { SCHEMA_VERSION } from './migrations.ts';
import { backends, cleanupFixtures } from './testing/backends.ts';
import type { Storage } from './types.ts';

afterAll(cleanupFixtures);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as DbError).code;
  }
  throw new Error('expected a rejection');
}

describe.each(await backends())('$name storage: CRUD', (backend) => {
  it('creates, reads, updates and deletes a player', async () => {
    const s = await (await backend.fresh()).open();
    const before = Date.now();
    const created = await s.createPlayer({ idempotencyKey: 'c1', name: 'Ada', level: 3, gold: 50 });
    expect(created).toMatchObject({ name: 'Ada', level: 3, gold: 50, version: 1 });
    expect(created.id).toBeGreaterThan(0);
    expect(created.createdAt).toBeGreaterThanOrEqual(before);
    expect(created.updatedAt).toBe(created.createdAt);
    expect(await s.getPlayer(created.id)).toEqual(created);

    const updated = await s.updatePlayer({ idempotencyKey: 'u1', id: created.id, name: 'Ada L.', gold: 75 });
    expect(updated).toEqual({ ...created, name: 'Ada L.', gold: 75, version: 2, updatedAt: updated.updatedAt });
    expect(updated.updatedAt).toBeGreaterThanOrEqual(created.updatedAt);
    expect(await s.getPlayer(created.id)).toEqual(updated);

    expect(await s.deletePlayer({ idempotencyKey: 'd1', id: created.id })).toEqual({ id: created.id, deleted: true });
    expect(await s.getPlayer(created.id)).toBeNull();
    expect(await s.countPlayers()).toBe(0);
  });

  it('applies defaults (level 1, gold 0) and never reuses the id of a deleted player', async () => {
    const s = await (await backend.fresh()).open();
    const a = await s.createPlayer({ idempotencyKey: 'a', name: 'A' });
    expect(a).toMatchObject({ level: 1, gold: 0 });
    await s.deletePlayer({ idempotencyKey: 'da', id: a.id });
    const b = await s.createPlayer({ idempotencyKey: 'b', name: 'B' });
    expect(b.id).toBeGreaterThan(a.id);
  });

  it('stores Unicode names of up to 64 code points exactly', async () => {
    const s = await (await backend.fresh()).open();
    const name = '名前😀'.repeat(21) + 'x';
    expect([...name].length).toBe(64);
    const p = await s.createPlayer({ idempotencyKey: 'u', name });
    expect((await s.getPlayer(p.id))?.name).toBe(name);
  });

  it('returns null for a missing player and NOT_FOUND for updating or deleting one', async () => {
    const s = await (await backend.fresh()).open();
    expect(await s.getPlayer(424242)).toBeNull();
    expect(await codeOf(s.updatePlayer({ idempotencyKey: 'x', id: 424242, level: 2 }))).toBe(DbErrorCode.NOT_FOUND);
    expect(await codeOf(s.deletePlayer({ idempotencyKey: 'y', id: 424242 }))).toBe(DbErrorCode.NOT_FOUND);
    expect(await codeOf(s.transferGold({ idempotencyKey: 'z', fromId: 424242, toId: 424243, amount: 1 }))).toBe(DbErrorCode.NOT_FOUND);
  });

  it('rejects a stale expectedVersion with VERSION_CONFLICT carrying both versions, and changes nothing', async () => {
    const s = await (await backend.fresh()).open();
    const p = await s.createPlayer({ idempotencyKey: 'p', name: 'P', gold: 10 });
    await s.updatePlayer({ idempotencyKey: 'u1', id: p.id, expectedVersion: 1, level: 2 });
    const err = (await s.updatePlayer({ idempotencyKey: 'u2', id: p.id, expectedVersion: 1, level: 9 }).catch((e: unknown) => e)) as DbError & {
      expectedVersion: number;
      actualVersion: number;
    };
    expect(err.code).toBe(DbErrorCode.VERSION_CONFLICT);
    expect(err.expectedVersion).toBe(1);
    expect(err.actualVersion).toBe(2);
    expect(await s.getPlayer(p.id)).toMatchObject({ level: 2, version: 2 });
    // The failed key was not stored: the same key with the right version now applies.
    expect(await s.updatePlayer({ idempotencyKey: 'u2', id: p.id, expectedVersion: 2, level: 9 })).toMatchObject({ level: 9, version: 3 });
  });

  it('bumps both versions on a transfer, so a stale optimistic update cannot overwrite it', async () => {
    const s = await (await backend.fresh()).open();
    const a = await s.createPlayer({ idempotencyKey: 'a', name: 'A', gold: 100 });
    const b = await s.createPlayer({ idempotencyKey: 'b', name: 'B', gold: 0 });
    const t = await s.transferGold({ idempotencyKey: 't', fromId: a.id, toId: b.id, amount: 40 });
    expect(t).toEqual({ fromId: a.id, toId: b.id, amount: 40, fromGold: 60, toGold: 40, fromVersion: 2, toVersion: 2 });
    expect(await codeOf(s.updatePlayer({ idempotencyKey: 'stale', id: a.id, expectedVersion: 1, gold: 100 }))).toBe(DbErrorCode.VERSION_CONFLICT);
    expect(await s.totalGold()).toBe(100);
  });

  it.each([
    ['createPlayer without name', (s: Storage) => s.createPlayer({ idempotencyKey: 'k' } as never), ['name']],
    ['createPlayer with negative gold and fractional level', (s: Storage) => s.createPlayer({ idempotencyKey: 'k', name: 'n', gold: -1, level: 1.5 }), ['level', 'gold']],
    ['createPlayer with a 65-char name', (s: Storage) => s.createPlayer({ idempotencyKey: 'k', name: 'x'.repeat(65) }), ['name']],
    ['createPlayer with a control char in the name', (s: Storage) => s.createPlayer({ idempotencyKey: 'k', name: 'a\u0000b' }), ['name']],
    ['createPlayer with an unknown field', (s: Storage) => s.createPlayer({ idempotencyKey: 'k', name: 'n', hp: 3 } as never), ['hp']],
    ['createPlayer with a key containing a space', (s: Storage) => s.createPlayer({ idempotencyKey: 'a b', name: 'n' }), ['idempotencyKey']],
    ['updatePlayer with nothing to update', (s: Storage) => s.updatePlayer({ idempotencyKey: 'k', id: 1 }), ['(input)']],
    ['transferGold to oneself with amount 0', (s: Storage) => s.transferGold({ idempotencyKey: 'k', fromId: 1, toId: 1, amount: 0 }), ['amount', 'toId']],
    ['getPlayer with id 0', (s: Storage) => s.getPlayer(0), ['id']],
    ['logSessions with a bad entry', (s: Storage) => s.logSessions([{ sessionId: -1, event: '' }]), ['entries[0].sessionId', 'entries[0].event']],
  ])('rejects %s with INVALID_ARGUMENT listing every bad field', async (_, call, paths) => {
    const s = await (await backend.fresh()).open();
    const err = (await call(s).catch((e: unknown) => e)) as DbValidationError;
    expect(err.code).toBe(DbErrorCode.INVALID_ARGUMENT);
    expect(err.issues.map((i) => i.path).sort()).toEqual([...paths].sort());
    expect(await s.countPlayers()).toBe(0);
  });

  it('migrates an empty database to the current version, and a second migrate is a no-op', async () => {
    const f = await backend.fresh();
    const s = await f.open({}, { migrate: false });
    expect(await codeOf(s.getPlayer(1))).toBe(DbErrorCode.NOT_READY);
    expect(await s.migrate()).toEqual({ from: 0, to: SCHEMA_VERSION, applied: [1] });
    const p = await s.createPlayer({ idempotencyKey: 'k', name: 'kept' });
    expect(await s.migrate()).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    const again = await f.open();
    expect(await again.getPlayer(p.id)).toEqual(p);
    const raw = await f.raw();
    expect(await raw.query('SELECT version FROM schema_version ORDER BY version')).toEqual([{ version: 1 }]);
  });

  it('sums gold and counts players', async () => {
    const s = await (await backend.fresh()).open();
    expect(await s.totalGold()).toBe(0);
    for (let i = 0; i < 5; i++) await s.createPlayer({ idempotencyKey: `p${i}`, name: `p${i}`, gold: i * 10 });
    expect(await s.totalGold()).toBe(100);
    expect(await s.countPlayers()).toBe(5);
  });

  it('reports counts, errors and latencies per statement kind and operation, and resets on request', async () => {
    const s = await (await backend.fresh()).open();
    const a = await s.createPlayer({ idempotencyKey: 'a', name: 'A', gold: 5 });
    const b = await s.createPlayer({ idempotencyKey: 'b', name: 'B' });
    await s.getPlayer(a.id);
    await s.transferGold({ idempotencyKey: 't', fromId: a.id, toId: b.id, amount: 5 });
    await s.transferGold({ idempotencyKey: 't2', fromId: a.id, toId: b.id, amount: 5 }).catch(() => undefined);
    const st = await s.stats({ reset: true });
    expect(st.backend).toBe(backend.name);
    expect(st.state).toBe('up');
    expect(st.operations.createPlayer).toMatchObject({ count: 2, errors: 0, rows: 2 });
    expect(st.operations.getPlayer).toMatchObject({ count: 1, errors: 0, rows: 1 });
    expect(st.operations.transferGold).toMatchObject({ count: 2, errors: 1 });
    expect(st.errorsByCode).toEqual({ [DbErrorCode.INSUFFICIENT_FUNDS]: 1 });
    // 2 players + 2 keys + 1 key of the successful transfer.
    expect(st.statements.insert.count).toBe(5);
    expect(st.statements.update).toMatchObject({ count: 2, rows: 2 });
    expect(st.statements.select.count).toBeGreaterThanOrEqual(5);
    expect(st.transactions.commits).toBeGreaterThanOrEqual(3);
    for (const c of [st.statements.select, st.statements.insert, st.operations.createPlayer]) {
      expect(c.latencyMicros.count).toBe(c.count);
      expect(c.latencyMicros.max).toBeGreaterThan(0);
      expect(c.latencyMicros.p99).toBeGreaterThanOrEqual(c.latencyMicros.p50);
      expect(c.latencyMicros.max).toBeGreaterThanOrEqual(c.latencyMicros.p99);
    }
    expect(st.pool.acquireWaitMicros.count).toBeGreaterThanOrEqual(4);
    expect(st.pool.size).toBeGreaterThanOrEqual(1);
    expect(st.pool.maxWaiting).toBeGreaterThan(0);
    const after = await s.stats();
    expect(after.operations.createPlayer.count).toBe(0);
    expect(after.statements.insert.latencyMicros).toEqual({ count: 0, p50: 0, p99: 0, max: 0, mean: 0 });
  });

  it('close() finishes writes already accepted before releasing the database', async () => {
    const f = await backend.fresh();
    const s = await f.open({ poolSize: 2 });
    const pending = Array.from({ length: 20 }, (_, i) => s.createPlayer({ idempotencyKey: `q${i}`, name: `q${i}` }));
    const logged = s.logSessions([{ sessionId: 1, event: 'connect' }]);
    await s.close();
    expect((await Promise.all(pending)).length).toBe(20);
    expect(await logged).toEqual({ accepted: 1 });
    const again = await f.open();
    expect(await again.countPlayers()).toBe(20);
  });

  it('reports health with the schema version, and CLOSED after close; close is idempotent', async () => {
    const s = await (await backend.fresh()).open();
    const h = await s.health();
    expect(h).toMatchObject({ ok: true, backend: backend.name, state: 'up', schemaVersion: SCHEMA_VERSION, error: null });
    expect(h.latencyMs).toBeGreaterThanOrEqual(0);
    if (backend.name === 'sqlite') expect(h.details).toMatchObject({ journalMode: 'wal', synchronous: 'FULL' });
    else expect(h.details.innodbFlushLogAtTrxCommit).toBeDefined();
    await s.close();
    await s.close();
    expect(await s.health()).toMatchObject({ ok: false, state: 'closed', error: { code: DbErrorCode.CLOSED } });
    expect(await codeOf(s.getPlayer(1))).toBe(DbErrorCode.CLOSED);
    expect(await codeOf(s.createPlayer({ idempotencyKey: 'k', name: 'n' }))).toBe(DbErrorCode.CLOSED);
  });
});
