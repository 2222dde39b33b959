import { describe, expect, it } from 'vitest';
import { StorageMetrics } from './stats.ts';
import { OPERATION_NAMES, STATEMENT_KINDS } from './types.ts';

const gauges = { size: 3, inUse: 1, idle: 2, waiting: 4, maxWaiting: 10 };

describe('StorageMetrics', () => {
  it('starts at zero for every statement kind and operation', () => {
    const s = new StorageMetrics().snapshot('sqlite', 'up', gauges);
    expect(Object.keys(s.statements)).toEqual([...STATEMENT_KINDS]);
    expect(Object.keys(s.operations)).toEqual([...OPERATION_NAMES]);
    expect(s.statements.select).toEqual({ count: 0, errors: 0, rows: 0, latencyMicros: { count: 0, p50: 0, p99: 0, max: 0, mean: 0 } });
    expect(s.pool).toEqual({ ...gauges, acquireWaitMicros: { count: 0, p50: 0, p99: 0, max: 0, mean: 0 } });
  });

  it('records latencies in µs with p50 ≤ p99 ≤ max, counts rows and errors', () => {
    const m = new StorageMetrics();
    const now = performance.now();
    // Start times in the past give known durations: 1 ms ×98, 10 ms, 100 ms.
    for (let i = 0; i < 98; i++) m.statement('select', now - 1, 1, true);
    m.statement('select', now - 10, 0, true);
    m.statement('select', now - 100, 0, false);
    const s = m.snapshot('mariadb', 'up', gauges).statements.select;
    expect(s).toMatchObject({ count: 100, errors: 1, rows: 98 });
    expect(s.latencyMicros.p50).toBeGreaterThanOrEqual(1000);
    expect(s.latencyMicros.p50).toBeLessThan(2000);
    expect(s.latencyMicros.p99).toBeGreaterThanOrEqual(10_000);
    expect(s.latencyMicros.max).toBeGreaterThanOrEqual(100_000);
    expect(s.latencyMicros.max).toBeLessThan(1_000_000);
    expect(s.latencyMicros.p99).toBeLessThanOrEqual(s.latencyMicros.max);
  });

  it('reports the exact mean of what was recorded (a running sum, not the buckets), cleared by reset', () => {
    const m = new StorageMetrics();
    m.acquired(10);
    m.acquired(30);
    m.acquired(20_001);
    expect(m.snapshot('sqlite', 'up', gauges).pool.acquireWaitMicros.mean).toBe(6680);
    m.reset();
    m.acquired(7);
    expect(m.snapshot('sqlite', 'up', gauges).pool.acquireWaitMicros).toMatchObject({ count: 1, mean: 7 });
  });

  it('clamps impossible durations instead of throwing', () => {
    const m = new StorageMetrics();
    m.acquired(-5);
    m.acquired(1e12);
    expect(m.snapshot('sqlite', 'up', gauges).pool.acquireWaitMicros).toMatchObject({ count: 2, max: 60_000_000 });
  });

  it('counts errors by code and batches, and resets everything', () => {
    const m = new StorageMetrics();
    const t = performance.now();
    m.operation('transferGold', t, 0, 'NMT_DB_INSUFFICIENT_FUNDS');
    m.operation('transferGold', t, 0, 'NMT_DB_INSUFFICIENT_FUNDS');
    m.operation('transferGold', t, 2, null);
    m.batch(3);
    m.batch(7);
    m.commits = 2;
    const s = m.snapshot('sqlite', 'down', gauges);
    expect(s.state).toBe('down');
    expect(s.operations.transferGold).toMatchObject({ count: 3, errors: 2, rows: 2 });
    expect(s.errorsByCode).toEqual({ NMT_DB_INSUFFICIENT_FUNDS: 2 });
    expect(s.groupCommit).toEqual({ batches: 2, writes: 10, maxBatch: 7 });
    m.reset();
    const r = m.snapshot('sqlite', 'up', gauges);
    expect(r.operations.transferGold.count).toBe(0);
    expect(r.errorsByCode).toEqual({});
    expect(r.groupCommit).toEqual({ batches: 0, writes: 0, maxBatch: 0 });
    expect(r.transactions.commits).toBe(0);
  });
});
