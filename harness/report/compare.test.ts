import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeRuns } from './baseline.ts';
import { compareMetric, compareSets, deltaPercent, worsePercent } from './compare.ts';
import { extractMetrics, type MetricValue } from './metric-set.ts';
import { makeResults } from './test-support.ts';
import type { ResultsV1 } from '../runner/results.ts';

const side = (r: ResultsV1, label = 'x') => describeRuns([{ path: `/tmp/${label}/results.json`, results: r }], label);
const metric = (over: Partial<MetricValue>): MetricValue => ({ key: 'k', label: 'k', unit: 'time', better: 'lower', gated: true, value: 100, ...over });

describe('deltaPercent', () => {
  it.each([
    [100, 120, 20],
    [100, 80, -20],
    [100, 100, 0],
    [0, 0, 0],
    [0, 5, Number.POSITIVE_INFINITY],
    [0, -5, Number.NEGATIVE_INFINITY],
    [-100, -50, 50],
  ])('(%s → %s) = %s %', (b, c, d) => {
    expect(deltaPercent(b, c)).toBe(d);
  });
});

describe('direction', () => {
  it.each([
    ['lower', 20, 20],
    ['lower', -20, -20],
    ['higher', 20, -20],
    ['higher', -20, 20],
  ] as const)('better=%s, delta %s% → worse by %s%', (better, delta, worse) => {
    expect(worsePercent(delta, better)).toBe(worse);
  });

  it.each([
    // better, baseline, current, tolerance, regressed, change
    ['lower', 100, 125, 20, true, 'worse'],
    ['lower', 100, 120, 20, false, 'worse'],
    ['lower', 100, 60, 20, false, 'better'],
    ['higher', 100, 70, 20, true, 'worse'],
    ['higher', 100, 130, 20, false, 'better'],
    ['higher', 100, 100, 0, false, 'same'],
    ['lower', 0, 1, 1000, true, 'worse'],
    ['lower', 100, 200, null, false, 'worse'],
  ] as const)('better=%s %s → %s, tolerance %s: regressed %s (%s)', (better, b, c, tol, regressed, change) => {
    const row = compareMetric(metric({ better, value: b }), metric({ better, value: c }), tol);
    expect(row.regressed).toBe(regressed);
    expect(row.change).toBe(change);
  });

  it('never gates a metric that is not gated, however much worse', () => {
    const row = compareMetric(metric({ gated: false, value: 1 }), metric({ gated: false, value: 1000 }), 10);
    expect(row).toMatchObject({ change: 'worse', regressed: false, deltaPercent: 99_900 });
  });

  it('marks a metric missing on one side as no data, never a regression', () => {
    expect(compareMetric(metric({ value: null }), metric({ value: 5 }), 0)).toMatchObject({ change: null, deltaPercent: null, regressed: false });
    expect(compareMetric(undefined, metric({ value: 5 }), 0)).toMatchObject({ baseline: null, change: null, regressed: false });
  });
});

describe('compareSets', () => {
  it('finds latency regressions (p50/p90/p99, not max) when every latency doubles', () => {
    const c = compareSets(side(makeResults()), side(makeResults({ latencyFactor: 2 })), 20);
    expect(c.regressions.map((r) => r.key).sort()).toEqual(['request:PingReq:p50', 'request:PingReq:p90', 'request:PingReq:p99']);
    const max = c.rows.find((r) => r.key === 'request:PingReq:max')!;
    expect(max).toMatchObject({ change: 'worse', regressed: false, gated: false });
  });

  it('treats higher rps as an improvement and lower rps beyond tolerance as a regression', () => {
    expect(compareSets(side(makeResults({ rps: 250 })), side(makeResults({ rps: 400 })), 10).regressions).toEqual([]);
    const worse = compareSets(side(makeResults({ rps: 250 })), side(makeResults({ rps: 200 })), 10);
    expect(worse.regressions.map((r) => r.key)).toEqual(['rps', 'request:PingReq:rps']);
    expect(worse.regressions[0]!.deltaPercent).toBeCloseTo(-20, 9);
  });

  it('flags errors appearing where there were none', () => {
    const c = compareSets(side(makeResults({ errorsRate: 0 })), side(makeResults({ errorsRate: 0.001 })), 50);
    expect(c.regressions.map((r) => r.key)).toEqual(['errors.rate']);
    expect(c.regressions[0]!.deltaPercent).toBe(Number.POSITIVE_INFINITY);
  });

  it('gates nothing without a tolerance, but still reports the direction', () => {
    const c = compareSets(side(makeResults()), side(makeResults({ latencyFactor: 3 })), null);
    expect(c.regressions).toEqual([]);
    expect(c.rows.find((r) => r.key === 'request:PingReq:p99')!.change).toBe('worse');
  });

  it('notes a different scenario and a different machine', () => {
    const b = makeResults({ name: 'a' });
    const cur = makeResults({ name: 'b' });
    cur.environment = { ...cur.environment, hostname: 'other-host', cores: 64 };
    const notes = compareSets(side(b), side(cur), 10).notes.join('\n');
    expect(notes).toMatch(/different scenarios: baseline 'a', current 'b'/);
    expect(notes).toMatch(/host differs: baseline unit-host, current other-host/);
    expect(notes).toMatch(/CPU differs/);
  });

  it('keeps baseline-only metrics at the end, as no data', () => {
    const cur = makeResults();
    cur.summary.overall.requests = cur.summary.overall.requests.filter((q) => q.name !== 'PingReq');
    const c = compareSets(side(makeResults()), side(cur), 10);
    const last = c.rows.slice(-5).map((r) => r.key);
    expect(last).toContain('request:PingReq:p99');
    expect(c.rows.find((r) => r.key === 'request:PingReq:p99')).toMatchObject({ current: null, change: null, regressed: false });
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects tolerance %s', (tol) => {
    expect(() => compareSets(side(makeResults()), side(makeResults()), tol)).toThrow(RangeError);
  });

  it('a run compared with itself changes nothing, for any figures', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e6, noNaN: true }), fc.double({ min: 0.1, max: 100, noNaN: true }), (rps, factor) => {
        const r = makeResults({ rps, latencyFactor: factor });
        const c = compareSets(side(r), side(r), 0);
        return c.regressions.length === 0 && c.rows.every((row) => row.deltaPercent === null || row.deltaPercent === 0);
      }),
      { numRuns: 15 },
    );
  });

  it('compares medians when a side has several runs', () => {
    const runs = [1, 1.1, 5].map((f, i) => ({ path: `/r${i}/results.json`, results: makeResults({ latencyFactor: f }) }));
    const c = compareSets(side(makeResults()), describeRuns(runs, 'set'), 50);
    // The 5× outlier does not move the median (1.1×): no regression at 50 %.
    expect(c.regressions).toEqual([]);
    expect(c.current.runs).toBe(3);
    const p50 = c.rows.find((r) => r.key === 'request:PingReq:p50')!;
    expect(p50.currentSpread).toMatchObject({ runs: 3 });
    expect(p50.current).toBe(extractMetrics(runs[1]!.results).find((m) => m.key === 'request:PingReq:p50')!.value);
  });
});
