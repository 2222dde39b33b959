import { describe, expect, it } from 'vitest';
import { describeRuns } from './baseline.ts';
import { compareSets } from './compare.ts';
import { buildCharts, buildReportData, buildTables, comparisonTable } from './report-data.ts';
import { LATENCIES, encodedOf, makeResults } from './test-support.ts';

describe('buildCharts', () => {
  const r = makeResults();
  const c = buildCharts(r);

  it('aligns every series with the seconds', () => {
    expect(c.seconds).toEqual([0, 1, 2, 3]);
    expect(c.throughput.responses).toEqual([250, 0, 250, 250]);
    expect(c.throughput.requests).toEqual([250, 250, 250, 250]);
    expect(c.connections.open).toEqual([10, 10, 10, 10]);
    expect(c.connections.established).toEqual([10, 0, 0, 0]);
  });

  it('gives latency per second in ms, with gaps where there was none', () => {
    expect(c.latencyMs.p50).toEqual([0.5, null, 0.5, 0.5]);
    expect(c.latencyMs.p99).toEqual([1, null, 1, 1]);
    expect(c.latencyMs.max).toEqual([50, null, 50, 50]);
  });

  it('marks phase starts in seconds', () => {
    expect(c.phases).toEqual([
      { name: 'warmup', second: 0 },
      { name: 'steady', second: 2 },
    ]);
  });

  it('leaves out phases that never started', () => {
    const r2 = makeResults();
    r2.phases[1]!.startMs = null;
    expect(buildCharts(r2).phases.map((p) => p.name)).toEqual(['warmup']);
  });

  it('splits errors by kind', () => {
    expect(c.errors).toEqual([{ kind: 'timeout', counts: [0, 0, 2, 0] }]);
  });

  it('gives server RSS in MiB and CPU, null where a second was not sampled', () => {
    expect(c.server!.rssMiB).toEqual([100, 100, null, 100]);
    expect(c.server!.cpuPercent).toEqual([20, 20, null, 20]);
  });

  it('is null for the server when nothing was monitored', () => {
    const r2 = makeResults();
    for (const p of r2.series) p.server = null;
    expect(buildCharts(r2).server).toBeNull();
  });

  it('highlights the seconds in which a worker broke the saturation rule', () => {
    expect(c.harness!.saturatedSeconds).toEqual([3]);
    expect(c.harness!.workers[0]!.cpuPercent).toEqual([40, 40, 40, 95]);
    expect(c.harness!.workers[0]!.loopP99Ms).toEqual([5, 5, 5, 60]);
    expect(c.harness).toMatchObject({ cpuLimitPercent: 90, lagLimitMs: 50 });
  });

  it('applies a custom saturation rule', () => {
    const strict = buildCharts(r, { cpuPercent: 30, loopP99Micros: 1_000_000, minSeconds: 1, minFraction: 0 });
    expect(strict.harness!.saturatedSeconds).toEqual([0, 1, 2, 3]);
  });

  it('recomputes corrected and uncorrected percentile curves per request from the histograms', () => {
    expect(c.curves.map((x) => x.request)).toEqual(['PingReq']);
    const { corrected, uncorrected } = c.curves[0]!;
    const sorted = [...LATENCIES].sort((a, b) => a - b);
    // x = 10 is the 90th percentile: the 900th smallest sample, within HDR precision (0.1 %).
    const at90 = corrected.find((p) => Math.abs(p.x - 10) < 1e-9)!;
    expect(at90.percentile).toBeCloseTo(90, 9);
    expect(Math.abs(at90.ms - sorted[899]! / 1000) / (sorted[899]! / 1000)).toBeLessThan(0.001);
    expect(corrected[corrected.length - 1]!.percentile).toBe(100);
    expect(corrected[corrected.length - 1]!.ms).toBeCloseTo(50, 1);
    // Uncorrected samples were 0.8× the corrected ones.
    const u90 = uncorrected.find((p) => Math.abs(p.x - 10) < 1e-9)!;
    expect(u90.ms / at90.ms).toBeCloseTo(0.8, 2);
  });
});

