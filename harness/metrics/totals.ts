/**
 * Merged totals of a set of deltas: one {@link Totals} per phase and one for
 * the whole run. Histograms are added (exact HDR merge), counters summed.
 *
 *   Totals
 *   ├─ requests: name → RequestTotals { sent, responses, bytes, errors[K], latency, latencyUncorrected }
 *   ├─ errors[K], bytes, connections, iterations
 *   ├─ connectTime, handshakeTime, tlsTime      (HDR, µs)
 *   └─ firstMs / lastMs                         (time covered, ms since run start)
 */
import type { Histogram } from './histogram.ts';
import { createMergeHistogram, encodeHistogram, summarizeHistogram, type HistogramSummary } from './histogram.ts';
import { ERROR_KINDS } from './delta.ts';

const K = ERROR_KINDS.length;

/** Totals of one request name. */
export class RequestTotals {
  readonly name: string;
  sent = 0;
  responses = 0;
  bytesOut = 0;
  bytesIn = 0;
  readonly errors = new Array<number>(K).fill(0);
  readonly latency: Histogram = createMergeHistogram();
  readonly latencyUncorrected: Histogram = createMergeHistogram();

  constructor(name: string) {
    this.name = name;
  }

  get errorCount(): number {
    let n = 0;
    for (const e of this.errors) n += e;
    return n;
  }
}

/** Totals of a phase or of the whole run. */
export class Totals {
  readonly requests = new Map<string, RequestTotals>();
  readonly errors = new Array<number>(K).fill(0);
  bytesIn = 0;
  bytesOut = 0;
  attempted = 0;
  established = 0;
  failed = 0;
  closed = 0;
  iterations = 0;
  dropped = 0;
  readonly connectTime: Histogram = createMergeHistogram();
  readonly handshakeTime: Histogram = createMergeHistogram();
  readonly tlsTime: Histogram = createMergeHistogram();
  /** Earliest interval start and latest interval end seen, ms since run start (NaN before any delta). */
  firstMs = Number.NaN;
  lastMs = Number.NaN;

  /** The request's totals, created on first use. */
  request(name: string): RequestTotals {
    let r = this.requests.get(name);
    if (r === undefined) {
      r = new RequestTotals(name);
      this.requests.set(name, r);
    }
    return r;
  }

  /** Widens the covered time range. */
  cover(startMs: number, endMs: number): void {
    if (!(this.firstMs <= startMs)) this.firstMs = startMs;
    if (!(this.lastMs >= endMs)) this.lastMs = endMs;
  }

  /** Seconds covered (0 before any delta). */
  get durationSeconds(): number {
    const d = (this.lastMs - this.firstMs) / 1000;
    return Number.isFinite(d) && d > 0 ? d : 0;
  }

  get errorCount(): number {
    let n = 0;
    for (const e of this.errors) n += e;
    return n;
  }

  get sent(): number {
    let n = 0;
    for (const r of this.requests.values()) n += r.sent;
    return n;
  }

  get responses(): number {
    let n = 0;
    for (const r of this.requests.values()) n += r.responses;
    return n;
  }
}

/** Errors as `{ kind: count }`, non-zero kinds only. */
export function errorsByKind(errors: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 0; k < K; k++) if (errors[k]! > 0) out[ERROR_KINDS[k]!] = errors[k]!;
  return out;
}

/** A histogram as stored in results.json: its summary plus the HDR encoding (null when empty). */
export interface EncodedHistogram {
  summary: HistogramSummary;
  hdr: string | null;
}

/** Summary and encoding of a histogram. */
export function encodeForResults(h: Histogram): EncodedHistogram {
  return { summary: summarizeHistogram(h), hdr: h.totalCount === 0 ? null : encodeHistogram(h) };
}
