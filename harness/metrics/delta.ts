/**
 * The unit of metrics shipped from a worker to the coordinator: everything a
 * worker recorded during one interval of one phase, as plain JSON (it crosses
 * the IPC channel). Histograms travel HDR-encoded ("compressed base64"), so
 * the coordinator merges them exactly.
 *
 *   worker i ── every second, at each phase boundary and at the end ──▶ coordinator
 *               MetricsDelta { worker, phase, second, [startMs, endMs), counters, histograms }
 *
 * A delta never spans two phases: the worker takes one when it switches phase.
 */
import { ErrorKind } from './recorder.ts';
import { MetricsError, MetricsErrorCode } from './errors.ts';

/** Version of the delta shape; bumped when it changes incompatibly. */
export const DELTA_VERSION = 1;

/** Error kinds in a fixed order: `errors` arrays in deltas are indexed by it. */
export const ERROR_KINDS: readonly ErrorKind[] = Object.freeze(Object.values(ErrorKind));

/** Index of each error kind in {@link ERROR_KINDS}; an unknown kind counts as `other`. */
export const ERROR_KIND_INDEX: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(ERROR_KINDS.map((k, i) => [k, i])),
);

/** Index of the `other` kind. */
export const OTHER_KIND_INDEX = ERROR_KIND_INDEX[ErrorKind.Other]!;

/** One request name's numbers in one delta. */
export interface RequestDelta {
  /** Request name (packet name or a step's `name`). */
  name: string;
  sent: number;
  responses: number;
  bytesOut: number;
  bytesIn: number;
  /** Errors tied to this request, indexed like {@link ERROR_KINDS}. */
  errors: number[];
  /** Corrected latency histogram (µs), null when empty. */
  latency: string | null;
  /** Uncorrected latency histogram (µs), null when empty. */
  latencyUncorrected: string | null;
}

/** A worker's view of itself over one sampling interval (see self-monitor.ts). */
export interface SelfSample {
  /** CPU time of the worker process over the interval, percent of one core. */
  cpuPercent: number;
  /** Event-loop delay over the interval, µs. */
  loopP99Micros: number;
  loopMaxMicros: number;
  loopMeanMicros: number;
}

/** Everything one worker recorded in one interval of one phase. */
export interface MetricsDelta {
  v: typeof DELTA_VERSION;
  worker: number;
  /** Phase index (0-based) the samples belong to. */
  phase: number;
  /** Time bucket: whole seconds since the common run start. */
  second: number;
  /** Interval covered, ms since the common run start. */
  startMs: number;
  endMs: number;
  /**
   * True when this delta ends its time bucket: the per-second tick, or the
   * worker's final delta. After it the worker sends nothing more for
   * `second`, so the coordinator can close that second once every worker has.
   */
  tick: boolean;
  /** Requests with any activity in the interval. */
  requests: RequestDelta[];
  /** All errors (request-bound or not), indexed like {@link ERROR_KINDS}. */
  errors: number[];
  /** All bytes, request traffic included. */
  bytesIn: number;
  bytesOut: number;
  connections: {
    attempted: number;
    established: number;
    failed: number;
    /** Sessions that ended. */
    closed: number;
    /** Sessions open at the end of the interval. */
    open: number;
    /** Most sessions open at once during the interval. */
    maxOpen: number;
  };
  /** TCP connect time (µs), null when empty. */
  connectTime: string | null;
  /** Handshake time (µs), null when empty. */
  handshakeTime: string | null;
  /** TLS handshake time (µs), null when empty (always, over tcp and ws). */
  tlsTime: string | null;
  iterations: number;
  dropped: number;
  /** Worker self-monitoring; null for deltas taken at phase boundaries (too short to mean anything). */
  self: SelfSample | null;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isNumArray(v: unknown, length: number): v is number[] {
  return Array.isArray(v) && v.length === length && v.every(isNum);
}

function isHist(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}

/**
 * Checks a value received over IPC is a {@link MetricsDelta} of this version.
 * Throws {@link MetricsError} `NMT_METRICS_DELTA_INVALID` naming the bad field:
 * a worker from another build, or a bug, must not corrupt the totals silently.
 */
export function assertDelta(value: unknown): asserts value is MetricsDelta {
  const fail = (what: string): never => {
    throw new MetricsError(MetricsErrorCode.DELTA_INVALID, `invalid metrics delta from a worker: ${what}`);
  };
  if (typeof value !== 'object' || value === null) fail('not an object');
  const d = value as Record<string, unknown>;
  if (d.v !== DELTA_VERSION) fail(`version ${String(d.v)} (expected ${DELTA_VERSION}: worker and coordinator differ)`);
  for (const k of ['worker', 'phase', 'second', 'startMs', 'endMs', 'bytesIn', 'bytesOut', 'iterations', 'dropped']) {
    if (!isNum(d[k])) fail(`'${k}' is not a number`);
  }
  if (typeof d.tick !== 'boolean') fail(`'tick' is not a boolean`);
  if (!isNumArray(d.errors, ERROR_KINDS.length)) fail(`'errors' is not ${ERROR_KINDS.length} numbers`);
  if (!isHist(d.connectTime) || !isHist(d.handshakeTime) || !isHist(d.tlsTime)) fail(`'connectTime'/'handshakeTime'/'tlsTime' is not a string or null`);
  const c = d.connections as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) fail(`'connections' is missing`);
  for (const k of ['attempted', 'established', 'failed', 'closed', 'open', 'maxOpen']) {
    if (!isNum(c![k])) fail(`'connections.${k}' is not a number`);
  }
  if (!Array.isArray(d.requests)) fail(`'requests' is not an array`);
  (d.requests as unknown[]).forEach((r, i) => {
    const q = r as Record<string, unknown>;
    if (typeof q !== 'object' || q === null || typeof q.name !== 'string') fail(`'requests[${i}].name' is not a string`);
    for (const k of ['sent', 'responses', 'bytesOut', 'bytesIn']) {
      if (!isNum(q[k])) fail(`'requests[${i}].${k}' is not a number`);
    }
    if (!isNumArray(q.errors, ERROR_KINDS.length)) fail(`'requests[${i}].errors' is not ${ERROR_KINDS.length} numbers`);
    if (!isHist(q.latency) || !isHist(q.latencyUncorrected)) fail(`'requests[${i}]' histograms are not strings or null`);
  });
  if (d.self !== null) {
    const s = d.self as Record<string, unknown>;
    if (typeof s !== 'object' || !['cpuPercent', 'loopP99Micros', 'loopMaxMicros', 'loopMeanMicros'].every((k) => isNum(s[k]))) {
      fail(`'self' is not a self-monitoring sample`);
    }
  }
}
