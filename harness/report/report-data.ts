/**
 * Everything report.html shows, built from a results.json apart from any
 * HTML (so it is unit-tested on its own): chart series, phase marks,
 * percentile curves recomputed from the encoded histograms, saturated
 * seconds, and the tables as formatted text.
 *
 *   ResultsV1 ──▶ ReportData
 *                 ├─ charts   (JSON, drawn by client/report-charts.js)
 *                 │   seconds[], phases[], throughput, latencyMs, connections,
 *                 │   errors[kind], server, harness (+ saturated seconds), curves[request]
 *                 └─ tables   (strings; the HTML layer only escapes and lays out)
 */
import { stringify } from 'yaml';
import { isSaturated, DEFAULT_SATURATION_RULE, type SaturationRule } from '../metrics/saturation.ts';
import type { HistogramSummary } from '../metrics/histogram.ts';
import type { ResultsV1 } from '../runner/results.ts';
import { formatValue } from '../thresholds/format.ts';
import type { Comparison } from './compare.ts';
import { formatDelta, formatMetric, rowVerdict } from './format-comparison.ts';
import { overallLatency } from './overall-latency.ts';
import { curveFromEncoded, type CurveOptions } from './percentile-curve.ts';

/** A phase boundary on the time axis. */
export interface PhaseMark {
  name: string;
  /** Seconds since the run start (fractional). */
  second: number;
}

/** A percentile-curve point in chart units. */
export interface CurvePointMs {
  x: number;
  percentile: number;
  ms: number;
}

/** Chart series; every array is aligned with `seconds`. */
export interface ReportCharts {
  seconds: number[];
  phases: PhaseMark[];
  throughput: { responses: number[]; requests: number[] };
  latencyMs: { p50: (number | null)[]; p90: (number | null)[]; p99: (number | null)[]; max: (number | null)[] };
  connections: { open: number[]; established: number[]; failed: number[]; closed: number[] };
  /** One series per error kind seen (empty when there were no errors). */
  errors: { kind: string; counts: number[] }[];
  /** Null when the server was not monitored. */
  server: { rssMiB: (number | null)[]; cpuPercent: (number | null)[] } | null;
  /** Null when no worker reported self-monitoring samples. */
  harness: {
    workers: { worker: number; cpuPercent: (number | null)[]; loopP99Ms: (number | null)[] }[];
    /** Seconds in which at least one worker broke the saturation rule. */
    saturatedSeconds: number[];
    cpuLimitPercent: number;
    lagLimitMs: number;
  } | null;
  /** Per request with latency samples: corrected and uncorrected curves. */
  curves: { request: string; corrected: CurvePointMs[]; uncorrected: CurvePointMs[] }[];
}

/** A label and a formatted value. */
export interface KeyValue {
  key: string;
  value: string;
}

/** Tone of a verdict or a row: drives colour only. */
export type Tone = 'pass' | 'fail' | 'warn' | 'neutral';

/** Tables as text. */
export interface ReportTables {
  verdict: { text: string; tone: Tone; exitCode: number; details: string[] };
  headline: KeyValue[];
  thresholds: { ok: boolean; expr: string; measured: string; target: string; note: string }[];
  requests: { name: string; sent: string; responses: string; rps: string; errors: string; corrected: string[]; uncorrected: string[] }[];
  connections: KeyValue[];
  errorsByKind: KeyValue[];
  resources: KeyValue[];
  phases: { name: string; executor: string; planned: string; start: string; end: string }[];
  warnings: { code: string; message: string; saturation: boolean }[];
  run: KeyValue[];
  environment: KeyValue[];
  scenario: { name: string; description: string; source: string; yaml: string };
  comparison: {
    baseline: string;
    current: string;
    notes: string[];
    gate: string;
    tone: Tone;
    rows: { metric: string; baseline: string; current: string; change: string; verdict: string; tone: Tone }[];
  } | null;
}

/** The whole report. */
export interface ReportData {
  title: string;
  tables: ReportTables;
  charts: ReportCharts;
}

/** Column order of the latency cells in `tables.requests`. */
export const LATENCY_COLUMNS = ['p50', 'p90', 'p99', 'p99.9', 'max'] as const;

