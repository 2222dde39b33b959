/**
 * The figures a comparison looks at, flattened out of a results.json, and
 * their medians over repeated runs.
 *
 * Each metric knows which way is better and whether the regression gate
 * looks at it. The gate skips figures that one sample decides (latency
 * `max`) or that depend on the machine more than on the server (CPU,
 * connect/handshake tails of a few connections): they are shown, never
 * failed on.
 *
 *   key                              unit   better  gated
 *   rps                              rate   higher  yes
 *   request:<name>:rps               rate   higher  yes
 *   request:<name>:p50|p90|p99       time   lower   yes
 *   request:<name>:max               time   lower   no
 *   errors.rate                      ratio  lower   yes
 *   connections.failed               count  lower   yes
 *   connections.maxOpen              count  higher  yes
 *   connections.ratePerSec           rate   higher  no
 *   connections.handshake.p99        time   lower   no
 *   server.rss.max                   bytes  lower   yes
 *   server.cpu.mean                  percent lower  no
 *   harness.cpu.mean                 percent lower  no
 */
import type { MetricUnit } from '../metrics/names.ts';
import type { ResultsV1 } from '../runner/results.ts';

/** Which way a metric gets better. */
export type Direction = 'higher' | 'lower';

/** One comparable figure of a run (or the median over several runs). */
export interface MetricValue {
  /** Stable identity across runs, e.g. `request:PingReq:p99`. */
  key: string;
  /** For people, e.g. `PingReq p99`. */
  label: string;
  unit: MetricUnit;
  /** Which value is better. */
  better: Direction;
  /** Whether `--fail-on-regression` looks at it. */
  gated: boolean;
  /** Base units (µs, bytes, per second, ratio, percent, count); null = no data in this run. */
  value: number | null;
  /** Over repeated runs: the values the median was taken from. */
  spread?: Spread;
}

/** How much a metric varied over repeated runs. */
export interface Spread {
  runs: number;
  min: number;
  max: number;
  /** (max − min) / median × 100; 0 when the median is 0 and all values agree, null when the median is 0 otherwise. */
  rangePercent: number | null;
}

const LATENCY_GATED = ['p50', 'p90', 'p99'] as const;

/** The metrics of one run, in a fixed order (overall first, then per request, then the rest). */
export function extractMetrics(r: ResultsV1): MetricValue[] {
  const o = r.summary.overall;
  const out: MetricValue[] = [];
  const add = (key: string, label: string, unit: MetricUnit, better: Direction, gated: boolean, value: number | null | undefined): void => {
    out.push({ key, label, unit, better, gated, value: value === undefined || value === null || !Number.isFinite(value) ? null : value });
  };
  add('rps', 'rps (all requests)', 'rate', 'higher', true, o.responses > 0 || o.sent > 0 ? o.rps : null);
  for (const q of o.requests) {
    // Fire-and-forget requests have neither responses nor latency: nothing to compare.
    if (q.responses > 0) add(`request:${q.name}:rps`, `${q.name} rps`, 'rate', 'higher', true, q.rps);
    if (q.latency.count === 0) continue;
    for (const p of LATENCY_GATED) add(`request:${q.name}:${p}`, `${q.name} ${p}`, 'time', 'lower', true, q.latency[p]);
    add(`request:${q.name}:max`, `${q.name} max`, 'time', 'lower', false, q.latency.max);
  }
  add('errors.rate', 'errors rate', 'ratio', 'lower', true, o.errors.rate);
  const c = o.connections;
  add('connections.failed', 'connections failed', 'count', 'lower', true, c.attempted > 0 ? c.failed : null);
  add('connections.maxOpen', 'connections max open', 'count', 'higher', true, c.maxOpen);
  add('connections.ratePerSec', 'connections established/s', 'rate', 'higher', false, c.ratePerSec);
  // A protocol without a handshake records 0 µs handshakes: nothing to compare.
  if (c.handshakeTime.count > 0 && c.handshakeTime.max > 0) {
    add('connections.handshake.p99', 'handshake time p99', 'time', 'lower', false, c.handshakeTime.p99);
  }
  if (c.tlsTime !== undefined && c.tlsTime.count > 0) add('connections.tls.p99', 'TLS handshake p99', 'time', 'lower', false, c.tlsTime.p99);
  add('server.rss.max', 'server RSS max', 'bytes', 'lower', true, r.server.rssBytes?.max);
  add('server.cpu.mean', 'server CPU mean', 'percent', 'lower', false, r.server.cpuPercent?.mean);
  add('harness.cpu.mean', 'harness CPU mean', 'percent', 'lower', false, r.harness.cpuPercent?.mean);
  return out;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Per-metric medians over repeated runs, with the spread of each. A metric
 * missing from some runs is the median of the runs that have it; one that
 * no run has data for is null. Order: first appearance.
 */
export function medianMetrics(runs: readonly (readonly MetricValue[])[]): MetricValue[] {
  if (runs.length === 0) throw new RangeError('medianMetrics needs at least one run');
  const byKey = new Map<string, { proto: MetricValue; values: number[] }>();
  for (const run of runs) {
    for (const m of run) {
      let e = byKey.get(m.key);
      if (e === undefined) {
        e = { proto: m, values: [] };
        byKey.set(m.key, e);
      }
      if (m.value !== null) e.values.push(m.value);
    }
  }
  return [...byKey.values()].map(({ proto, values }) => {
    const { spread: _ignored, ...base } = proto;
    if (values.length === 0) return { ...base, value: null };
    const med = median(values);
    const min = Math.min(...values);
    const max = Math.max(...values);
    const rangePercent = med !== 0 ? ((max - min) / Math.abs(med)) * 100 : max === min ? 0 : null;
    return { ...base, value: med, spread: { runs: values.length, min, max, rangePercent } };
  });
}
