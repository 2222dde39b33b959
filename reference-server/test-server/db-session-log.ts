/**
 * Session log through DBServer, batched: each connected session adds one
 * `connect` entry; entries are sent as one DbLogSessionsReq per flush
 * (every `flushIntervalMs`, or at once when `maxBatch` entries wait).
 *
 * Each entry has a key `<bootId>:<sessionId>:connect` (bootId is random per
 * process, since session ids restart at 1), so a batch retried after a
 * Timeout or a lost link is never stored twice. A failed batch is put back
 * and retried on the next flush; at most `maxPending` entries wait — beyond
 * that the oldest are dropped and counted (a log must not grow without bound
 * while DBServer is away).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { DB_LOG_SESSIONS_BASE_SIZE, dbLogEntrySize, type DbSessionLogEntry } from '../../protocol/db-packets.ts';
import { MAX_WIRE_PACKET_SIZE } from '../../protocol/index.ts';
import { GameStatus, gameStatusName } from '../../protocol/game-packets.ts';
import type { DbClient } from './db-client.ts';

export interface SessionLogOptions {
  /** Default 100 ms. */
  flushIntervalMs?: number;
  /** Entries per request at most (also cut to fit one packet). Default 500. */
  maxBatch?: number;
  /** Entries waiting at most; older ones are dropped beyond it. Default 100,000. */
  maxPending?: number;
  logger?: Logger;
}

export const SESSION_LOG_DEFAULTS = Object.freeze({ flushIntervalMs: 100, maxBatch: 500, maxPending: 100_000 });

export interface SessionLogStats {
  queued: number;
  stored: number;
  failedBatches: number;
  dropped: number;
}

export class SessionLogForwarder {
  private queue: DbSessionLogEntry[] = [];
  private inFlight = false;
  private readonly bootId = randomBytes(6).toString('hex');
  private readonly timer: NodeJS.Timeout;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly log: Logger | null;
  readonly stats: SessionLogStats = { queued: 0, stored: 0, failedBatches: 0, dropped: 0 };

  constructor(
    private readonly db: DbClient,
    options: SessionLogOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? SESSION_LOG_DEFAULTS.flushIntervalMs;
    this.maxBatch = options.maxBatch ?? SESSION_LOG_DEFAULTS.maxBatch;
    this.maxPending = options.maxPending ?? SESSION_LOG_DEFAULTS.maxPending;
    this.log = options.logger ?? null;
    this.timer = setInterval(() => this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Queues a `connect` entry for a session. Cheap: no I/O until the next flush. */
  connected(sessionId: number, remoteAddress: string): void {
    this.add({ key: `${this.bootId}:${sessionId}:connect`, sessionId, event: 'connect', detail: remoteAddress.slice(0, 255), at: Date.now() });
  }

  private add(entry: DbSessionLogEntry): void {
    this.queue.push(entry);
    this.stats.queued++;
    if (this.queue.length > this.maxPending) {
      const drop = this.queue.length - this.maxPending;
      this.queue.splice(0, drop);
      this.stats.dropped += drop;
    }
    if (this.queue.length >= this.maxBatch) this.flush();
  }

  /** Sends one batch now if none is in flight. */
  flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    let size = DB_LOG_SESSIONS_BASE_SIZE;
    let n = 0;
    while (n < this.queue.length && n < this.maxBatch) {
      const s = dbLogEntrySize(this.queue[n]!);
      if (size + s > MAX_WIRE_PACKET_SIZE) break;
      size += s;
      n++;
    }
    const batch = this.queue.splice(0, n);
    this.inFlight = true;
    void this.db.request({ op: 'logSessions', entries: batch }).then((res) => {
      this.inFlight = false;
      if (res.status === GameStatus.Ok) {
        this.stats.stored += batch.length;
        return;
      }
      this.stats.failedBatches++;
      if (res.status === GameStatus.Invalid || res.status === GameStatus.Internal) {
        // Retrying would fail the same way: drop the batch, say so.
        this.stats.dropped += batch.length;
        this.log?.error({ status: gameStatusName(res.status), entries: batch.length }, 'session log batch refused by DBServer; dropped');
        return;
      }
      this.queue.unshift(...batch);
    });
  }

  /** Stops the timer; entries still queued are not sent. */
  close(): void {
    clearInterval(this.timer);
  }

  /** Entries waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }
}
