import { describe, expect, it } from 'vitest';
import { DbError, DbErrorCode } from './errors.ts';
import { SessionLogBatcher, type WriteBatch } from './session-log-batcher.ts';
import { StorageMetrics } from './stats.ts';
import type { NormalizedLogEntry } from './validation.ts';

function entries(n: number, session: number): NormalizedLogEntry[] {
  return Array.from({ length: n }, (_, i) => ({ key: null, sessionId: session, playerId: null, event: `e${i}`, detail: null, at: 0 }));
}

/** A fake writer that records each batch and lets the test decide when it commits. */
function recorder(): { write: WriteBatch; batches: number[][]; commit: (err?: unknown) => void } {
  const batches: number[][] = [];
  const pending: ((err?: unknown) => void)[] = [];
  const write: WriteBatch = (batch) => {
    batches.push(batch.map((e) => e.sessionId));
    return new Promise((resolve, reject) => pending.push((err) => (err === undefined ? resolve(undefined) : reject(err))));
  };
  return { write, batches, commit: (err) => (pending.shift() as (err?: unknown) => void)(err) };
}

const limits = { maxBatchEntries: 5, maxPendingEntries: 12, requestTimeoutMs: 1000 };
/** Lets a commit's callbacks run and the next batch (scheduled with setImmediate) start. */
const tick = async (): Promise<void> => {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
};

describe('SessionLogBatcher', () => {
  it('writes calls made in one turn as one batch, and calls made meanwhile as the next', async () => {
    const r = recorder();
    const m = new StorageMetrics();
    const b = new SessionLogBatcher(r.write, limits, m);
    const now = performance.now();
    const first = [b.add(entries(2, 1), now), b.add(entries(2, 2), now)];
    await tick();
    expect(r.batches).toEqual([[1, 1, 2, 2]]);
    const later = [b.add(entries(1, 3), now), b.add(entries(1, 4), now)];
    await tick();
    expect(r.batches).toHaveLength(1); // one batch in flight at a time
    r.commit();
    expect(await Promise.all(first)).toEqual([2, 2]);
    await tick();
    expect(r.batches[1]).toEqual([3, 4]);
    r.commit();
    expect(await Promise.all(later)).toEqual([1, 1]);
    expect(m.batches).toBe(2);
    expect(m.logCalls).toBe(4);
    expect(m.logEntries).toBe(6);
  });

  it('splits batches at maxBatchEntries without splitting a call, and sends an oversized call alone', async () => {
    const r = recorder();
    const b = new SessionLogBatcher(r.write, limits, new StorageMetrics());
    const now = performance.now();
    const calls = [b.add(entries(3, 1), now), b.add(entries(3, 2), now), b.add(entries(6, 3), now)];
    await tick();
    r.commit();
    await tick();
    r.commit();
    await tick();
    r.commit();
    await Promise.all(calls);
    expect(r.batches.map((x) => x.length)).toEqual([3, 3, 6]);
  });

  it('refuses entries over maxPendingEntries with OVERLOADED at once', async () => {
    const r = recorder();
    const m = new StorageMetrics();
    const b = new SessionLogBatcher(r.write, limits, m);
    const ok = b.add(entries(10, 1), performance.now());
    await expect(b.add(entries(3, 2), performance.now())).rejects.toMatchObject({ code: DbErrorCode.OVERLOADED });
    expect(b.pendingEntries).toBe(10);
    await tick();
    r.commit();
    await ok;
    expect(m.snapshot('mariadb', 'up', { size: 1, inUse: 0, idle: 1, waiting: 0, maxWaiting: 1 }).errorsByCode).toEqual({ [DbErrorCode.OVERLOADED]: 1 });
  });

  it('fails every call of a failed batch with its error, then carries on', async () => {
    const r = recorder();
    const b = new SessionLogBatcher(r.write, limits, new StorageMetrics());
    const now = performance.now();
    const failing = [b.add(entries(1, 1), now), b.add(entries(1, 2), now)];
    await tick();
    const boom = new DbError(DbErrorCode.UNAVAILABLE, 'gone');
    r.commit(boom);
    for (const p of failing) await expect(p).rejects.toBe(boom);
    const next = b.add(entries(1, 3), now);
    await tick();
    r.commit();
    expect(await next).toBe(1);
  });

  it('drops calls already past their deadline with TIMEOUT before writing', async () => {
    const r = recorder();
    const b = new SessionLogBatcher(r.write, limits, new StorageMetrics());
    const stale = b.add(entries(1, 1), performance.now() - 5000);
    const fresh = b.add(entries(1, 2), performance.now());
    await expect(stale).rejects.toMatchObject({ code: DbErrorCode.TIMEOUT });
    await tick();
    expect(r.batches).toEqual([[2]]);
    r.commit();
    expect(await fresh).toBe(1);
  });

  it('drain resolves once everything queued is written', async () => {
    const r = recorder();
    const b = new SessionLogBatcher(r.write, limits, new StorageMetrics());
    await b.drain();
    const p = b.add(entries(1, 1), performance.now());
    let drained = false;
    const d = b.drain().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    r.commit();
    await p;
    await d;
    expect(drained).toBe(true);
  });
});
