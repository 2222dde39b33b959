/**
 * The SQLite write queue and its group commit.
 *
 *   createPlayer ─┐
 *   transferGold ─┼─► queue ──setImmediate──► BEGIN IMMEDIATE
 *   logSessions  ─┘   (bounded:               SAVEPOINT w; write 1; RELEASE w
 *                      maxQueue)              SAVEPOINT w; write 2; RELEASE w   (a failing write rolls
 *                                             ...  (≤ maxBatchSize)              back to its savepoint only)
 *                                             COMMIT  ── one fsync ──► resolve every caller
 *
 * Writes queued during one event-loop turn share one transaction; a
 * caller's promise settles only after COMMIT returned. One batch runs per
 * turn, so sockets are served between batches. When another process holds
 * the write lock, BEGIN fails after busyTimeoutMs and the batch is retried
 * from a timer with backoff; a write whose deadline passes while it waits is
 * refused with NMT_DB_TIMEOUT before any transaction includes it.
 */
import { DbError, DbErrorCode } from './errors.ts';
import { Fifo } from './fifo.ts';
import { isSqliteBusy, mapSqliteError } from './sqlite-errors.ts';
import type { SqliteStatements, SqliteWrite } from './sqlite-operations.ts';
import type { StorageMetrics } from './stats.ts';
import type { SqliteDatabase } from './sqlite-driver.ts';
import type { OperationName } from './types.ts';

/** A write waiting for its group commit. */
interface WriteJob {
  op: OperationName;
  exec: SqliteWrite<never>;
  args: unknown;
  /** Rows the write touches, for the operation counters. */
  rows: number;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** `performance.now()` at the call. */
  t0: number;
  deadline: number;
  result: unknown;
  error: unknown;
}

/** Longest pause between attempts when another process holds the write lock. */
const MAX_BUSY_DELAY_MS = 50;

/** Limits of the queue (from the storage settings). */
export interface WriteQueueLimits {
  maxQueue: number;
  maxBatchSize: number;
  requestTimeoutMs: number;
}

/** Queues writes and commits them in groups on one connection. */
export class SqliteWriteQueue {
  readonly #db: SqliteDatabase;
  readonly #stmts: SqliteStatements;
  readonly #metrics: StorageMetrics;
  readonly #limits: WriteQueueLimits;
  readonly #path: string;
  readonly #queue = new Fifo<WriteJob>(256);
  #closed = false;
  #flushScheduled = false;
  #busyTimer: NodeJS.Timeout | null = null;
  #busyDelayMs = 1;

  constructor(db: SqliteDatabase, stmts: SqliteStatements, metrics: StorageMetrics, limits: WriteQueueLimits, path: string) {
    this.#db = db;
    this.#stmts = stmts;
    this.#metrics = metrics;
    this.#limits = limits;
    this.#path = path;
  }

  /** Writes waiting for their group commit. */
  get length(): number {
    return this.#queue.length;
  }

  /**
   * Commits what callers already wait for (unless another process holds the
   * lock), fails the rest with NMT_DB_CLOSED, and accepts nothing more.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#busyTimer !== null) clearTimeout(this.#busyTimer);
    this.#busyTimer = null;
    while (this.#queue.length > 0) {
      if (!this.#commitBatch()) break;
    }
    if (this.#busyTimer !== null) clearTimeout(this.#busyTimer);
    this.#busyTimer = null;
    const left = new DbError(DbErrorCode.CLOSED, 'the storage closed before this write was committed: it was not applied; retry with the same idempotency key');
    for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) this.#settle(job, left);
  }

  /** Queues a write; resolves with its result after the COMMIT that carried it. */
  enqueue<A>(op: OperationName, exec: SqliteWrite<A>, args: A, rows: number, t0: number): Promise<unknown> {
    if (this.#queue.length >= this.#limits.maxQueue) {
      const err = new DbError(
        DbErrorCode.OVERLOADED,
        `${op} refused: ${this.#queue.length} writes already wait for their group commit (maxQueue ${this.#limits.maxQueue}); ` +
          'nothing was applied. Back off, then retry with the same idempotency key',
      );
      this.#metrics.operation(op, t0, 0, err.code);
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({
        op,
        exec: exec as SqliteWrite<never>,
        args,
        rows,
        resolve,
        reject,
        t0,
        deadline: t0 + this.#limits.requestTimeoutMs,
        result: undefined,
        error: undefined,
      });
      if (!this.#flushScheduled && this.#busyTimer === null) {
        this.#flushScheduled = true;
        setImmediate(this.#onFlush);
      }
    });
  }

