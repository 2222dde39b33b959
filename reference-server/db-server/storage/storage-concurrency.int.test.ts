import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DbErrorCode, type DbError } from './errors.ts';
import { backends, cleanupFixtures } from './testing/backends.ts';
import type { Storage } from './types.ts';

afterAll(cleanupFixtures);

async function players(s: Storage, golds: readonly number[]): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, gold] of golds.entries()) ids.push((await s.createPlayer({ idempotencyKey: `p${i}`, name: `p${i}`, gold })).id);
  return ids;
}

describe.each(await backends())('$name storage: concurrency', (backend) => {
  it('keeps total gold through 400 concurrent transfers among 4 players, with no deadlock surfacing', async () => {
    const s = await (await backend.fresh()).open({ poolSize: 8 });
    const ids = await players(s, [1000, 1000, 1000, 1000]);
    // A deterministic mix of directions, so both lock orders (low→high and high→low) occur.
    const ops = Array.from({ length: 400 }, (_, i) => {
      const from = ids[i % 4] as number;
      const to = ids[(i * 7 + 1 + (i % 3)) % 4] as number;
      return { idempotencyKey: `t${i}`, fromId: from, toId: to === from ? (ids[(i + 1) % 4] as number) : to, amount: 1 + ((i * 13) % 50) };
    });
    const results = await Promise.allSettled(ops.map((op) => s.transferGold(op)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as DbError).code);
    // Only business refusals are acceptable; TIMEOUT (a deadlock given up on) or anything else is a bug.
    expect(failures.filter((c) => c !== DbErrorCode.INSUFFICIENT_FUNDS)).toEqual([]);
    expect(results.length - failures.length).toBeGreaterThan(300);
    expect(await s.totalGold()).toBe(4000);
    const balances = await Promise.all(ids.map(async (id) => (await s.getPlayer(id))?.gold ?? -1));
    for (const b of balances) expect(b).toBeGreaterThanOrEqual(0);
    // Each balance equals the start plus what the successful transfers moved.
    const expected = new Map(ids.map((id) => [id, 1000]));
    results.forEach((r, i) => {
      if (r.status !== 'fulfilled') return;
      const op = ops[i] as (typeof ops)[number];
      expected.set(op.fromId, (expected.get(op.fromId) as number) - op.amount);
      expected.set(op.toId, (expected.get(op.toId) as number) + op.amount);
    });
    expect(balances).toEqual(ids.map((id) => expected.get(id)));
    const stats = await s.stats();
    expect(stats.operations.transferGold.count).toBe(400);
  });

  it('preserves total gold for any interleaving of transfers (property)', async () => {
    const f = await backend.fresh();
    const s = await f.open();
    const ids = await players(s, [50, 50, 50]);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ from: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 1, max: 60 }) }), {
          minLength: 1,
          maxLength: 25,
        }),
        async (moves) => {
          run++;
          const valid = moves.filter((m) => m.from !== m.to);
          await Promise.allSettled(
            valid.map((m, i) => s.transferGold({ idempotencyKey: `r${run}-${i}`, fromId: ids[m.from] as number, toId: ids[m.to] as number, amount: m.amount })),
          );
          expect(await s.totalGold()).toBe(150);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('group-commits concurrent logSessions calls: fewer transactions than calls, every row present', async () => {
    const f = await backend.fresh();
    const s = await f.open();
    const before = (await s.stats()).transactions.commits;
    const calls = 60;
    const results = await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        s.logSessions([
          { key: `c${i}-in`, sessionId: i, playerId: null, event: 'connect' },
          { sessionId: i, event: 'disconnect', detail: `call ${i}` },
        ]),
      ),
    );
    expect(results.every((r) => r.accepted === 2)).toBe(true);
    const st = await s.stats();
    expect(st.transactions.commits - before).toBeLessThan(calls);
    expect(st.groupCommit.maxBatch).toBeGreaterThan(1);
    expect(st.sessionLog).toEqual({ calls, entries: 2 * calls });
    const raw = await f.raw();
    const [row] = await raw.query('SELECT COUNT(*) AS n, COUNT(DISTINCT session_id) AS sessions FROM session_log');
    expect(row).toEqual({ n: 2 * calls, sessions: calls });
  });

  it('group-commits concurrent player writes (SQLite) / runs them on the pool (MariaDB), all applied', async () => {
    const s = await (await backend.fresh()).open();
    const created = await Promise.all(Array.from({ length: 300 }, (_, i) => s.createPlayer({ idempotencyKey: `w${i}`, name: `w${i}`, gold: 1 })));
    expect(new Set(created.map((p) => p.id)).size).toBe(300);
    expect(await s.countPlayers()).toBe(300);
    const st = await s.stats();
    if (backend.name === 'sqlite') expect(st.transactions.commits).toBeLessThan(300);
  });

  it('refuses requests over maxQueue with OVERLOADED at once, and still serves the admitted ones', async () => {
    const s = await (await backend.fresh()).open({ maxQueue: 5, poolSize: 1 });
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => s.createPlayer({ idempotencyKey: `o${i}`, name: `o${i}` })));
    const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as DbError).code));
    expect(codes.filter((c) => c !== 'ok' && c !== DbErrorCode.OVERLOADED)).toEqual([]);
    expect(codes.filter((c) => c === DbErrorCode.OVERLOADED).length).toBeGreaterThan(0);
    const ok = codes.filter((c) => c === 'ok').length;
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(await s.countPlayers()).toBe(ok);
    expect((await s.stats()).errorsByCode[DbErrorCode.OVERLOADED]).toBe(40 - ok);
  });
});
