import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MetricsAggregator } from './aggregator.ts';
import { WorkerRecorder } from './worker-recorder.ts';
import { ErrorKind } from './recorder.ts';
import { createMergeHistogram, encodeHistogram, recordMicros } from './histogram.ts';
import { MetricsErrorCode } from './errors.ts';
import type { SecondPoint } from './series.ts';
import type { MetricsDelta } from './delta.ts';

const PERCENTILES = [0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

describe('merge exactness', () => {
  it('samples split across 3 workers merge to exactly the histogram of all samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 70_000_000 })), {
          minLength: 1,
          maxLength: 400,
        }),
        (samples) => {
          const workers = [0, 1, 2].map((w) => new WorkerRecorder(w));
          const req = workers.map((w) => w.requestIndex('PingReq'));
          const all = createMergeHistogram();
          for (const [w, v] of samples) {
            workers[w]!.responseReceived(req[w]!, v, v, 24);
            recordMicros(all, v);
          }
          const agg = new MetricsAggregator({ workers: 3, phaseNames: ['p'] });
          for (const w of workers) agg.addDelta(w.takeDelta(0, 1000, 0, true, null));
          agg.finish();
          const merged = agg.run.requests.get('PingReq')!.latency;
          expect(merged.totalCount).toBe(samples.length);
          // Same counts in every bucket ⇔ same HDR encoding.
          expect(encodeHistogram(merged)).toBe(encodeHistogram(all));
          for (const p of PERCENTILES) expect(merged.getValueAtPercentile(p)).toBe(all.getValueAtPercentile(p));
          for (const w of workers) w.dispose();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('merges deltas taken at different times from the same worker', () => {
    const w = new WorkerRecorder(0);
    const r = w.requestIndex('PingReq');
    const all = createMergeHistogram();
    const agg = new MetricsAggregator({ workers: 1, phaseNames: ['p'] });
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < 100; i++) {
        const v = s * 1000 + i * 7;
        w.responseReceived(r, v, v, 1);
        recordMicros(all, v);
      }
      agg.addDelta(w.takeDelta(s * 1000, s * 1000 + 1000, s, true, null));
    }
    agg.finish();
    expect(encodeHistogram(agg.run.requests.get('PingReq')!.latency)).toBe(encodeHistogram(all));
    w.dispose();
  });
});

/** A scripted 2-worker run: 3 seconds of phase 0 then 2 of phase 1. */
function scriptedRun(): { agg: MetricsAggregator; points: SecondPoint[] } {
  const agg = new MetricsAggregator({ workers: 2, phaseNames: ['warmup', 'steady'] });
  const points: SecondPoint[] = [];
  agg.on('second', (p) => points.push(p));
  const ws = [new WorkerRecorder(0), new WorkerRecorder(1)];
  // The coordinator samples servers in real time, before the seconds close.
  agg.addServerSample({ atMs: 1500, rssBytes: 100, cpuPercent: 10 });
  agg.addServerSample({ atMs: 2500, rssBytes: 300, cpuPercent: 30 });
  for (let s = 0; s < 5; s++) {
    const phase = s < 3 ? 0 : 1;
    for (const [wi, w] of ws.entries()) {
      w.setPhase(phase);
      const ping = w.requestIndex('PingReq');
      const n = (s + 1) * 10 * (wi + 1); // worker 1 does twice the work
      for (let i = 0; i < n; i++) {
        w.requestSent(ping, 16);
        w.responseReceived(ping, 1000 * (phase + 1), 500, 24);
      }
      if (s === 0) {
        for (let i = 0; i < 4; i++) {
          w.connectAttempted();
          w.connectEstablished(100);
          w.sessionOpened(200);
        }
      }
      if (s === 4 && wi === 1) w.error(ErrorKind.Timeout, ping);
      w.iterationCompleted();
      agg.addDelta(
        w.takeDelta(s * 1000, (s + 1) * 1000, s, true, {
          cpuPercent: 50 + wi,
          loopP99Micros: 1000,
          loopMaxMicros: 2000,
          loopMeanMicros: 500,
        }),
      );
    }
  }
  agg.finish();
  for (const w of ws) w.dispose();
  return { agg, points };
}

