/**
 * results.json, schema version 1 (documented with an example in
 * docs/results.md). Built from the aggregator once the run is over; every
 * number here is also what the summary table prints and what thresholds saw.
 *
 *   ResultsV1
 *   ├─ scenario (as run), run (timing, status, workers, servers), environment
 *   ├─ phases[]             planned vs actual timing
 *   ├─ series[]             one point per second (SecondPoint)
 *   ├─ summary              overall + per phase: per request, connections, errors, iterations
 *   ├─ histograms           HDR-encoded, overall + per phase: recompute any percentile later
 *   ├─ server, harness      resource use, saturation findings
 *   ├─ thresholds, warnings, exitCode
 *   └─ calibration          (when the run calibrated) ours as fractions of the C reference
 */
import type { CalibrationReport } from '../calibrate/types.ts';
import type { Endpoint } from '../executors/types.ts';
import type { MetricsAggregator } from '../metrics/aggregator.ts';
import type { SecondPoint } from '../metrics/series.ts';
import {
  HISTOGRAM_HIGHEST_MICROS,
  HISTOGRAM_LOWEST_MICROS,
  HISTOGRAM_SIGNIFICANT_DIGITS,
  summarizeHistogram,
  type HistogramSummary,
} from '../metrics/histogram.ts';
import type { SaturationFinding } from '../metrics/saturation.ts';
import { encodeForResults, errorsByKind, type Totals } from '../metrics/totals.ts';
import type { Scenario, TargetConfig } from '../scenario/types.ts';
import type { ThresholdResult } from '../thresholds/types.ts';
import type { ServerProcessInfo } from './embedded-servers.ts';
import type { Environment } from './environment.ts';
import { ExitCode } from './exit-codes.ts';
import type { StopReason } from './ipc.ts';
import { phaseDurationMs } from './phase-plan.ts';
import type { WorkerCountDecision } from './worker-count.ts';

/** The schema version written by this code. */
export const RESULTS_SCHEMA_VERSION = 1;

/** How the run ended. */
export type RunStatus = 'passed' | 'thresholds-failed' | 'interrupted' | 'error';

/** Warning codes (docs/results.md). */
export const WarningCode = {
  HARNESS_SATURATED: 'NMT_WARN_HARNESS_SATURATED',
  SERVER_EXITED: 'NMT_WARN_SERVER_EXITED',
  SERVER_MONITOR: 'NMT_WARN_SERVER_MONITOR',
  WORKER: 'NMT_WARN_WORKER',
  METRICS: 'NMT_WARN_METRICS',
  CALIBRATION_SKIPPED: 'NMT_WARN_CALIBRATION_SKIPPED',
} as const;

/** A warning in results and output. Codes are listed in docs/results.md. */
export interface RunWarning {
  code: string;
  message: string;
}

export interface RequestSummary {
  name: string;
  sent: number;
  responses: number;
  /** Responses per second over the selection's measured time. */
  rps: number;
  bytesOut: number;
  bytesIn: number;
  errors: { count: number; byKind: Record<string, number> };
  /** Corrected latency (µs). */
  latency: HistogramSummary;
  /** Uncorrected latency (µs). */
  latencyUncorrected: HistogramSummary;
}

export interface TotalsSummary {
  /** Measured time: first delta start → last delta end, ms. */
  durationMs: number;
  requests: RequestSummary[];
  sent: number;
  responses: number;
  rps: number;
  bytesIn: number;
  bytesOut: number;
  errors: { count: number; rate: number | null; byKind: Record<string, number> };
  connections: {
    attempted: number;
    established: number;
    failed: number;
    closed: number;
    maxOpen: number | null;
    ratePerSec: number | null;
    connectTime: HistogramSummary;
    handshakeTime: HistogramSummary;
    /** TLS handshake time (transports tls, wss); absent in results written before it existed. */
    tlsTime?: HistogramSummary;
  };
  iterations: { completed: number; dropped: number; ratePerSec: number | null };
}

export interface HistogramSet {
  /** Per request name: HDR V2 compressed base64, null when empty. */
  requests: Record<string, { latency: string | null; latencyUncorrected: string | null }>;
  connectTime: string | null;
  handshakeTime: string | null;
  tlsTime?: string | null;
}

export interface PhaseResult {
  index: number;
  name: string;
  executor: string;
  plannedDurationMs: number;
  /** ms since the run start when the first worker started it; null if it never started. */
  startMs: number | null;
  /** ms since the run start of its last delta; null if it never ran. */
  endMs: number | null;
}

