/**
 * Runs requests against MariaDB through the connector's pool, with the
 * guarantees the DBServer needs: bounded waiting, a deadline per request,
 * bounded retries, and fast failure while the database is away.
 *
 *                 running < poolSize ──────────────► getConnection ─► work(conn) ─► release
 *   run(req) ──►  waiting < maxQueue ──► FIFO ──┘          │ deadlock (1213): retry after a short jittered pause
 *                 else ──► NMT_DB_OVERLOADED at once       │ connection lost: probe the server, retry on a new connection
 *                 state down ──► NMT_DB_UNAVAILABLE at once │ unreachable: mark down (below)
 *
 *   one sweep timer (not one per request) fails requests past their deadline with
 *   NMT_DB_TIMEOUT: a queued one is dropped (certainly not applied); a running one
 *   has its connection destroyed, so the server rolls its transaction back unless
 *   COMMIT was already sent.
 *
 *   up ──(cannot connect)──► down: pool ended, waiting requests failed, reconnect probe
 *    ▲                             after reconnectInitialMs, doubling up to reconnectMaxMs
 *    └──────────(probe connects)───┘  a fresh pool is created
 */
import mariadb from 'mariadb';
import type { Connection, Pool, PoolConnection } from 'mariadb';
import { connectionConfig, createPool, ping } from './mariadb-connection.ts';
import { DbError, DbErrorCode } from './errors.ts';
import { isConnectionLost, isDeadlock, isUnreachable, mapMariaDbError } from './mariadb-errors.ts';
import { Fifo } from './fifo.ts';
import type { MariaDbConnectionInfo, MariaDbSettings } from './config.ts';
import type { PoolGauges, StorageMetrics } from './stats.ts';
import type { OperationName, StorageState } from './types.ts';

/**
 * What a unit of work sees besides its connection: the metrics, and a flag it
 * sets just before sending COMMIT (from then on a failure leaves the outcome
 * unknown, which error messages must say).
 */
export interface Ticket {
  readonly metrics: StorageMetrics;
  committing: boolean;
}

/** A unit of work: a module-level function, run on a pooled connection, retried as a whole. */
export type Work<A, R> = (conn: PoolConnection, args: A, ticket: Ticket) => Promise<R>;

const WAITING = 0;
const RUNNING = 1;
const DONE = 2;

interface Request extends Ticket {
  op: OperationName;
  work: Work<unknown, unknown>;
  args: unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  t0: number;
  deadline: number;
  state: typeof WAITING | typeof RUNNING | typeof DONE;
  conn: PoolConnection | null;
}

const noop = (): void => undefined;

