/**
 * The metrics a run produces, by name: the contract between the metrics
 * aggregator (which computes them), thresholds (which compare them) and
 * reporters (which show them). Threshold expressions are written as
 * `name{tag:value,...}.stat OP value unit`, e.g. `latency{packet:PingReq}.p99 < 2ms`.
 *
 * Base units of every stored value: time in microseconds, sizes in bytes,
 * rates per second, ratios in 0..1, CPU in percent of one core.
 */

export type MetricUnit = 'time' | 'count' | 'rate' | 'ratio' | 'bytes' | 'percent';

export interface MetricInfo {
  /** Unit of every stat except where `statUnits` says otherwise. */
  unit: MetricUnit;
  /** Stats a threshold may name; the first is used when the expression names none. */
  stats: readonly string[];
  /** Per-stat units where they differ from `unit` (e.g. errors.rate is a ratio). */
  statUnits?: Readonly<Record<string, MetricUnit>>;
  /** Tags a threshold may filter on. */
  tags: readonly string[];
  description: string;
}

/** Percentile stats of every histogram metric: p50, p99.9, ... */
export const HISTOGRAM_STATS = [
  'p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'p99.99', 'min', 'max', 'mean', 'stddev', 'count',
] as const;

export const METRICS: Readonly<Record<string, MetricInfo>> = {
  latency: {
    unit: 'time',
    stats: HISTOGRAM_STATS,
    statUnits: { count: 'count' },
    tags: ['packet', 'phase'],
    description:
      'Request → response latency. In open models measured from the intended send time (coordinated-omission corrected); equal to latency.uncorrected in closed models.',
  },
  'latency.uncorrected': {
    unit: 'time',
    stats: HISTOGRAM_STATS,
    statUnits: { count: 'count' },
    tags: ['packet', 'phase'],
    description: 'Request → response latency measured from the actual send time.',
  },
  'connect.time': {
    unit: 'time',
    stats: HISTOGRAM_STATS,
    statUnits: { count: 'count' },
    tags: ['phase'],
    description: 'Time until packets can flow: TCP connect, plus the TLS handshake (tls, wss) and the WebSocket upgrade (ws, wss).',
  },
  'tls.time': {
    unit: 'time',
    stats: HISTOGRAM_STATS,
    statUnits: { count: 'count' },
    tags: ['phase'],
    description: 'TLS handshake alone: TCP connected → handshake done (transports tls and wss; empty otherwise).',
  },
  'handshake.time': {
    unit: 'time',
    stats: HISTOGRAM_STATS,
    statUnits: { count: 'count' },
    tags: ['phase'],
    description: 'SessionConnectReq → SessionConnectRes round trip.',
  },
  rps: {
    unit: 'rate',
    stats: ['mean', 'max', 'min', 'p50'],
    tags: ['packet', 'phase'],
    description: 'Responses per second: mean over the measured time, and per-second max/min/median.',
  },
  requests: {
    unit: 'count',
    stats: ['count', 'rate'],
    statUnits: { rate: 'rate' },
    tags: ['packet', 'phase'],
    description: 'Requests sent.',
  },
  responses: {
    unit: 'count',
    stats: ['count', 'rate'],
    statUnits: { rate: 'rate' },
    tags: ['packet', 'phase'],
    description: 'Responses matched to a request.',
  },
  errors: {
    unit: 'count',
    stats: ['rate', 'count'],
    statUnits: { rate: 'ratio' },
    tags: ['kind', 'packet', 'phase'],
    description:
      'Errors; `rate` = errors / (requests + connection attempts). Kinds: refused, timeout, violation, unexpected, closed, connect-timeout, handshake-rejected, auth, tls, other.',
  },
  connections: {
    unit: 'count',
    stats: ['max', 'established', 'attempted', 'failed', 'closed', 'rate'],
    statUnits: { rate: 'rate' },
    tags: ['phase'],
    description:
      'Sessions: `max` concurrently open (handshake done), totals, and `rate` = established per second.',
  },
  iterations: {
    unit: 'count',
    stats: ['count', 'rate', 'dropped'],
    statUnits: { rate: 'rate' },
    tags: ['phase'],
    description: 'Flow iterations completed; `dropped` = open-model starts skipped for lack of a free VU.',
  },
  'bytes.in': { unit: 'bytes', stats: ['count', 'rate'], statUnits: { rate: 'rate' }, tags: ['phase'], description: 'Bytes received.' },
  'bytes.out': { unit: 'bytes', stats: ['count', 'rate'], statUnits: { rate: 'rate' }, tags: ['phase'], description: 'Bytes sent.' },
  'server.rss': { unit: 'bytes', stats: ['max', 'mean', 'last'], tags: [], description: 'Server resident memory (sampled each second).' },
  'server.cpu': { unit: 'percent', stats: ['max', 'mean'], tags: [], description: 'Server CPU, percent of one core.' },
  'harness.cpu': { unit: 'percent', stats: ['max', 'mean'], tags: [], description: 'Load generator CPU per worker process, percent of one core.' },
  'harness.eventLoopLag': {
    unit: 'time',
    stats: ['p99', 'max', 'mean'],
    tags: [],
    description: 'Event-loop delay of the worker processes; high values mean the generator itself was saturated.',
  },
};

/** A metric lookup, as parsed from a threshold expression. */
export interface MetricQuery {
  metric: string;
  tags: Readonly<Record<string, string>>;
  stat: string;
}

/**
 * Answers metric queries over a finished (or running) measurement. Implemented
 * by the metrics aggregator; consumed by thresholds and reporters.
 * Returns `undefined` when the metric has no data (e.g. no server metrics).
 */
export interface MetricSource {
  value(query: MetricQuery): number | undefined;
}
