/**
 * The per-second time series. Deltas from all workers are summed into one
 * open bucket per second; a second is *closed* (summarised, its histogram
 * dropped) once every live worker has sent the delta that ends it
 * (`tick: true`), so memory stays flat however long the run.
 *
 *   second:   … │ k-1 (closed) │ k (open) │ k+1 (open) │
 *   worker 0 ticks ─────────────┘          │
 *   worker 1 ticks ────────────────────────┘  → k-1 closed when both passed it
 *
 * Open connections: each worker reports its open count at the end of each
 * delta and its peak during it. A second's `open` is the sum of the workers'
 * last reported counts; `maxOpen` the sum of each worker's peak in that
 * second (exact when the workers' peaks coincide, as in ramp-and-hold runs;
 * an upper bound otherwise).
 */
import type { Histogram } from './histogram.ts';
import { createMergeHistogram } from './histogram.ts';
import { ERROR_KINDS, type MetricsDelta, type SelfSample } from './delta.ts';
import { errorsByKind } from './totals.ts';

const K = ERROR_KINDS.length;

/** One second of the run, as reported live and written to results.json `series`. */
export interface SecondPoint {
  /** Whole seconds since the run start (the bucket [second, second + 1) s). */
  second: number;
  /** Highest phase index with samples in this second. */
  phase: number;
  requests: number;
  /** Responses in this second = responses per second. */
  responses: number;
  errorCount: number;
  /** Non-zero error counts by kind. */
  errors: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  connections: {
    open: number;
    maxOpen: number;
    attempted: number;
    established: number;
    failed: number;
    closed: number;
  };
  iterations: number;
  dropped: number;
  /** Corrected latency of all requests in this second, µs; null when none. */
  latency: { count: number; p50: number; p90: number; p99: number; max: number } | null;
  /** Each worker's self-monitoring sample for this second. */
  harness: { worker: number; cpuPercent: number; loopP99Micros: number; loopMaxMicros: number }[];
  /** Server processes (summed) sampled in this second; null when not monitored. */
  server: { rssBytes: number; cpuPercent: number } | null;
}

/** A closed second with the breakdowns threshold queries need (not written to results). */
export interface ClosedSecond {
  point: SecondPoint;
  /** Phases with samples in this second. */
  phases: ReadonlySet<number>;
  /** Responses by `${phase}\u0000${request}`. */
  responsesBy: ReadonlyMap<string, number>;
  /** Sum over workers of their peak open sessions, by phase. */
  maxOpenByPhase: ReadonlyMap<number, number>;
}

/** Key of {@link ClosedSecond.responsesBy}. */
export function responseKey(phase: number, request: string): string {
  return `${phase}\u0000${request}`;
}

class OpenSecond {
  readonly second: number;
  phase = 0;
  requests = 0;
  responses = 0;
  readonly errors = new Array<number>(K).fill(0);
  bytesIn = 0;
  bytesOut = 0;
  attempted = 0;
  established = 0;
  failed = 0;
  closed = 0;
  iterations = 0;
  dropped = 0;
  latency: Histogram | null = null;
  readonly phases = new Set<number>();
  readonly responsesBy = new Map<string, number>();
  /** worker → [endMs, open] of its latest delta here. */
  readonly lastOpen = new Map<number, [number, number]>();
  /** phase → worker → peak. */
  readonly peak = new Map<number, Map<number, number>>();
  readonly self: { worker: number; sample: SelfSample }[] = [];

  constructor(second: number) {
    this.second = second;
  }
}

/** Builds the per-second series from deltas. */
export class SecondSeries {
  private readonly open = new Map<number, OpenSecond>();
  private readonly closedSeconds: ClosedSecond[] = [];
  /** Highest second each live worker has ended; finished workers are removed. */
  private readonly watermark = new Map<number, number>();
  private closedThrough = -1;
  private serverAt: (second: number) => SecondPoint['server'];

  /**
   * @param workers worker indexes expected to report
   * @param serverAt the server sample for a second (null when none)
   */
  constructor(workers: readonly number[], serverAt: (second: number) => SecondPoint['server']) {
    for (const w of workers) this.watermark.set(w, -1);
    this.serverAt = serverAt;
  }

  /** Closed seconds, in order. */
  get closed(): readonly ClosedSecond[] {
    return this.closedSeconds;
  }