const STATUS_TEXT: Record<string, string> = {
  passed: 'PASSED',
  'thresholds-failed': 'THRESHOLDS FAILED',
  interrupted: 'INTERRUPTED',
  error: 'RUN ERROR',
};

const ms = (micros: number): number => micros / 1000;
const t = (micros: number): string => formatValue(micros, 'time');
const MIB = 1024 * 1024;

function latencyCells(h: HistogramSummary): string[] {
  return h.count === 0 ? LATENCY_COLUMNS.map(() => '-') : LATENCY_COLUMNS.map((c) => t(c === 'max' ? h.max : h[c]));
}

/** Chart series from the per-second points, phases and histograms. */
export function buildCharts(r: ResultsV1, rule: SaturationRule = DEFAULT_SATURATION_RULE, curve: CurveOptions = {}): ReportCharts {
  const s = r.series;
  const workerIds = [...new Set(s.flatMap((p) => p.harness.map((h) => h.worker)))].sort((a, b) => a - b);
  const kinds = [...new Set(s.flatMap((p) => Object.keys(p.errors)))].sort();
  const monitored = s.some((p) => p.server !== null);
  return {
    seconds: s.map((p) => p.second),
    phases: r.phases.filter((p) => p.startMs !== null).map((p) => ({ name: p.name, second: p.startMs! / 1000 })),
    throughput: { responses: s.map((p) => p.responses), requests: s.map((p) => p.requests) },
    latencyMs: {
      p50: s.map((p) => (p.latency === null ? null : ms(p.latency.p50))),
      p90: s.map((p) => (p.latency === null ? null : ms(p.latency.p90))),
      p99: s.map((p) => (p.latency === null ? null : ms(p.latency.p99))),
      max: s.map((p) => (p.latency === null ? null : ms(p.latency.max))),
    },
    connections: {
      open: s.map((p) => p.connections.open),
      established: s.map((p) => p.connections.established),
      failed: s.map((p) => p.connections.failed),
      closed: s.map((p) => p.connections.closed),
    },
    errors: kinds.map((kind) => ({ kind, counts: s.map((p) => p.errors[kind] ?? 0) })),
    server: monitored
      ? { rssMiB: s.map((p) => (p.server === null ? null : p.server.rssBytes / MIB)), cpuPercent: s.map((p) => p.server?.cpuPercent ?? null) }
      : null,
    harness:
      workerIds.length === 0
        ? null
        : {
            workers: workerIds.map((w) => ({
              worker: w,
              cpuPercent: s.map((p) => p.harness.find((h) => h.worker === w)?.cpuPercent ?? null),
              loopP99Ms: s.map((p) => {
                const h = p.harness.find((x) => x.worker === w);
                return h === undefined ? null : ms(h.loopP99Micros);
              }),
            })),
            saturatedSeconds: s
              .filter((p) => p.harness.some((h) => isSaturated({ cpuPercent: h.cpuPercent, loopP99Micros: h.loopP99Micros, loopMaxMicros: h.loopMaxMicros, loopMeanMicros: 0 }, rule)))
              .map((p) => p.second),
            cpuLimitPercent: rule.cpuPercent,
            lagLimitMs: ms(rule.loopP99Micros),
          },
    curves: Object.keys(r.histograms.overall.requests)
      .sort()
      .map((request) => {
        const enc = r.histograms.overall.requests[request]!;
        const toMs = (pts: ReturnType<typeof curveFromEncoded>): CurvePointMs[] => pts.map((p) => ({ x: p.x, percentile: p.percentile, ms: ms(p.micros) }));
        return { request, corrected: toMs(curveFromEncoded(enc.latency, curve)), uncorrected: toMs(curveFromEncoded(enc.latencyUncorrected, curve)) };
      })
      .filter((c) => c.corrected.length > 0 || c.uncorrected.length > 0),
  };
}

function verdictOf(r: ResultsV1): ReportTables['verdict'] {
  const tone: Tone = r.run.status === 'passed' ? 'pass' : r.run.status === 'interrupted' ? 'warn' : 'fail';
  const details: string[] = [];
  if (r.run.error !== null) details.push(`run error (${r.run.error.code}): ${r.run.error.message}`);
  else if (r.run.stop !== null) details.push(`stopped early at ${(r.run.stop.atMs / 1000).toFixed(1)} s (${r.run.stop.reason}): ${r.run.stop.detail}`);
  const failed = r.thresholds.filter((x) => !x.ok).length;
  details.push(r.thresholds.length === 0 ? 'no thresholds' : `${r.thresholds.length - failed} of ${r.thresholds.length} thresholds passed`);
  return { text: STATUS_TEXT[r.run.status] ?? r.run.status, tone, exitCode: r.exitCode, details };
}

