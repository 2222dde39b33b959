import { afterAll, describe, expect, it } from 'vitest';
import { DbErrorCode, type DbError, type DbIdempotencyConflictError } from './errors.ts';
import { backends, cleanupFixtures } from './testing/backends.ts';

afterAll(cleanupFixtures);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as DbError).code;
  }
  throw new Error('expected a rejection');
}

describe.each(await backends())('$name storage: idempotency', (backend) => {
  it('answers a retried createPlayer with the first result and creates one player', async () => {
    const s = await (await backend.fresh()).open();
    const first = await s.createPlayer({ idempotencyKey: 'create-1', name: 'Once', gold: 7 });
    const retry = await s.createPlayer({ idempotencyKey: 'create-1', name: 'Once', gold: 7 });
    expect(retry).toEqual(first);
    // Defaults are part of the fingerprint: spelling out level 1 is the same request.
    expect(await s.createPlayer({ idempotencyKey: 'create-1', name: 'Once', gold: 7, level: 1 })).toEqual(first);
    expect(await s.countPlayers()).toBe(1);
    expect((await s.stats()).idempotency.replays).toBe(2);
  });

  it('answers a retried update with the stored snapshot, not the current row, and applies it once', async () => {
    const s = await (await backend.fresh()).open();
    const p = await s.createPlayer({ idempotencyKey: 'c', name: 'P', level: 1 });
    const u1 = await s.updatePlayer({ idempotencyKey: 'u1', id: p.id, level: 10 });
    await s.updatePlayer({ idempotencyKey: 'u2', id: p.id, level: 20 });
    expect(await s.updatePlayer({ idempotencyKey: 'u1', id: p.id, level: 10 })).toEqual(u1);
    expect(await s.getPlayer(p.id)).toMatchObject({ level: 20, version: 3 });
  });

  it('answers a retried delete with its result instead of NOT_FOUND', async () => {
    const s = await (await backend.fresh()).open();
    const p = await s.createPlayer({ idempotencyKey: 'c', name: 'P' });
    const d = await s.deletePlayer({ idempotencyKey: 'd', id: p.id });
    expect(await s.deletePlayer({ idempotencyKey: 'd', id: p.id })).toEqual(d);
    expect(await codeOf(s.deletePlayer({ idempotencyKey: 'd-new', id: p.id }))).toBe(DbErrorCode.NOT_FOUND);
  });

  it('moves gold once for a transfer retried many times, sequentially and concurrently', async () => {
    const s = await (await backend.fresh()).open();
    const a = await s.createPlayer({ idempotencyKey: 'a', name: 'A', gold: 100 });
    const b = await s.createPlayer({ idempotencyKey: 'b', name: 'B', gold: 0 });
    const req = { idempotencyKey: 'pay-1', fromId: a.id, toId: b.id, amount: 30 };
    const first = await s.transferGold(req);
    expect(await s.transferGold(req)).toEqual(first);
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => s.transferGold({ ...req, idempotencyKey: 'pay-2' })));
    for (const r of concurrent) expect(r).toEqual(concurrent[0]);
    expect(await s.getPlayer(a.id)).toMatchObject({ gold: 40 });
    expect(await s.getPlayer(b.id)).toMatchObject({ gold: 60 });
    expect(await s.totalGold()).toBe(100);
  });

  it('creates one player for concurrent requests sharing a new key', async () => {
    const s = await (await backend.fresh()).open();
    const results = await Promise.all(Array.from({ length: 12 }, () => s.createPlayer({ idempotencyKey: 'race', name: 'R' })));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(await s.countPlayers()).toBe(1);
  });

  it.each([
    ['different parameters', { idempotencyKey: 'k', name: 'other' }, 'createPlayer'],
    ['a different operation', null, 'deletePlayer'],
  ])('refuses a reused key with %s (IDEMPOTENCY_CONFLICT) and changes nothing', async (_, createRetry, requested) => {
    const s = await (await backend.fresh()).open();
    const p = await s.createPlayer({ idempotencyKey: 'k', name: 'first' });
    const err = (await (createRetry === null ? s.deletePlayer({ idempotencyKey: 'k', id: p.id }) : s.createPlayer(createRetry)).catch(
      (e: unknown) => e,
    )) as DbIdempotencyConflictError;
    expect(err.code).toBe(DbErrorCode.IDEMPOTENCY_CONFLICT);
    expect(err.retryable).toBe(false);
    expect(err.storedOperation).toBe('createPlayer');
    expect(err.requestedOperation).toBe(requested);
    expect(await s.getPlayer(p.id)).toEqual(p);
    expect(await s.countPlayers()).toBe(1);
    expect((await s.stats()).idempotency.conflicts).toBe(1);
  });

  it('leaves both balances unchanged on insufficient funds, and stores no key (a later retry is evaluated afresh)', async () => {
    const s = await (await backend.fresh()).open();
    const a = await s.createPlayer({ idempotencyKey: 'a', name: 'A', gold: 10 });
    const b = await s.createPlayer({ idempotencyKey: 'b', name: 'B', gold: 5 });
    const req = { idempotencyKey: 'big', fromId: a.id, toId: b.id, amount: 11 };
    const err = (await s.transferGold(req).catch((e: unknown) => e)) as DbError & { balance: number; amount: number };
    expect(err.code).toBe(DbErrorCode.INSUFFICIENT_FUNDS);
    expect(err.balance).toBe(10);
    expect(err.amount).toBe(11);
    expect(await s.getPlayer(a.id)).toEqual(a);
    expect(await s.getPlayer(b.id)).toEqual(b);
    await s.updatePlayer({ idempotencyKey: 'topup', id: a.id, gold: 20 });
    expect(await s.transferGold(req)).toMatchObject({ fromGold: 9, toGold: 16 });
  });

  it('refuses a credit past the largest exact balance with BALANCE_OVERFLOW and changes nothing', async () => {
    const s = await (await backend.fresh()).open();
    const a = await s.createPlayer({ idempotencyKey: 'a', name: 'A', gold: 10 });
    const rich = await s.createPlayer({ idempotencyKey: 'r', name: 'Rich', gold: Number.MAX_SAFE_INTEGER - 5 });
    expect(await codeOf(s.transferGold({ idempotencyKey: 't', fromId: a.id, toId: rich.id, amount: 6 }))).toBe(DbErrorCode.BALANCE_OVERFLOW);
    expect(await s.getPlayer(rich.id)).toEqual(rich);
    expect(await s.transferGold({ idempotencyKey: 't2', fromId: a.id, toId: rich.id, amount: 5 })).toMatchObject({ toGold: Number.MAX_SAFE_INTEGER });
  });

  it('prunes keys older than a cutoff; a pruned key is then treated as new', async () => {
    const s = await (await backend.fresh()).open();
    await s.createPlayer({ idempotencyKey: 'old', name: 'O' });
    expect(await s.pruneIdempotencyKeys(0)).toBe(0);
    expect(await s.pruneIdempotencyKeys(Date.now() + 1000)).toBe(1);
    await s.createPlayer({ idempotencyKey: 'old', name: 'O' });
    expect(await s.countPlayers()).toBe(2);
    expect((await s.stats()).idempotency.pruned).toBe(1);
    expect(await codeOf(s.pruneIdempotencyKeys(-1))).toBe(DbErrorCode.INVALID_ARGUMENT);
  });

  it('prunes automatically per idempotencyRetentionMs / idempotencyPruneIntervalMs', async () => {
    const s = await (await backend.fresh()).open({ idempotencyRetentionMs: 1, idempotencyPruneIntervalMs: 50 });
    await s.createPlayer({ idempotencyKey: 'auto', name: 'A' });
    const deadline = Date.now() + 5000;
    while ((await s.stats()).idempotency.pruned === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect((await s.stats()).idempotency.pruned).toBe(1);
  });

  it('skips session-log entries whose key is already stored, so a retried batch adds no duplicates', async () => {
    const f = await backend.fresh();
    const s = await f.open();
    const batch = [
      { key: 's1-connect', sessionId: 1, playerId: 3, event: 'connect', at: 1000 },
      { key: 's1-disconnect', sessionId: 1, playerId: 3, event: 'disconnect', detail: 'bye', at: 2000 },
      { sessionId: 2, event: 'connect' },
    ];
    expect(await s.logSessions(batch)).toEqual({ accepted: 3 });
    expect(await s.logSessions(batch.slice(0, 2))).toEqual({ accepted: 2 });
    const raw = await f.raw();
    const rows = await raw.query('SELECT entry_key AS k, session_id AS s, player_id AS p, event AS e, detail AS d, at FROM session_log ORDER BY id');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({ k: 's1-connect', s: 1, p: 3, e: 'connect', d: null, at: 1000 });
    expect(rows[1]).toEqual({ k: 's1-disconnect', s: 1, p: 3, e: 'disconnect', d: 'bye', at: 2000 });
    expect(rows[2]).toMatchObject({ k: null, s: 2, p: null, e: 'connect' });
  });
});
