/**
 * Answers a {@link MetricQuery} (`metric{tag:value}.stat`, see names.ts) from
 * the merged totals and the closed seconds. This is where every metric name
 * of names.ts gets its meaning; docs/results.md describes the same rules.
 *
 * - Histogram metrics (latency, connect.time, ...) merge the histograms of
 *   the selected phase(s) and request(s) and read the stat.
 * - `rate` stats divide by the covered time of the selection (whole run, or
 *   the phase's first delta start → last delta end).
 * - `rps` max/min/p50 are over whole seconds: per-second response counts of
 *   the closed seconds of the selection, leaving out the first and last
 *   (partial) second when there are at least 3.
 * - `errors.rate` = errors / (requests sent + connection attempts), or
 *   errors / requests sent of that request when `packet` is given.
 * Returns undefined when there is no data (an empty histogram, no server
 * samples, an unknown phase name): thresholds then fail with "no data".
 */
import type { MetricQuery } from './names.ts';
import type { SelfSample } from './delta.ts';
import { ERROR_KIND_INDEX, ERROR_KINDS } from './delta.ts';
import { createMergeHistogram, histogramStat, type Histogram } from './histogram.ts';
import type { RequestTotals, Totals } from './totals.ts';
import type { ClosedSecond } from './series.ts';

/** A server resource sample (all monitored server processes summed). */
export interface ServerSample {
  /** ms since the run start. */
  atMs: number;
  rssBytes: number;
  /** Percent of one core. */
  cpuPercent: number;
}

/** What the query resolver reads; implemented by the aggregator. */
export interface MetricView {
  readonly run: Totals;
  readonly phases: readonly Totals[];
  /** Phase index by name, -1 when unknown. */
  phaseIndex(name: string): number;
  readonly closed: readonly ClosedSecond[];
  readonly serverSamples: readonly ServerSample[];
  readonly selfSamples: readonly SelfSample[];
}

type HistKey = 'latency' | 'latencyUncorrected';

/** The totals selected by the `phase` tag: one phase, or the whole run; undefined for an unknown phase. */
function selectTotals(view: MetricView, tags: Readonly<Record<string, string>>): { totals: Totals; phase: number } | undefined {
  const name = tags.phase;
  if (name === undefined) return { totals: view.run, phase: -1 };
  const i = view.phaseIndex(name);
  const t = i < 0 ? undefined : view.phases[i];
  return t === undefined ? undefined : { totals: t, phase: i };
}

/** Requests selected by the `packet` tag (all when absent). */
function selectRequests(t: Totals, tags: Readonly<Record<string, string>>): RequestTotals[] {
  const name = tags.packet;
  if (name === undefined) return [...t.requests.values()];
  const r = t.requests.get(name);
  return r === undefined ? [] : [r];
}

function mergedLatency(requests: readonly RequestTotals[], key: HistKey): Histogram | undefined {
  if (requests.length === 0) return undefined;
  if (requests.length === 1) return requests[0]![key];
  const h = createMergeHistogram();
  for (const r of requests) h.add(r[key]);
  return h;
}

function rate(count: number, t: Totals): number | undefined {
  const s = t.durationSeconds;
  return s > 0 ? count / s : undefined;
}

/** Per-second response counts of the selection, partial first/last seconds trimmed. */
function perSecondResponses(view: MetricView, phase: number, packet: string | undefined): number[] {
  const values: number[] = [];
  for (const c of view.closed) {
    if (phase >= 0 && !c.phases.has(phase)) continue;
    let n = 0;
    if (phase < 0 && packet === undefined) n = c.point.responses;
    else {
      // Keys are responseKey(phase, request) = `${phase}\u0000${request}`.
      for (const [key, v] of c.responsesBy) {
        const sep = key.indexOf('\u0000');
        const p = Number(key.slice(0, sep));
        if (phase >= 0 && p !== phase) continue;
        if (packet !== undefined && key.slice(sep + 1) !== packet) continue;
        n += v;
      }
    }
    values.push(n);
  }
  return values.length >= 3 ? values.slice(1, -1) : values;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function stats(values: readonly number[], stat: string): number | undefined {
  if (values.length === 0) return undefined;
  switch (stat) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'last':
      return values[values.length - 1];
    case 'p50':
      return median(values);
    case 'p99': {
      const s = [...values].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)];
    }
    default:
      return undefined;
  }
}