describe('buildTables', () => {
  it.each([
    ['passed', 'PASSED', 'pass'],
    ['thresholds-failed', 'THRESHOLDS FAILED', 'fail'],
    ['interrupted', 'INTERRUPTED', 'warn'],
    ['error', 'RUN ERROR', 'fail'],
  ] as const)('status %s → %s (%s)', (status, text, tone) => {
    expect(buildTables(makeResults({ status })).verdict).toMatchObject({ text, tone });
  });

  it('lists thresholds with measured and target, and counts the passed ones', () => {
    const t = buildTables(makeResults());
    expect(t.thresholds).toEqual([
      { ok: false, expr: 'errors.count == 0', measured: '2', target: '== 0', note: '' },
      { ok: true, expr: 'latency.p99 < 100ms', measured: '50ms', target: '< 100ms', note: '' },
    ]);
    expect(t.verdict.details).toContain('1 of 2 thresholds passed');
  });

  it('shows the run error or the early stop', () => {
    const r = makeResults({ status: 'error' });
    r.run.error = { code: 'NMT_RUN_WORKER_CRASHED', message: 'worker 0 died', stderrTail: null };
    expect(buildTables(r).verdict.details[0]).toBe('run error (NMT_RUN_WORKER_CRASHED): worker 0 died');
    const s = makeResults({ status: 'thresholds-failed' });
    s.run.stop = { reason: 'threshold', atMs: 1500, detail: 'errors.count == 0 failed' };
    expect(buildTables(s).verdict.details[0]).toBe('stopped early at 1.5 s (threshold): errors.count == 0 failed');
  });

  it('formats request latencies, corrected and uncorrected, and dashes for no samples', () => {
    const t = buildTables(makeResults());
    const ping = t.requests.find((q) => q.name === 'PingReq')!;
    expect(ping.corrected).toHaveLength(5);
    expect(ping.corrected[4]).toBe('50ms');
    expect(t.requests.find((q) => q.name === 'Notice')!.corrected).toEqual(['-', '-', '-', '-', '-']);
  });

  it('headlines the merged p99 of all requests, recomputed from the histograms', () => {
    const t = buildTables(makeResults());
    // 990 samples up to 1089 µs, then ten at 50 ms: p99 is the 990th sample.
    expect(t.headline.find((h) => h.key === 'latency p99')!.value).toBe('1.09ms');
    expect(t.headline.find((h) => h.key === 'responses/s')!.value).toBe('250/s');
  });

  it('merges every request’s histogram for the headline (exact HDR merge)', () => {
    const r = makeResults();
    r.histograms.overall.requests['Other'] = { latency: encodedOf(Array.from({ length: 1000 }, () => 10_000)).hdr, latencyUncorrected: null };
    // 990 samples ≤ 1089 µs, 1000 at 10 ms, 10 at 50 ms: the 1980th of 2000 is 10 ms.
    expect(buildTables(r).headline.find((h) => h.key === 'latency p99')!.value).toBe('10ms');
  });

  it('carries the environment and the scenario as run (YAML)', () => {
    const t = buildTables(makeResults({ name: 'env-check' }));
    expect(t.environment.find((e) => e.key === 'git revision')!.value).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(t.environment.find((e) => e.key === 'CPU')!.value).toBe('Test CPU × 2');
    expect(t.scenario.yaml).toMatch(/^name: env-check$/m);
  });

  it('has no comparison without a baseline, and a toned one with', () => {
    expect(buildTables(makeResults()).comparison).toBeNull();
    const side = (f: number) => describeRuns([{ path: '/x/results.json', results: makeResults({ latencyFactor: f }) }], `run ${f}`);
    const table = comparisonTable(compareSets(side(1), side(2), 20))!;
    expect(table.tone).toBe('fail');
    expect(table.gate).toMatch(/FAILED: 3 gated metric\(s\) worse by more than 20%/);
    const p99 = table.rows.find((r) => r.metric === 'PingReq p99')!;
    expect(p99).toMatchObject({ tone: 'fail', change: '+100%' });
    expect(comparisonTable(compareSets(side(1), side(1), 20))!.tone).toBe('pass');
    expect(comparisonTable(compareSets(side(1), side(2), null))!.tone).toBe('neutral');
  });
});

describe('buildReportData', () => {
  it('titles the report with the scenario and start time', () => {
    expect(buildReportData(makeResults({ name: 'abc' })).title).toBe('abc — 2026-01-01T12:00:00.000Z');
  });
});