describe('per-second series', () => {
  it('sums workers per second and closes seconds in order', () => {
    const { points } = scriptedRun();
    expect(points.map((p) => p.second)).toEqual([0, 1, 2, 3, 4]);
    // second s: worker 0 sends (s+1)*10, worker 1 twice that.
    expect(points.map((p) => p.responses)).toEqual([30, 60, 90, 120, 150]);
    expect(points.map((p) => p.phase)).toEqual([0, 0, 0, 1, 1]);
    expect(points[0]!.connections).toMatchObject({ open: 8, maxOpen: 8, established: 8, attempted: 8 });
    expect(points[4]!.errors).toEqual({ timeout: 1 });
    expect(points[3]!.latency).toMatchObject({ count: 120, p50: 2000, max: 2000 });
    expect(points[1]!.server).toEqual({ rssBytes: 100, cpuPercent: 10 });
    expect(points[0]!.server).toBeNull();
    expect(points[0]!.harness.map((h) => h.worker)).toEqual([0, 1]);
  });

  it('waits for every worker before closing a second', () => {
    const agg = new MetricsAggregator({ workers: 2, phaseNames: ['p'] });
    const seen: number[] = [];
    agg.on('second', (p) => seen.push(p.second));
    const a = new WorkerRecorder(0);
    const b = new WorkerRecorder(1);
    agg.addDelta(a.takeDelta(0, 1000, 0, true, null));
    agg.addDelta(a.takeDelta(1000, 2000, 1, true, null));
    expect(seen).toEqual([]);
    agg.addDelta(b.takeDelta(0, 400, 0, false, null)); // phase-boundary delta: second 0 not ended yet
    expect(seen).toEqual([]);
    agg.addDelta(b.takeDelta(400, 1000, 0, true, null));
    expect(seen).toEqual([0]);
    agg.workerGone(1);
    expect(seen).toEqual([0, 1]);
    a.dispose();
    b.dispose();
  });

  it('counts a late delta for a closed second in the next open one', () => {
    const agg = new MetricsAggregator({ workers: 1, phaseNames: ['p'] });
    const w = new WorkerRecorder(0);
    const r = w.requestIndex('x');
    agg.addDelta(w.takeDelta(0, 1000, 0, true, null));
    w.requestSent(r, 1);
    agg.addDelta(w.takeDelta(900, 1000, 0, false, null));
    agg.finish();
    expect(agg.seconds.map((p) => [p.second, p.requests])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    w.dispose();
  });
});

describe('MetricSource queries', () => {
  const { agg } = scriptedRun();
  const q = (metric: string, stat: string, tags: Record<string, string> = {}) => agg.value({ metric, stat, tags });

  it.each([
    ['requests', 'count', {}, 450],
    ['responses', 'count', {}, 450],
    ['responses', 'rate', {}, 90],
    ['requests', 'count', { phase: 'warmup' }, 180],
    ['requests', 'count', { phase: 'steady' }, 270],
    ['requests', 'rate', { phase: 'steady' }, 135],
    ['requests', 'count', { packet: 'PingReq' }, 450],
    ['requests', 'count', { packet: 'Nope' }, 0],
    ['rps', 'mean', {}, 90],
    ['rps', 'max', {}, 120], // first and last (partial) seconds are trimmed
    ['rps', 'min', {}, 60],
    ['rps', 'p50', {}, 90],
    ['rps', 'max', { phase: 'warmup' }, 60],
    ['rps', 'mean', { phase: 'steady' }, 135],
    ['latency', 'p25', {}, 1000], // 180 samples at 1 ms (warmup), 270 at 2 ms (steady)
    ['latency', 'p50', {}, 2000],
    ['latency', 'max', {}, 2000],
    ['latency', 'p99', { phase: 'steady' }, 2000],
    ['latency', 'p99', { phase: 'warmup', packet: 'PingReq' }, 1000],
    ['latency', 'count', {}, 450],
    ['latency.uncorrected', 'max', {}, 500],
    ['connect.time', 'p50', {}, 100],
    ['handshake.time', 'max', { phase: 'warmup' }, 200],
    ['errors', 'count', {}, 1],
    ['errors', 'count', { kind: 'timeout' }, 1],
    ['errors', 'count', { kind: 'refused' }, 0],
    ['errors', 'count', { phase: 'warmup' }, 0],
    ['errors', 'rate', {}, 1 / (450 + 8)],
    ['errors', 'rate', { packet: 'PingReq' }, 1 / 450],
    ['connections', 'max', {}, 8],
    ['connections', 'max', { phase: 'steady' }, 8],
    ['connections', 'established', {}, 8],
    ['connections', 'attempted', {}, 8],
    ['connections', 'rate', { phase: 'warmup' }, 8 / 3],
    ['iterations', 'count', {}, 10],
    ['iterations', 'rate', {}, 2],
    ['iterations', 'dropped', {}, 0],
    ['bytes.out', 'count', {}, 450 * 16],
    ['bytes.in', 'rate', {}, (450 * 24) / 5],
    ['server.rss', 'max', {}, 300],
    ['server.rss', 'mean', {}, 200],
    ['server.rss', 'last', {}, 300],
    ['server.cpu', 'max', {}, 30],
    ['harness.cpu', 'max', {}, 51],
    ['harness.cpu', 'mean', {}, 50.5],
    ['harness.eventLoopLag', 'p99', {}, 1000],
    ['harness.eventLoopLag', 'max', {}, 2000],
  ])('%s%j.%s = %d', (metric, stat, tags, expected) => {
    expect(q(metric, stat, tags)).toBeCloseTo(expected, 6);
  });

  it.each([
    ['latency', 'p99', { phase: 'nope' }],
    ['latency', 'p99', { packet: 'Nope' }],
    ['errors', 'count', { kind: 'nope' }],
    ['latency', 'bogus', {}],
    ['unknown.metric', 'count', {}],
  ])('%s%j.%s has no data', (metric, stat, tags) => {
    expect(q(metric, stat, tags)).toBeUndefined();
  });

  it('server metrics have no data when no server was sampled', () => {
    const empty = new MetricsAggregator({ workers: 1, phaseNames: ['p'] });
    expect(empty.value({ metric: 'server.rss', stat: 'max', tags: {} })).toBeUndefined();
    expect(empty.value({ metric: 'rps', stat: 'mean', tags: {} })).toBeUndefined();
  });
});

describe('validation', () => {
  it.each<[string, (d: MetricsDelta) => unknown]>([
    ['a wrong version', (d) => ({ ...d, v: 2 })],
    ['a missing counter', (d) => ({ ...d, bytesIn: 'x' })],
    ['short errors', (d) => ({ ...d, errors: [1] })],
    ['a bad request', (d) => ({ ...d, requests: [{ name: 5 }] })],
    ['a corrupt histogram', (d) => ({ ...d, connectTime: 'garbage' })],
    ['an unknown phase', (d) => ({ ...d, phase: 7 })],
    ['a non-object', () => 'hello'],
  ])('rejects %s with a MetricsError and changes nothing', (_what, mutate) => {
    const agg = new MetricsAggregator({ workers: 1, phaseNames: ['p'] });
    const w = new WorkerRecorder(0);
    w.requestSent(w.requestIndex('x'), 5);
    const d = w.takeDelta(0, 1000, 0, true, null);
    expect(() => agg.addDelta(mutate(d))).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^NMT_METRICS_(DELTA|HISTOGRAM)_INVALID$/) }),
    );
    expect(agg.run.sent).toBe(0);
    expect(MetricsErrorCode.DELTA_INVALID).toBe('NMT_METRICS_DELTA_INVALID');
    w.dispose();
  });
});

describe('phase events', () => {
  it('announces each phase once', () => {
    const agg = new MetricsAggregator({ workers: 2, phaseNames: ['a', 'b'] });
    const events: string[] = [];
    agg.on('phase', (e) => events.push(`${e.index}:${e.name}@${e.atMs}`));
    agg.phaseStarted(0, 0);
    agg.phaseStarted(0, 5);
    agg.phaseStarted(1, 1000);
    agg.phaseStarted(9, 1000);
    expect(events).toEqual(['0:a@0', '1:b@1000']);
  });
});