  /**
   * Adds a delta. A delta for an already closed second (a worker that lagged
   * behind) is counted in the oldest open second instead of being lost.
   * `latencies[i]` is `d.requests[i].latency` already decoded (the aggregator
   * decodes each histogram once). Returns the seconds this delta closed.
   */
  add(d: MetricsDelta, latencies: readonly (Histogram | null)[]): ClosedSecond[] {
    const target = Math.max(d.second, this.closedThrough + 1);
    let s = this.open.get(target);
    if (s === undefined) {
      s = new OpenSecond(target);
      this.open.set(target, s);
    }
    if (d.phase > s.phase) s.phase = d.phase;
    s.phases.add(d.phase);
    for (let i = 0; i < d.requests.length; i++) {
      const r = d.requests[i]!;
      s.requests += r.sent;
      s.responses += r.responses;
      if (r.responses > 0) {
        const key = responseKey(d.phase, r.name);
        s.responsesBy.set(key, (s.responsesBy.get(key) ?? 0) + r.responses);
      }
      const lat = latencies[i];
      if (lat !== null && lat !== undefined) {
        s.latency ??= createMergeHistogram();
        s.latency.add(lat);
      }
    }
    for (let k = 0; k < K; k++) s.errors[k]! += d.errors[k]!;
    s.bytesIn += d.bytesIn;
    s.bytesOut += d.bytesOut;
    const c = d.connections;
    s.attempted += c.attempted;
    s.established += c.established;
    s.failed += c.failed;
    s.closed += c.closed;
    s.iterations += d.iterations;
    s.dropped += d.dropped;
    const last = s.lastOpen.get(d.worker);
    if (last === undefined || last[0] <= d.endMs) s.lastOpen.set(d.worker, [d.endMs, c.open]);
    let byWorker = s.peak.get(d.phase);
    if (byWorker === undefined) {
      byWorker = new Map();
      s.peak.set(d.phase, byWorker);
    }
    byWorker.set(d.worker, Math.max(byWorker.get(d.worker) ?? 0, c.maxOpen));
    if (d.self !== null) s.self.push({ worker: d.worker, sample: d.self });
    if (d.tick && this.watermark.has(d.worker)) {
      this.watermark.set(d.worker, Math.max(this.watermark.get(d.worker)!, d.second));
    }
    return this.closeReady();
  }

  /** A worker will send nothing more (finished or died): stop waiting for it. */
  workerGone(worker: number): ClosedSecond[] {
    this.watermark.delete(worker);
    return this.closeReady();
  }

  /** Closes every open second (end of run). */
  closeAll(): ClosedSecond[] {
    const keys = [...this.open.keys()].sort((a, b) => a - b);
    return keys.map((k) => this.closeOne(k));
  }

  private closeReady(): ClosedSecond[] {
    let through = Number.POSITIVE_INFINITY;
    for (const w of this.watermark.values()) if (w < through) through = w;
    if (through === Number.POSITIVE_INFINITY) {
      // No live worker left: nothing more can arrive.
      return this.closeAll();
    }
    const out: ClosedSecond[] = [];
    const keys = [...this.open.keys()].filter((k) => k <= through).sort((a, b) => a - b);
    for (const k of keys) out.push(this.closeOne(k));
    return out;
  }

  private closeOne(second: number): ClosedSecond {
    const s = this.open.get(second)!;
    this.open.delete(second);
    if (second > this.closedThrough) this.closedThrough = second;
    let open = 0;
    for (const [, v] of s.lastOpen) open += v[1];
    const maxOpenByPhase = new Map<number, number>();
    const allPeak = new Map<number, number>();
    for (const [phase, byWorker] of s.peak) {
      let sum = 0;
      for (const [w, v] of byWorker) {
        sum += v;
        allPeak.set(w, Math.max(allPeak.get(w) ?? 0, v));
      }
      maxOpenByPhase.set(phase, sum);
    }
    let maxOpen = 0;
    for (const v of allPeak.values()) maxOpen += v;
    let errorCount = 0;
    for (const e of s.errors) errorCount += e;
    const h = s.latency;
    const point: SecondPoint = {
      second,
      phase: s.phase,
      requests: s.requests,
      responses: s.responses,
      errorCount,
      errors: errorsByKind(s.errors),
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      connections: {
        open,
        maxOpen: Math.max(maxOpen, open),
        attempted: s.attempted,
        established: s.established,
        failed: s.failed,
        closed: s.closed,
      },
      iterations: s.iterations,
      dropped: s.dropped,
      latency:
        h === null || h.totalCount === 0
          ? null
          : {
              count: h.totalCount,
              p50: h.getValueAtPercentile(50),
              p90: h.getValueAtPercentile(90),
              p99: h.getValueAtPercentile(99),
              max: h.maxValue,
            },
      harness: s.self
        .map(({ worker, sample }) => ({
          worker,
          cpuPercent: sample.cpuPercent,
          loopP99Micros: sample.loopP99Micros,
          loopMaxMicros: sample.loopMaxMicros,
        }))
        .sort((a, b) => a.worker - b.worker),
      server: this.serverAt(second),
    };
    const closed: ClosedSecond = { point, phases: s.phases, responsesBy: s.responsesBy, maxOpenByPhase };
    // Keep the series ordered even if a straggler closes an earlier key late.
    let i = this.closedSeconds.length;
    while (i > 0 && this.closedSeconds[i - 1]!.point.second > second) i--;
    this.closedSeconds.splice(i, 0, closed);
    return closed;
  }
}