/** The whole file. */
export interface ResultsV1 {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: string; version: string };
  scenario: { name: string; description: string; source: string; asRun: Scenario };
  run: {
    startedAt: string;
    endedAt: string;
    durationMs: number;
    status: RunStatus;
    stop: { reason: StopReason; atMs: number; detail: string } | null;
    error: { code: string; message: string; stderrTail: string | null } | null;
    workers: WorkerCountDecision;
    target: TargetConfig | null;
    endpoints: Endpoint[];
    servers: ServerProcessInfo[];
  };
  environment: Environment;
  phases: PhaseResult[];
  series: SecondPoint[];
  summary: { overall: TotalsSummary; phases: (TotalsSummary & { phase: string })[] };
  histograms: {
    encoding: 'HdrHistogram V2 compressed base64';
    unit: 'us';
    lowestDiscernibleValue: number;
    highestTrackableValue: number;
    significantDigits: number;
    overall: HistogramSet;
    phases: (HistogramSet & { phase: string })[];
  };
  server: {
    monitored: string[];
    rssBytes: { max: number; mean: number; last: number } | null;
    cpuPercent: { max: number; mean: number } | null;
  };
  harness: {
    cpuPercent: { max: number; mean: number } | null;
    eventLoopLagMicros: { p99: number; max: number; mean: number } | null;
    saturated: SaturationFinding[];
  };
  thresholds: ThresholdResult[];
  warnings: RunWarning[];
  exitCode: number;
  /** Present when the run calibrated (`--calibrate` or `calibrate:`): see docs/results.md. */
  calibration?: CalibrationReport;
}

/** Everything {@link buildResults} needs besides the aggregator. */
export interface ResultsInput {
  tool: { name: string; version: string };
  scenario: Scenario;
  startedAt: Date;
  endedAt: Date;
  status: RunStatus;
  stop: ResultsV1['run']['stop'];
  error: ResultsV1['run']['error'];
  workers: WorkerCountDecision;
  endpoints: Endpoint[];
  servers: ServerProcessInfo[];
  serverMonitored: string[];
  environment: Environment;
  thresholds: ThresholdResult[];
  warnings: RunWarning[];
  exitCode: number;
}