/** The comparison table as text (null without a comparison). */
export function comparisonTable(c: Comparison | null): ReportTables['comparison'] {
  if (c === null) return null;
  const side = (s: Comparison['baseline']): string =>
    `${s.label} — ${s.scenario}, ${s.startedAt}${s.gitRevision === null ? '' : `, rev ${s.gitRevision.slice(0, 10)}`}`;
  const gate =
    c.tolerancePercent === null
      ? 'no regression gate (deltas only)'
      : c.regressions.length === 0
        ? `regression gate passed: no gated metric worse by more than ${c.tolerancePercent}%`
        : `regression gate FAILED: ${c.regressions.length} gated metric(s) worse by more than ${c.tolerancePercent}%`;
  return {
    baseline: side(c.baseline),
    current: side(c.current),
    notes: c.notes,
    gate,
    tone: c.tolerancePercent === null ? 'neutral' : c.regressions.length === 0 ? 'pass' : 'fail',
    rows: c.rows.map((row) => ({
      metric: row.label,
      baseline: formatMetric(row.baseline, row.unit),
      current: formatMetric(row.current, row.unit),
      change: formatDelta(row.deltaPercent),
      verdict: rowVerdict(row, c.tolerancePercent),
      tone: row.regressed ? 'fail' : row.change === 'better' && row.gated ? 'pass' : 'neutral',
    })),
  };
}

