/**
 * Group commit of session-log entries for MariaDB: calls made while a batch
 * is being written wait together and go out as the next batch, in one
 * transaction with the bulk protocol. Each call's promise settles after the
 * COMMIT of the batch that carried it.
 *
 *   logSessions ─► pending calls ──(no batch in flight)──► take calls up to logBatchMaxEntries
 *                  (≤ maxPendingLogEntries,                  ─► one transaction ─► settle those calls
 *                   else NMT_DB_OVERLOADED)                  ─► next batch if calls are pending
 *
 * One batch in flight at a time: under load batches grow instead of
 * transactions multiplying, which is what keeps inserts cheap.
 */
import { DbError, DbErrorCode } from './errors.ts';
import { Fifo } from './fifo.ts';
import type { StorageMetrics } from './stats.ts';
import type { NormalizedLogEntry } from './validation.ts';

/** Writes a batch; `deadline` is the earliest deadline of its calls. */
export type WriteBatch = (entries: readonly NormalizedLogEntry[], t0: number, deadline: number) => Promise<unknown>;

interface LogCall {
  entries: readonly NormalizedLogEntry[];
  resolve: (accepted: number) => void;
  reject: (err: unknown) => void;
  t0: number;
  deadline: number;
}

export interface BatcherLimits {
  /** Entries per transaction at most (a single larger call still goes alone, whole). */
  maxBatchEntries: number;
  /** Entries waiting at most. */
  maxPendingEntries: number;
  requestTimeoutMs: number;
}

/** Batches logSessions calls into shared transactions. */
export class SessionLogBatcher {
  readonly #write: WriteBatch;
  readonly #limits: BatcherLimits;
  readonly #metrics: StorageMetrics;
  readonly #pending = new Fifo<LogCall>(64);
  #pendingEntries = 0;
  #inFlight = false;
  #scheduled = false;
  #onIdle: (() => void) | null = null;

  constructor(write: WriteBatch, limits: BatcherLimits, metrics: StorageMetrics) {
    this.#write = write;
    this.#limits = limits;
    this.#metrics = metrics;
  }

  /** Entries waiting for a batch. */
  get pendingEntries(): number {
    return this.#pendingEntries;
  }

  /** Queues one call's entries; resolves with their count after their batch committed. */
  add(entries: readonly NormalizedLogEntry[], t0: number): Promise<number> {
    if (this.#pendingEntries + entries.length > this.#limits.maxPendingEntries) {
      this.#metrics.operation('logSessions', t0, 0, DbErrorCode.OVERLOADED);
      return Promise.reject(
        new DbError(
          DbErrorCode.OVERLOADED,
          `logSessions refused: ${this.#pendingEntries} session-log entries already wait for their group commit ` +
            `(maxPendingLogEntries ${this.#limits.maxPendingEntries}); nothing was stored. Back off, then retry`,
        ),
      );
    }
    return new Promise<number>((resolve, reject) => {
      this.#pending.push({ entries, resolve, reject, t0, deadline: t0 + this.#limits.requestTimeoutMs });
      this.#pendingEntries += entries.length;
      this.#schedule();
    });
  }

  /** Resolves once every queued call has been written (or failed). */
  drain(): Promise<void> {
    if (!this.#inFlight && this.#pending.length === 0) return Promise.resolve();
    return new Promise((r) => (this.#onIdle = r));
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate: calls made during this event-loop turn join the batch.
    setImmediate(this.#flush);
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#inFlight) return;
    const now = performance.now();
    const calls: LogCall[] = [];
    let entries: NormalizedLogEntry[] = [];
    while (this.#pending.length > 0) {
      const next = this.#pending.at(0) as LogCall;
      if (calls.length > 0 && entries.length + next.entries.length > this.#limits.maxBatchEntries) break;
      this.#pending.shift();
      this.#pendingEntries -= next.entries.length;
      if (next.deadline <= now) {
        this.#metrics.operation('logSessions', next.t0, 0, DbErrorCode.TIMEOUT);
        next.reject(
          new DbError(
            DbErrorCode.TIMEOUT,
            `logSessions waited ${Math.round(now - next.t0)} ms for its group commit, over requestTimeoutMs (${this.#limits.requestTimeoutMs}); nothing was stored. Retry`,
          ),
        );
        continue;
      }
      calls.push(next);
      entries = entries.length === 0 ? [...next.entries] : entries.concat(next.entries);
    }
    if (calls.length === 0) return this.#idle();
    this.#inFlight = true;
    let deadline = Infinity;
    for (const c of calls) deadline = Math.min(deadline, c.deadline);
    this.#write(entries, (calls[0] as LogCall).t0, deadline).then(
      () => {
        this.#metrics.batch(calls.length);
        for (const c of calls) {
          this.#metrics.logCalls++;
          this.#metrics.logEntries += c.entries.length;
          this.#metrics.operation('logSessions', c.t0, c.entries.length, null);
          c.resolve(c.entries.length);
        }
        this.#next();
      },
      (err: unknown) => {
        const code = err instanceof DbError ? err.code : DbErrorCode.QUERY_FAILED;
        for (const c of calls) {
          this.#metrics.operation('logSessions', c.t0, 0, code);
          c.reject(err);
        }
        this.#next();
      },
    );
  };

  #next(): void {
    this.#inFlight = false;
    if (this.#pending.length > 0) this.#schedule();
    else this.#idle();
  }

  #idle(): void {
    if (this.#onIdle === null || this.#inFlight || this.#pending.length > 0) return;
    const r = this.#onIdle;
    this.#onIdle = null;
    r();
  }
}