  /** One group commit per event-loop turn, so other I/O runs between batches. */
  readonly #onFlush = (): void => {
    this.#flushScheduled = false;
    if (this.#closed || this.#queue.length === 0) return;
    if (!this.#commitBatch()) return;
    if (this.#queue.length > 0) {
      this.#flushScheduled = true;
      setImmediate(this.#onFlush);
    }
  };

  readonly #onBusyRetry = (): void => {
    this.#busyTimer = null;
    this.#onFlush();
  };

  /**
   * Runs up to maxBatchSize queued writes in one transaction and settles
   * them. Returns false when another process holds the write lock: the jobs
   * stay queued and a retry is scheduled with backoff.
   */
  #commitBatch(): boolean {
    const s = this.#stmts;
    const now = performance.now();
    const wall = Date.now();
    const n = Math.min(this.#queue.length, this.#limits.maxBatchSize);
    // Expired jobs at the head are refused before the transaction, so they are certainly not applied.
    let expired = 0;
    while (expired < n && (this.#queue.at(expired) as WriteJob).deadline <= now) expired++;
    for (let i = 0; i < expired; i++) {
      const job = this.#queue.shift() as WriteJob;
      this.#settle(job, this.#timeout(job, now));
    }
    const count = n - expired;
    if (count === 0) return true;
    const tTx = performance.now();
    try {
      s.begin.run();
    } catch (err) {
      if (isSqliteBusy(err)) return this.#busy();
      this.#failBatch(count, mapSqliteError(err, 'starting a transaction', this.#path));
      return true;
    }
    this.#busyDelayMs = 1;
    let applied = 0;
    try {
      for (let i = 0; i < count; i++) {
        const job = this.#queue.at(i) as WriteJob;
        this.#metrics.acquired((now - job.t0) * 1000);
        s.savepoint.run();
        try {
          job.result = job.exec(s, job.args as never, wall);
          s.release.run();
          applied++;
        } catch (err) {
          s.rollbackTo.run();
          s.release.run();
          job.error = err;
        }
      }
      s.commit.run();
    } catch (err) {
      // A savepoint or COMMIT itself failed (I/O error, disk full): nothing in the batch was applied.
      if (this.#db.inTransaction) s.rollback.run();
      this.#metrics.rollbacks++;
      this.#metrics.statement('transaction', tTx, count, false);
      this.#failBatch(count, mapSqliteError(err, 'committing a group of writes', this.#path));
      return true;
    }
    this.#metrics.commits++;
    this.#metrics.batch(applied);
    this.#metrics.statement('transaction', tTx, count, true);
    for (let i = 0; i < count; i++) {
      const job = this.#queue.shift() as WriteJob;
      this.#settle(job, job.error);
    }
    return true;
  }

  #busy(): boolean {
    this.#metrics.busyRetries++;
    this.#busyTimer = setTimeout(this.#onBusyRetry, this.#busyDelayMs);
    this.#busyDelayMs = Math.min(this.#busyDelayMs * 2, MAX_BUSY_DELAY_MS);
    return false;
  }

  #failBatch(count: number, err: DbError): void {
    for (let i = 0; i < count; i++) this.#settle(this.#queue.shift() as WriteJob, err);
  }

  #timeout(job: WriteJob, now: number): DbError {
    return new DbError(
      DbErrorCode.TIMEOUT,
      `${job.op} waited ${Math.round(now - job.t0)} ms for its group commit, over requestTimeoutMs (${this.#limits.requestTimeoutMs}); ` +
        'it was not applied. Retry with the same idempotency key',
    );
  }

  #settle(job: WriteJob, err: unknown): void {
    if (err === undefined) {
      this.#metrics.operation(job.op, job.t0, job.rows, null);
      job.resolve(job.result);
    } else {
      const e = mapSqliteError(err, job.op, this.#path);
      this.#metrics.operation(job.op, job.t0, 0, e.code);
      job.reject(e);
    }
  }
}