/** Tables of a run. */
export function buildTables(r: ResultsV1, comparison: Comparison | null = null): ReportTables {
  const o = r.summary.overall;
  const all = overallLatency(r.histograms.overall);
  const c = o.connections;
  const saturatedWorkers = new Set(r.harness.saturated.map((x) => x.worker));
  const rate = (v: number | null): string => (v === null ? '-' : formatValue(v, 'rate'));
  return {
    verdict: verdictOf(r),
    headline: [
      { key: 'responses/s', value: formatValue(o.rps, 'rate') },
      { key: 'latency p50', value: all === null ? '-' : t(all.p50) },
      { key: 'latency p99', value: all === null ? '-' : t(all.p99) },
      { key: 'errors', value: `${o.errors.count}${o.errors.rate === null ? '' : ` (${formatValue(o.errors.rate, 'ratio')})`}` },
      { key: 'max open connections', value: c.maxOpen === null ? '-' : String(c.maxOpen) },
      { key: 'measured time', value: formatValue(o.durationMs * 1000, 'time') },
    ],
    thresholds: r.thresholds.map((x) => ({
      ok: x.ok,
      expr: x.expr,
      measured: x.measuredText,
      target: `${x.op} ${x.targetText}`,
      note: [x.reason ?? '', x.abortOnFail ? 'abortOnFail' : ''].filter((n) => n !== '').join('; '),
    })),
    requests: o.requests.map((q) => ({
      name: q.name,
      sent: String(q.sent),
      responses: String(q.responses),
      rps: formatValue(q.rps, 'rate'),
      errors: String(q.errors.count),
      corrected: latencyCells(q.latency),
      uncorrected: latencyCells(q.latencyUncorrected),
    })),
    connections: [
      { key: 'attempted', value: String(c.attempted) },
      { key: 'established', value: String(c.established) },
      { key: 'failed', value: String(c.failed) },
      { key: 'closed', value: String(c.closed) },
      { key: 'max open', value: c.maxOpen === null ? '-' : String(c.maxOpen) },
      { key: 'established per second', value: rate(c.ratePerSec) },
      { key: 'connect time p50 / p99 / max', value: c.connectTime.count === 0 ? '-' : `${t(c.connectTime.p50)} / ${t(c.connectTime.p99)} / ${t(c.connectTime.max)}` },
      ...(c.tlsTime !== undefined && c.tlsTime.count > 0
        ? [{ key: 'TLS handshake p50 / p99 / max', value: `${t(c.tlsTime.p50)} / ${t(c.tlsTime.p99)} / ${t(c.tlsTime.max)}` }]
        : []),
      { key: 'handshake time p50 / p99 / max', value: c.handshakeTime.count === 0 || c.handshakeTime.max === 0 ? '-' : `${t(c.handshakeTime.p50)} / ${t(c.handshakeTime.p99)} / ${t(c.handshakeTime.max)}` },
      { key: 'iterations completed / dropped', value: `${o.iterations.completed} / ${o.iterations.dropped}` },
    ],
    errorsByKind: Object.entries(o.errors.byKind).map(([k, n]) => ({ key: k, value: String(n) })),
    resources: [
      { key: 'server RSS max / mean', value: r.server.rssBytes === null ? 'not monitored' : `${formatValue(r.server.rssBytes.max, 'bytes')} / ${formatValue(r.server.rssBytes.mean, 'bytes')}` },
      { key: 'server CPU max / mean (of one core)', value: r.server.cpuPercent === null ? 'not monitored' : `${formatValue(r.server.cpuPercent.max, 'percent')} / ${formatValue(r.server.cpuPercent.mean, 'percent')}` },
      { key: 'server monitored', value: r.server.monitored.length === 0 ? 'nothing' : r.server.monitored.join(', ') },
      { key: 'harness CPU max / mean per worker', value: r.harness.cpuPercent === null ? '-' : `${formatValue(r.harness.cpuPercent.max, 'percent')} / ${formatValue(r.harness.cpuPercent.mean, 'percent')}` },
      { key: 'harness event-loop lag p99 / max', value: r.harness.eventLoopLagMicros === null ? '-' : `${t(r.harness.eventLoopLagMicros.p99)} / ${t(r.harness.eventLoopLagMicros.max)}` },
      { key: 'saturated workers', value: saturatedWorkers.size === 0 ? 'none' : [...saturatedWorkers].join(', ') },
    ],
    phases: r.phases.map((p) => ({
      name: p.name,
      executor: p.executor,
      planned: formatValue(p.plannedDurationMs * 1000, 'time'),
      start: p.startMs === null ? 'never started' : `${(p.startMs / 1000).toFixed(2)} s`,
      end: p.endMs === null ? '-' : `${(p.endMs / 1000).toFixed(2)} s`,
    })),
    warnings: r.warnings.map((w) => ({ code: w.code, message: w.message, saturation: w.code === 'NMT_WARN_HARNESS_SATURATED' })),
    run: [
      { key: 'started', value: r.run.startedAt },
      { key: 'ended', value: r.run.endedAt },
      { key: 'wall time', value: formatValue(r.run.durationMs * 1000, 'time') },
      { key: 'workers', value: `${r.run.workers.workers} (${r.run.workers.reason})` },
      {
        key: 'target',
        value:
          r.run.servers.length > 0
            ? r.run.servers.map((s) => `${s.kind} pid ${s.pid} on ${s.host}:${s.port}`).join(', ')
            : r.run.endpoints.map((e) => `${e.host}:${e.port}`).join(', '),
      },
      { key: 'tool', value: `${r.tool.name} ${r.tool.version}` },
    ],
    environment: [
      { key: 'host', value: r.environment.hostname },
      { key: 'CPU', value: `${r.environment.cpuModel} × ${r.environment.cores}` },
      { key: 'memory', value: formatValue(r.environment.totalMemoryBytes, 'bytes') },
      { key: 'OS', value: `${r.environment.platform} ${r.environment.osRelease} (${r.environment.arch})` },
      { key: 'Node.js', value: r.environment.node },
      {
        key: 'git revision',
        value: r.environment.gitRevision === null ? 'unknown (not a git checkout)' : `${r.environment.gitRevision}${r.environment.gitDirty === true ? ' (with uncommitted changes)' : ''}`,
      },
    ],
    scenario: { name: r.scenario.name, description: r.scenario.description, source: r.scenario.source, yaml: stringify(r.scenario.asRun) },
    comparison: comparisonTable(comparison),
  };
}

/** Builds the whole report of a run (optionally with a baseline comparison). */
export function buildReportData(r: ResultsV1, comparison: Comparison | null = null): ReportData {
  return { title: `${r.scenario.name} — ${r.run.startedAt}`, tables: buildTables(r, comparison), charts: buildCharts(r) };
}