function summarizeTotals(agg: MetricsAggregator, t: Totals, phase: string | undefined): TotalsSummary {
  const tags: Record<string, string> = phase === undefined ? {} : { phase };
  const q = (metric: string, stat: string, extra: Record<string, string> = {}): number | undefined =>
    agg.value({ metric, stat, tags: { ...tags, ...extra } });
  const requests = [...t.requests.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(
      (r): RequestSummary => ({
        name: r.name,
        sent: r.sent,
        responses: r.responses,
        rps: q('rps', 'mean', { packet: r.name }) ?? 0,
        bytesOut: r.bytesOut,
        bytesIn: r.bytesIn,
        errors: { count: r.errorCount, byKind: errorsByKind(r.errors) },
        latency: summarizeHistogram(r.latency),
        latencyUncorrected: summarizeHistogram(r.latencyUncorrected),
      }),
    );
  return {
    durationMs: Math.round(t.durationSeconds * 1000),
    requests,
    sent: t.sent,
    responses: t.responses,
    rps: q('rps', 'mean') ?? 0,
    bytesIn: t.bytesIn,
    bytesOut: t.bytesOut,
    errors: { count: t.errorCount, rate: q('errors', 'rate') ?? null, byKind: errorsByKind(t.errors) },
    connections: {
      attempted: t.attempted,
      established: t.established,
      failed: t.failed,
      closed: t.closed,
      maxOpen: q('connections', 'max') ?? null,
      ratePerSec: q('connections', 'rate') ?? null,
      connectTime: summarizeHistogram(t.connectTime),
      handshakeTime: summarizeHistogram(t.handshakeTime),
      tlsTime: summarizeHistogram(t.tlsTime),
    },
    iterations: { completed: t.iterations, dropped: t.dropped, ratePerSec: q('iterations', 'rate') ?? null },
  };
}

function histogramSet(t: Totals): HistogramSet {
  const requests: HistogramSet['requests'] = {};
  for (const r of [...t.requests.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    requests[r.name] = { latency: encodeForResults(r.latency).hdr, latencyUncorrected: encodeForResults(r.latencyUncorrected).hdr };
  }
  return { requests, connectTime: encodeForResults(t.connectTime).hdr, handshakeTime: encodeForResults(t.handshakeTime).hdr, tlsTime: encodeForResults(t.tlsTime).hdr };
}

/** Assembles results.json from the finished aggregator and the run's facts. */
export function buildResults(agg: MetricsAggregator, input: ResultsInput): ResultsV1 {
  const q = (metric: string, stat: string): number | undefined => agg.value({ metric, stat, tags: {} });
  const s = input.scenario;
  const rssMax = q('server.rss', 'max');
  const cpuMax = q('server.cpu', 'max');
  const hCpuMax = q('harness.cpu', 'max');
  const lagP99 = q('harness.eventLoopLag', 'p99');
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: input.tool,
    scenario: { name: s.name, description: s.description, source: s.source, asRun: s },
    run: {
      startedAt: input.startedAt.toISOString(),
      endedAt: input.endedAt.toISOString(),
      durationMs: input.endedAt.getTime() - input.startedAt.getTime(),
      status: input.status,
      stop: input.stop,
      error: input.error,
      workers: input.workers,
      target: s.target,
      endpoints: input.endpoints,
      servers: input.servers,
    },
    environment: input.environment,
    phases: s.phases.map((p, i) => {
      const t = agg.phases[i]!;
      return {
        index: i,
        name: p.name,
        executor: p.executor,
        plannedDurationMs: phaseDurationMs(p),
        startMs: agg.phaseStartMs[i] ?? null,
        endMs: Number.isFinite(t.lastMs) ? t.lastMs : null,
      };
    }),
    series: agg.seconds,
    summary: {
      overall: summarizeTotals(agg, agg.run, undefined),
      phases: s.phases.map((p, i) => ({ phase: p.name, ...summarizeTotals(agg, agg.phases[i]!, p.name) })),
    },
    histograms: {
      encoding: 'HdrHistogram V2 compressed base64',
      unit: 'us',
      lowestDiscernibleValue: HISTOGRAM_LOWEST_MICROS,
      highestTrackableValue: HISTOGRAM_HIGHEST_MICROS,
      significantDigits: HISTOGRAM_SIGNIFICANT_DIGITS,
      overall: histogramSet(agg.run),
      phases: s.phases.map((p, i) => ({ phase: p.name, ...histogramSet(agg.phases[i]!) })),
    },
    server: {
      monitored: input.serverMonitored,
      rssBytes: rssMax === undefined ? null : { max: rssMax, mean: q('server.rss', 'mean')!, last: q('server.rss', 'last')! },
      cpuPercent: cpuMax === undefined ? null : { max: cpuMax, mean: q('server.cpu', 'mean')! },
    },
    harness: {
      cpuPercent: hCpuMax === undefined ? null : { max: hCpuMax, mean: q('harness.cpu', 'mean')! },
      eventLoopLagMicros:
        lagP99 === undefined
          ? null
          : { p99: lagP99, max: q('harness.eventLoopLag', 'max')!, mean: q('harness.eventLoopLag', 'mean')! },
      saturated: agg.saturation(),
    },
    thresholds: input.thresholds,
    warnings: input.warnings,
    exitCode: input.exitCode,
  };
}

/** Exit codes by precedence (docs/running.md): 105 > 130 > 99 > 98 (regression gate, harness/report) > 0. */
const EXIT_PRECEDENCE: readonly number[] = [ExitCode.RunError, ExitCode.Interrupted, ExitCode.ThresholdsFailed, 98, ExitCode.Pass];

function worseExit(a: number, b: number): number {
  const rank = (c: number): number => {
    const i = EXIT_PRECEDENCE.indexOf(c);
    return i < 0 ? -1 : i;
  };
  return rank(a) <= rank(b) ? a : b;
}

/**
 * Puts a calibration report into results and folds its outcome into the
 * run's status and exit code (precedence 105 > 130 > 99 > 0):
 * - a comparison whose target failed, or could not be checked, fails like a threshold (99);
 * - calibration that could not be done (status `error`) is a run error (105, `run.error`);
 * - no C compiler (status `skipped`) is a warning (NMT_WARN_CALIBRATION_SKIPPED).
 */
export function attachCalibration(results: ResultsV1, report: CalibrationReport): void {
  results.calibration = report;
  let exit = results.exitCode;
  if (report.status === 'skipped') {
    results.warnings.push({ code: WarningCode.CALIBRATION_SKIPPED, message: report.message ?? 'calibration skipped' });
  }
  if (report.status === 'error') {
    results.run.error ??= { code: report.code ?? 'NMT_CAL_ERROR', message: report.message ?? 'calibration failed', stderrTail: null };
    exit = worseExit(exit, ExitCode.RunError);
  }
  if (report.status === 'interrupted') exit = worseExit(exit, ExitCode.Interrupted);
  if (report.comparisons.some((c) => c.ok === false)) exit = worseExit(exit, ExitCode.ThresholdsFailed);
  results.exitCode = exit;
  const status: Record<number, RunStatus> = {
    [ExitCode.RunError]: 'error',
    [ExitCode.Interrupted]: 'interrupted',
    [ExitCode.ThresholdsFailed]: 'thresholds-failed',
    [ExitCode.Pass]: 'passed',
  };
  results.run.status = status[exit] ?? results.run.status;
}
