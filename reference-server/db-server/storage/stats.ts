/**
 * Counters and latency histograms of one storage. Latencies go straight into
 * HDR histograms (hdr-histogram-js, JS build, 32-bit counts, 1 µs .. 60 s at
 * 3 significant digits); counters are plain numbers. {@link snapshot}
 * turns them into the plain {@link StorageStats} object.
 *
 * Recording costs one `performance.now()` per statement plus a histogram
 * increment (tens of ns); the WebAssembly build would save a little more but
 * needs explicit `destroy()` bookkeeping that a long-lived storage gains
 * nothing from.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import {
  OPERATION_NAMES,
  STATEMENT_KINDS,
  type BackendName,
  type CallStats,
  type LatencySummary,
  type OperationName,
  type PoolStats,
  type StatementKind,
  type StorageState,
  type StorageStats,
} from './types.ts';

const HIGHEST_MICROS = 60_000_000;

function histogram(): Histogram {
  return build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_MICROS,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a duration in µs, clamped to the histogram range so a clock step never throws; returns what was recorded. */
function record(h: Histogram, micros: number): number {
  const v = micros <= 0 ? 0 : micros >= HIGHEST_MICROS ? HIGHEST_MICROS : Math.round(micros);
  h.recordValue(v);
  return v;
}

/** `sumMicros`: the exact sum of what was recorded (hdr-histogram-js computes `mean` by iterating every bucket: ~10 ms a snapshot). */
function summary(h: Histogram, sumMicros: number): LatencySummary {
  const count = h.totalCount;
  if (count === 0) return { count: 0, p50: 0, p99: 0, max: 0, mean: 0 };
  // A percentile is reported as the top of its bucket, which can lie above the exact max; clamp so p99 ≤ max.
  const max = h.maxValue;
  return {
    count,
    p50: Math.min(h.getValueAtPercentile(50), max),
    p99: Math.min(h.getValueAtPercentile(99), max),
    max,
    mean: Math.round(sumMicros / count),
  };
}

/** Counters of one statement kind or operation. */
class Calls {
  count = 0;
  errors = 0;
  rows = 0;
  sumMicros = 0;
  readonly latency = histogram();

  add(micros: number, rows: number, ok: boolean): void {
    this.count++;
    this.rows += rows;
    if (!ok) this.errors++;
    this.sumMicros += record(this.latency, micros);
  }

  snapshot(): CallStats {
    return { count: this.count, errors: this.errors, rows: this.rows, latencyMicros: summary(this.latency, this.sumMicros) };
  }

  reset(): void {
    this.count = 0;
    this.errors = 0;
    this.rows = 0;
    this.sumMicros = 0;
    this.latency.reset();
  }
}

/** Pool numbers a backend reads at snapshot time. */
export type PoolGauges = Omit<PoolStats, 'acquireWaitMicros'>;

/** Mutable counters of one storage; backends bump the public fields directly. */
export class StorageMetrics {
  readonly #statements = new Map<StatementKind, Calls>(STATEMENT_KINDS.map((k) => [k, new Calls()]));
  readonly #operations = new Map<OperationName, Calls>(OPERATION_NAMES.map((k) => [k, new Calls()]));
  readonly #acquireWait = histogram();
  #acquireWaitSum = 0;
  #errorsByCode: Record<string, number> = {};

  commits = 0;
  rollbacks = 0;
  deadlockRetries = 0;
  connectionRetries = 0;
  busyRetries = 0;
  replays = 0;
  conflicts = 0;
  pruned = 0;
  batches = 0;
  batchedWrites = 0;
  maxBatch = 0;
  logCalls = 0;
  logEntries = 0;

  /** One statement finished; `startMs` from `performance.now()`. */
  statement(kind: StatementKind, startMs: number, rows: number, ok: boolean): void {
    (this.#statements.get(kind) as Calls).add((performance.now() - startMs) * 1000, rows, ok);
  }

  /** One operation finished; `errorCode` is the failure's code, or null on success. */
  operation(name: OperationName, startMs: number, rows: number, errorCode: string | null): void {
    (this.#operations.get(name) as Calls).add((performance.now() - startMs) * 1000, rows, errorCode === null);
    if (errorCode !== null) this.#errorsByCode[errorCode] = (this.#errorsByCode[errorCode] ?? 0) + 1;
  }

  /** A request got its connection (or its group commit) `micros` after the call. */
  acquired(micros: number): void {
    this.#acquireWaitSum += record(this.#acquireWait, micros);
  }

  /** A transaction carrying `writes` queued writes committed. */
  batch(writes: number): void {
    this.batches++;
    this.batchedWrites += writes;
    if (writes > this.maxBatch) this.maxBatch = writes;
  }

  snapshot(backend: BackendName, state: StorageState, pool: PoolGauges): StorageStats {
    const statements = {} as Record<StatementKind, CallStats>;
    for (const [k, c] of this.#statements) statements[k] = c.snapshot();
    const operations = {} as Record<OperationName, CallStats>;
    for (const [k, c] of this.#operations) operations[k] = c.snapshot();
    return {
      backend,
      state,
      statements,
      operations,
      errorsByCode: { ...this.#errorsByCode },
      transactions: {
        commits: this.commits,
        rollbacks: this.rollbacks,
        deadlockRetries: this.deadlockRetries,
        connectionRetries: this.connectionRetries,
        busyRetries: this.busyRetries,
      },
      idempotency: { replays: this.replays, conflicts: this.conflicts, pruned: this.pruned },
      groupCommit: { batches: this.batches, writes: this.batchedWrites, maxBatch: this.maxBatch },
      sessionLog: { calls: this.logCalls, entries: this.logEntries },
      pool: { ...pool, acquireWaitMicros: summary(this.#acquireWait, this.#acquireWaitSum) },
    };
  }

  reset(): void {
    for (const c of this.#statements.values()) c.reset();
    for (const c of this.#operations.values()) c.reset();
    this.#acquireWait.reset();
    this.#acquireWaitSum = 0;
    this.#errorsByCode = {};
    this.commits = this.rollbacks = this.deadlockRetries = this.connectionRetries = this.busyRetries = 0;
    this.replays = this.conflicts = this.pruned = 0;
    this.batches = this.batchedWrites = this.maxBatch = 0;
    this.logCalls = this.logEntries = 0;
  }
}