function errorCount(errors: readonly number[], kind: string | undefined): number {
  if (kind === undefined) return errors.reduce((a, b) => a + b, 0);
  const k = ERROR_KIND_INDEX[kind];
  return k === undefined ? 0 : errors[k]!;
}

/** Resolves one query; see the module comment for the rules. */
export function resolveMetric(view: MetricView, q: MetricQuery): number | undefined {
  const sel = selectTotals(view, q.tags);
  if (sel === undefined) return undefined;
  const t = sel.totals;
  switch (q.metric) {
    case 'latency':
    case 'latency.uncorrected': {
      const h = mergedLatency(selectRequests(t, q.tags), q.metric === 'latency' ? 'latency' : 'latencyUncorrected');
      return h === undefined ? undefined : histogramStat(h, q.stat);
    }
    case 'connect.time':
      return histogramStat(t.connectTime, q.stat);
    case 'handshake.time':
      return histogramStat(t.handshakeTime, q.stat);
    case 'tls.time':
      return histogramStat(t.tlsTime, q.stat);
    case 'rps': {
      const packet = q.tags.packet;
      if (q.stat === 'mean') {
        const n = selectRequests(t, q.tags).reduce((a, r) => a + r.responses, 0);
        return rate(n, t);
      }
      return stats(perSecondResponses(view, sel.phase, packet), q.stat);
    }
    case 'requests':
    case 'responses': {
      const reqs = selectRequests(t, q.tags);
      const n = reqs.reduce((a, r) => a + (q.metric === 'requests' ? r.sent : r.responses), 0);
      if (q.stat === 'count') return n;
      return q.stat === 'rate' ? rate(n, t) : undefined;
    }
    case 'errors': {
      const packet = q.tags.packet;
      const kind = q.tags.kind;
      if (kind !== undefined && !(ERROR_KINDS as readonly string[]).includes(kind)) return undefined;
      let n: number;
      let denominator: number;
      if (packet === undefined) {
        n = errorCount(t.errors, kind);
        denominator = t.sent + t.attempted;
      } else {
        const r = t.requests.get(packet);
        n = r === undefined ? 0 : errorCount(r.errors, kind);
        denominator = r === undefined ? 0 : r.sent;
      }
      if (q.stat === 'count') return n;
      if (q.stat === 'rate') return denominator > 0 ? n / denominator : undefined;
      return undefined;
    }
    case 'connections': {
      switch (q.stat) {
        case 'max': {
          let max: number | undefined;
          for (const c of view.closed) {
            const v = sel.phase < 0 ? c.point.connections.maxOpen : c.maxOpenByPhase.get(sel.phase);
            if (v !== undefined && (max === undefined || v > max)) max = v;
          }
          return max;
        }
        case 'established':
          return t.established;
        case 'attempted':
          return t.attempted;
        case 'failed':
          return t.failed;
        case 'closed':
          return t.closed;
        case 'rate':
          return rate(t.established, t);
        default:
          return undefined;
      }
    }
    case 'iterations':
      if (q.stat === 'count') return t.iterations;
      if (q.stat === 'dropped') return t.dropped;
      return q.stat === 'rate' ? rate(t.iterations, t) : undefined;
    case 'bytes.in':
    case 'bytes.out': {
      const n = q.metric === 'bytes.in' ? t.bytesIn : t.bytesOut;
      if (q.stat === 'count') return n;
      return q.stat === 'rate' ? rate(n, t) : undefined;
    }
    case 'server.rss':
      return stats(view.serverSamples.map((s) => s.rssBytes), q.stat);
    case 'server.cpu':
      return stats(view.serverSamples.map((s) => s.cpuPercent), q.stat);
    case 'harness.cpu':
      return stats(view.selfSamples.map((s) => s.cpuPercent), q.stat);
    case 'harness.eventLoopLag': {
      const s = view.selfSamples;
      if (s.length === 0) return undefined;
      if (q.stat === 'p99') return Math.max(...s.map((x) => x.loopP99Micros));
      if (q.stat === 'max') return Math.max(...s.map((x) => x.loopMaxMicros));
      if (q.stat === 'mean') return s.reduce((a, x) => a + x.loopMeanMicros, 0) / s.length;
      return undefined;
    }
    default:
      return undefined;
  }
}

