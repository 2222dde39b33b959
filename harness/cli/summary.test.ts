import { describe, expect, it } from 'vitest';
import { formatSummary } from './summary.ts';
import { MetricsAggregator } from '../metrics/aggregator.ts';
import { WorkerRecorder } from '../metrics/worker-recorder.ts';
import { ErrorKind } from '../metrics/recorder.ts';
import { decodeHistogram } from '../metrics/histogram.ts';
import { buildResults, RESULTS_SCHEMA_VERSION, type ResultsInput } from '../runner/results.ts';
import { evaluateThresholds } from '../thresholds/evaluate.ts';
import { parseScenario } from '../scenario/load.ts';

const scenario = parseScenario(
  `
name: summary-test
description: unit test
target: 127.0.0.1:7000
flow:
  - ping
  - send: { packet: PingReq, name: fire, values: { clientTime: 1, seq: 1 } }
phases:
  - { name: a, executor: constant-vus, vus: 2, duration: 2s }
  - { name: b, executor: constant-vus, vus: 2, duration: 1s }
thresholds:
  - latency.p99 < 1ms
  - errors.count == 0
`,
  '/tmp/summary-test.yaml',
);

function run() {
  const agg = new MetricsAggregator({ workers: 1, phaseNames: ['a', 'b'] });
  const w = new WorkerRecorder(0);
  const ping = w.requestIndex('PingReq');
  const fire = w.requestIndex('fire');
  for (let s = 0; s < 3; s++) {
    const phase = s < 2 ? 0 : 1;
    w.setPhase(phase);
    agg.phaseStarted(phase, s * 1000);
    if (s === 0) {
      w.connectAttempted();
      w.connectEstablished(300);
      w.sessionOpened(900);
    }
    for (let i = 1; i <= 100; i++) {
      w.requestSent(ping, 16);
      w.responseReceived(ping, i * 10 * (phase + 1), i * 10, 24);
    }
    w.requestSent(fire, 16);
    if (s === 2) w.error(ErrorKind.Timeout, ping);
    agg.addDelta(w.takeDelta(s * 1000, (s + 1) * 1000, s, true, { cpuPercent: 95, loopP99Micros: 100, loopMaxMicros: 200, loopMeanMicros: 50 }));
  }
  agg.addServerSample({ atMs: 1500, rssBytes: 64 * 1024 * 1024, cpuPercent: 40 });
  agg.finish();
  w.dispose();
  const thresholds = evaluateThresholds(scenario.thresholds, agg);
  const input: ResultsInput = {
    tool: { name: 'network-module-test', version: '0.1.0' },
    scenario,
    startedAt: new Date('2026-01-02T03:04:05Z'),
    endedAt: new Date('2026-01-02T03:04:09Z'),
    status: 'thresholds-failed',
    stop: null,
    error: null,
    workers: { workers: 1, source: 'auto', peakConnections: 2, reason: 'auto' },
    endpoints: [{ host: '127.0.0.1', port: 7000 }],
    servers: [],
    serverMonitored: ['http://127.0.0.1:9100/metrics'],
    environment: {
      node: 'v20',
      platform: 'linux',
      osRelease: 'x',
      arch: 'x64',
      cpuModel: 'cpu',
      cores: 2,
      totalMemoryBytes: 1,
      hostname: 'h',
      gitRevision: null,
      gitDirty: null,
    },
    thresholds,
    warnings: agg.saturation().map((f) => ({ code: 'NMT_WARN_HARNESS_SATURATED', message: f.message })),
    exitCode: 99,
  };
  return buildResults(agg, input);
}

describe('buildResults', () => {
  const r = run();

  it('summarises overall and per phase, with encoded histograms that match', () => {
    expect(r.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(r.run.durationMs).toBe(4000);
    const ping = r.summary.overall.requests.find((q) => q.name === 'PingReq')!;
    expect(ping).toMatchObject({ sent: 300, responses: 300, errors: { count: 1, byKind: { timeout: 1 } } });
    expect(ping.rps).toBeCloseTo(100, 6);
    expect(r.summary.overall.requests.find((q) => q.name === 'fire')).toMatchObject({ sent: 3, responses: 0 });
    expect(r.summary.phases.map((p) => [p.phase, p.sent])).toEqual([
      ['a', 202],
      ['b', 101],
    ]);
    expect(decodeHistogram(r.histograms.phases[1]!.requests.PingReq!.latency!).maxValue).toBe(2000);
    expect(r.histograms.overall.requests.fire!.latency).toBeNull();
    expect(r.phases.map((p) => [p.name, p.plannedDurationMs, p.startMs, p.endMs])).toEqual([
      ['a', 2000, 0, 2000],
      ['b', 1000, 2000, 3000],
    ]);
    expect(r.summary.overall.connections).toMatchObject({ established: 1, maxOpen: 1 });
    expect(r.server.rssBytes).toEqual({ max: 64 * 1024 * 1024, mean: 64 * 1024 * 1024, last: 64 * 1024 * 1024 });
    expect(r.harness.saturated).toHaveLength(1);
    expect(r.series).toHaveLength(3);
  });

  it('renders the summary table', () => {
    const text = formatSummary(r, '/tmp/out/results.json');
    expect(text).toMatch(/^scenario summary-test — unit test$/m);
    expect(text).toMatch(/^request\s+sent\s+responses\s+rps\s+p50\s+p90\s+p99\s+max$/m);
    expect(text).toMatch(/^PingReq\s+300\s+300\s+100\/s\s+.*corrected$/m);
    expect(text).toMatch(/^fire\s+3\s+0\s+0\/s\s+-\s+-\s+-\s+-\s+no latency samples$/m);
    expect(text).toMatch(/errors: 1 \(.*\) — timeout 1/);
    expect(text).toMatch(/server: RSS max 64MiB/);
    expect(text).toMatch(/! load generator worker 0 was saturated/);
    expect(text).toMatch(/✗\s+latency\.p99 < 1ms\s+measured 1\.9\dms/);
    expect(text).toMatch(/✗\s+errors\.count == 0\s+measured 1/);
    expect(text.trimEnd().split('\n').pop()).toBe('result: THRESHOLDS FAILED (exit 99) — /tmp/out/results.json');
  });
});