/** Re-reads the state after an await (the sweep may have finished the request meanwhile). */
function isDone(req: Request): boolean {
  return req.state === DONE;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** ±20 % jitter, so clients that failed together do not retry together. */
function jitter(ms: number): number {
  return Math.max(1, Math.round(ms * (0.8 + Math.random() * 0.4)));
}

/** Pool and admission control for one MariaDB database. */
export class MariaDbRunner {
  /** `host:port/database`, for messages (never the password). */
  readonly target: string;
  readonly #settings: Readonly<MariaDbSettings>;
  readonly #connection: Readonly<MariaDbConnectionInfo>;
  readonly #metrics: StorageMetrics;
  readonly #waiting = new Fifo<Request>(64);
  readonly #inflight = new Set<Request>();
  readonly #sweepEveryMs: number;
  #waitingLive = 0;
  #running = 0;
  #pool: Pool | null = null;
  #state: StorageState = 'up';
  #lastError: unknown = null;
  #downSince = 0;
  #reconnectDelayMs: number;
  #probeTimer: NodeJS.Timeout | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;
  #probing: Promise<boolean> | null = null;
  #onIdle: (() => void) | null = null;

  constructor(settings: Readonly<MariaDbSettings>, connection: Readonly<MariaDbConnectionInfo>, metrics: StorageMetrics) {
    this.#settings = settings;
    this.#connection = connection;
    this.#metrics = metrics;
    this.target = `${connection.host}:${connection.port}/${connection.database}`;
    this.#reconnectDelayMs = settings.reconnectInitialMs;
    this.#sweepEveryMs = Math.max(5, Math.min(100, Math.floor(settings.requestTimeoutMs / 10)));
    this.#pool = this.#createPool();
  }

  get state(): StorageState {
    return this.#state;
  }

  /** Current pool numbers (zeros while down). */
  gauges(): PoolGauges {
    const p = this.#pool;
    return {
      size: this.#settings.poolSize,
      inUse: p === null ? 0 : p.activeConnections(),
      idle: p === null ? 0 : p.idleConnections(),
      waiting: this.#waitingLive,
      maxWaiting: this.#settings.maxQueue,
    };
  }

  /** Facts for health(): since when and why the database is down. */
  downInfo(): { since: number; error: string } | null {
    if (this.#state !== 'down') return null;
    return { since: this.#downSince, error: this.#lastError instanceof Error ? this.#lastError.message.split('\n')[0] ?? '' : String(this.#lastError) };
  }

  /**
   * Runs `work` on a pooled connection. Rejects only with DbErrors:
   * OVERLOADED, UNAVAILABLE, TIMEOUT, CLOSED, or whatever `work` throws.
   */
  run<A, R>(op: OperationName, work: Work<A, R>, args: A, t0 = performance.now(), deadline = t0 + this.#settings.requestTimeoutMs): Promise<R> {
    if (this.#state === 'closed') return Promise.reject(new DbError(DbErrorCode.CLOSED, `the MariaDB storage for ${this.target} is closed`));
    if (this.#state === 'down') return Promise.reject(this.#downError(op));
    if (this.#running >= this.#settings.poolSize && this.#waitingLive >= this.#settings.maxQueue) {
      return Promise.reject(
        new DbError(
          DbErrorCode.OVERLOADED,
          `${op} refused: all ${this.#settings.poolSize} connections to ${this.target} are busy and ${this.#waitingLive} requests wait (maxQueue ${this.#settings.maxQueue}); ` +
            'nothing was applied. Back off, then retry with the same idempotency key',
        ),
      );
    }
    return new Promise<R>((resolve, reject) => {
      const req: Request = {
        op,
        work: work as Work<unknown, unknown>,
        args,
        resolve: resolve as (value: unknown) => void,
        reject,
        t0,
        deadline,
        state: WAITING,
        conn: null,
        metrics: this.#metrics,
        committing: false,
      };
      if (this.#running < this.#settings.poolSize) this.#start(req);
      else {
        this.#waiting.push(req);
        this.#waitingLive++;
      }
      if (this.#sweepTimer === null) {
        this.#sweepTimer = setInterval(this.#sweep, this.#sweepEveryMs);
        this.#sweepTimer.unref();
      }
    });
  }

  /**
   * A connection outside the pool (migrations, health probes). Marks the
   * database down when it cannot be reached. Rejects with a mapped DbError.
   */
  async connect(what: string): Promise<Connection> {
    try {
      return await mariadb.createConnection(connectionConfig(this.#settings, this.#connection));
    } catch (err) {
      if (isUnreachable(err) || isConnectionLost(err)) this.markDown(err);
      throw mapMariaDbError(err, what, this.target);
    }
  }

  /** Marks the database unreachable: fail fast, drop the pool, reconnect in the background. */
  markDown(err: unknown): void {
    if (this.#state !== 'up') return;
    this.#state = 'down';
    this.#lastError = err;
    this.#downSince = Date.now();
    this.#endPool();
    const failed: Request[] = [];
    for (let r = this.#waiting.shift(); r !== undefined; r = this.#waiting.shift()) if (r.state === WAITING) failed.push(r);
    for (const r of failed) this.#finish(r, this.#downError(r.op));
    this.#scheduleProbe();
  }

  /**
   * Stops accepting work, lets queued and running requests finish (each is
   * bounded by its deadline, so this cannot hang), then ends the pool.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#probeTimer !== null) clearTimeout(this.#probeTimer);
    this.#probeTimer = null;
    if (this.#inflight.size > 0 || this.#waitingLive > 0) await new Promise<void>((r) => (this.#onIdle = r));
    if (this.#sweepTimer !== null) clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
    const pool = this.#pool;
    this.#pool = null;
    if (pool !== null) await pool.end().catch(noop);
  }

  // ---- internals ----

  #createPool(): Pool {
    const pool = createPool(this.#settings, this.#connection);
    // The pool reports here that it cannot open connections (after initializationTimeout).
    (pool as unknown as NodeJS.EventEmitter).on('error', (err: unknown) => {
      if (isUnreachable(err)) this.markDown(err);
    });
    return pool;
  }

  #endPool(): void {
    const pool = this.#pool;
    this.#pool = null;
    if (pool !== null) pool.end().catch(noop);
  }

  #downError(op: OperationName): DbError {
    const why = this.#lastError instanceof Error ? this.#lastError.message.split('\n')[0] : String(this.#lastError);
    return new DbError(
      DbErrorCode.UNAVAILABLE,
      `${op}: MariaDB at ${this.target} is unreachable since ${new Date(this.#downSince).toISOString()} (${why}); ` +
        `reconnecting with backoff (next attempt within ${this.#reconnectDelayMs} ms). Nothing was applied; retry later with the same idempotency key`,
      { cause: this.#lastError },
    );
  }

  #scheduleProbe(): void {
    if (this.#state !== 'down' || this.#probeTimer !== null) return;
    this.#probeTimer = setTimeout(this.#onProbe, jitter(this.#reconnectDelayMs));
    this.#probeTimer.unref();
  }

  readonly #onProbe = (): void => {
    this.#probeTimer = null;
    void this.#ping().then((ok) => {
      if (this.#state !== 'down') return;
      if (ok) {
        this.#pool = this.#createPool();
        this.#state = 'up';
        this.#reconnectDelayMs = this.#settings.reconnectInitialMs;
      } else {
        this.#reconnectDelayMs = Math.min(this.#reconnectDelayMs * 2, this.#settings.reconnectMaxMs);
        this.#scheduleProbe();
      }
    });
  };

  /** One connect + `SELECT 1` outside the pool; concurrent callers share it. Never rejects. */
  #ping(): Promise<boolean> {
    this.#probing ??= ping(this.#settings, this.#connection).then((err) => {
      this.#probing = null;
      if (err === null) return true;
      this.#lastError = err;
      return false;
    });
    return this.#probing;
  }

  #start(req: Request): void {
    req.state = RUNNING;
    this.#running++;
    this.#inflight.add(req);
    this.#execute(req).catch((err: unknown) => this.#finish(req, mapMariaDbError(err, req.op, this.target, req.committing)));
  }

  async #execute(req: Request): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const pool = this.#pool;
      if (pool === null) return this.#finish(req, this.#downError(req.op));
      let conn: PoolConnection;
      try {
        conn = await pool.getConnection();
      } catch (err) {
        if (isUnreachable(err)) this.markDown(err);
        return this.#finish(req, this.#state === 'down' ? this.#downError(req.op) : mapMariaDbError(err, req.op, this.target));
      }
      if (isDone(req)) {
        // Timed out while waiting for the pool.
        conn.release().catch(noop);
        return;
      }
      if (attempt === 0) this.#metrics.acquired((performance.now() - req.t0) * 1000);
      req.conn = conn;
      let result: unknown;
      try {
        result = await req.work(conn, req.args, req);
      } catch (err) {
        // The sweep already answered TIMEOUT and destroyed the connection.
        if (isDone(req)) return;
        req.conn = null;
        const lost = isConnectionLost(err);
        if (lost) conn.destroy();
        else conn.release().catch(noop);
        const canRetry = attempt < this.#settings.maxRetries && !(err instanceof DbError) && performance.now() < req.deadline;
        if (canRetry && isDeadlock(err)) {
          this.#metrics.deadlockRetries++;
          await sleep(jitter(5 * (attempt + 1)));
          continue;
        }
        if (canRetry && lost && (await this.#ping())) {
          // The idempotency key makes this safe even if the lost COMMIT did apply: the retry then replays it.
          this.#metrics.connectionRetries++;
          req.committing = false;
          continue;
        }
        if (lost && this.#state === 'up' && !(await this.#ping())) this.markDown(err);
        return this.#finish(req, mapMariaDbError(err, req.op, this.target, req.committing));
      }
      if (isDone(req)) return;
      req.conn = null;
      conn.release().catch(noop);
      return this.#finish(req, null, result);
    }
  }

  #finish(req: Request, err: unknown, value?: unknown): void {
    if (req.state === DONE) return;
    if (req.state === RUNNING) {
      this.#running--;
      this.#inflight.delete(req);
    } else {
      this.#waitingLive--;
    }
    req.state = DONE;
    if (err === null) req.resolve(value);
    else req.reject(err);
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.#settings.poolSize && this.#waitingLive > 0) {
      const next = this.#waiting.shift() as Request;
      if (next.state !== WAITING) continue;
      this.#waitingLive--;
      this.#start(next);
    }
    if (this.#inflight.size === 0 && this.#waitingLive === 0) {
      if (this.#sweepTimer !== null) clearInterval(this.#sweepTimer);
      this.#sweepTimer = null;
      if (this.#onIdle !== null) {
        const idle = this.#onIdle;
        this.#onIdle = null;
        idle();
      }
    }
  }

  readonly #sweep = (): void => {
    const now = performance.now();
    let expired: Request[] | null = null;
    for (const r of this.#inflight) if (r.deadline <= now) (expired ??= []).push(r);
    if (this.#waitingLive > 0) {
      for (let i = 0; i < this.#waiting.length; i++) {
        const r = this.#waiting.at(i) as Request;
        if (r.state === WAITING && r.deadline <= now) (expired ??= []).push(r);
      }
    }
    if (expired === null) return;
    for (const r of expired) {
      const running = r.state === RUNNING;
      const conn = r.conn;
      r.conn = null;
      // Closing the connection makes the server roll back the open transaction.
      if (conn !== null) conn.destroy();
      const outcome = !running
        ? 'it waited for a connection the whole time and was not applied'
        : r.committing
          ? 'its COMMIT was in flight, so it may or may not have been applied'
          : 'its transaction was aborted, so it was not applied';
      this.#finish(
        r,
        new DbError(
          DbErrorCode.TIMEOUT,
          `${r.op} on ${this.target} took over requestTimeoutMs (${this.#settings.requestTimeoutMs} ms): ${outcome}. Retry with the same idempotency key`,
        ),
      );
    }
  };
}
