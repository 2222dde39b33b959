import { describe, expect, it } from 'vitest';
import { extractMetrics, median, medianMetrics, type MetricValue } from './metric-set.ts';
import { makeResults } from './test-support.ts';

const byKey = (ms: readonly MetricValue[]): Record<string, MetricValue> => Object.fromEntries(ms.map((m) => [m.key, m]));

describe('extractMetrics', () => {
  const r = makeResults({ rps: 321 });
  const m = byKey(extractMetrics(r));

  it.each([
    ['rps', 'rate', 'higher', true],
    ['request:PingReq:rps', 'rate', 'higher', true],
    ['request:PingReq:p50', 'time', 'lower', true],
    ['request:PingReq:p90', 'time', 'lower', true],
    ['request:PingReq:p99', 'time', 'lower', true],
    ['request:PingReq:max', 'time', 'lower', false],
    ['errors.rate', 'ratio', 'lower', true],
    ['connections.failed', 'count', 'lower', true],
    ['connections.maxOpen', 'count', 'higher', true],
    ['connections.ratePerSec', 'rate', 'higher', false],
    ['connections.handshake.p99', 'time', 'lower', false],
    ['server.rss.max', 'bytes', 'lower', true],
    ['server.cpu.mean', 'percent', 'lower', false],
    ['harness.cpu.mean', 'percent', 'lower', false],
  ])('%s: unit %s, %s is better, gated %s', (key, unit, better, gated) => {
    expect(m[key]).toMatchObject({ unit, better, gated });
  });

  it('takes the values from the summary', () => {
    const ping = r.summary.overall.requests.find((q) => q.name === 'PingReq')!;
    expect(m['rps']!.value).toBe(321);
    expect(m['request:PingReq:p99']!.value).toBe(ping.latency.p99);
    expect(m['request:PingReq:max']!.value).toBe(ping.latency.max);
    expect(m['server.rss.max']!.value).toBe(100 * 1024 * 1024);
    expect(m['errors.rate']!.value).toBeCloseTo(2 / 1020, 12);
  });

  it('leaves out requests without responses or latency (fire-and-forget)', () => {
    expect(Object.keys(m).filter((k) => k.includes('Notice'))).toEqual([]);
  });

  it('has null for what was not measured', () => {
    const r2 = makeResults();
    r2.server = { monitored: [], rssBytes: null, cpuPercent: null };
    r2.summary.overall.errors.rate = null;
    const m2 = byKey(extractMetrics(r2));
    expect(m2['server.rss.max']!.value).toBeNull();
    expect(m2['server.cpu.mean']!.value).toBeNull();
    expect(m2['errors.rate']!.value).toBeNull();
  });
});

describe('median', () => {
  it.each([
    [[7], 7],
    [[1, 2], 1.5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1000], 10],
  ])('median(%j) = %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('rejects an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('medianMetrics', () => {
  const mk = (key: string, value: number | null): MetricValue => ({ key, label: key, unit: 'rate', better: 'higher', gated: true, value });

  it('takes each metric’s median and records its spread', () => {
    const out = byKey(medianMetrics([[mk('a', 100), mk('b', 1)], [mk('a', 110), mk('b', 3)], [mk('a', 90), mk('b', 2)]]));
    expect(out['a']).toMatchObject({ value: 100, spread: { runs: 3, min: 90, max: 110, rangePercent: 20 } });
    expect(out['b']).toMatchObject({ value: 2, spread: { runs: 3, min: 1, max: 3, rangePercent: 100 } });
  });

  it('uses the runs that have a value, and null when none has', () => {
    const out = byKey(medianMetrics([[mk('a', null), mk('b', null)], [mk('a', 4)], [mk('a', 8), mk('b', null)]]));
    expect(out['a']).toMatchObject({ value: 6, spread: { runs: 2, min: 4, max: 8 } });
    expect(out['b']!.value).toBeNull();
    expect(out['b']!.spread).toBeUndefined();
  });

  it('reports a zero median as range 0 when all agree, n/a (null) otherwise', () => {
    expect(byKey(medianMetrics([[mk('z', 0)], [mk('z', 0)]]))['z']!.spread!.rangePercent).toBe(0);
    expect(byKey(medianMetrics([[mk('z', 0)], [mk('z', 0)], [mk('z', 5)]]))['z']!.spread!.rangePercent).toBeNull();
  });

  it('over real runs: medians of rps and p99', () => {
    const runs = [1, 3, 2].map((f) => extractMetrics(makeResults({ latencyFactor: f, rps: 100 * f })));
    const out = byKey(medianMetrics(runs));
    expect(out['rps']!.value).toBe(200);
    expect(out['request:PingReq:p50']!.value).toBe(byKey(runs[2]!)['request:PingReq:p50']!.value);
  });

  it('needs at least one run', () => {
    expect(() => medianMetrics([])).toThrow(RangeError);
  });
});
