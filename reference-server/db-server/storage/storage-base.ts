/**
 * What the two backends share around their SQL: argument validation before
 * anything is queued, failure mapping and counting, the session-log and
 * pruning entry points, stats, and the pruning timer.
 *
 *   createPlayer(input) ─▶ checkReady, normalize ──(invalid)──▶ mapError, count, reject
 *                                   │
 *                                   ▼
 *                         execute(op, args, t0)     SQLite: read now / group-commit queue
 *                                                   MariaDB: runner (pool, deadline, retries)
 *
 * Idempotency itself (look up the key, store it with the result) happens
 * inside each backend's transaction: see idempotency.ts and player-rules.ts.
 */
import type { CommonSettings } from './config.ts';
import type { DbError } from './errors.ts';
import { PRUNE_BATCH } from './player-rules.ts';
import { StorageMetrics, type PoolGauges } from './stats.ts';
import type {
  BackendName,
  CreatePlayerInput,
  DeletePlayerInput,
  DeletePlayerResult,
  LogSessionsResult,
  OperationName,
  Player,
  SessionLogEntry,
  StorageState,
  StorageStats,
  TransferGoldInput,
  TransferGoldResult,
  UpdatePlayerInput,
} from './types.ts';
import {
  normalizeCreate,
  normalizeDelete,
  normalizeId,
  normalizeLogEntries,
  normalizeTimestamp,
  normalizeTransfer,
  normalizeUpdate,
  type NormalizedLogEntry,
} from './validation.ts';

/** Operations that go through {@link StorageBase.execute}. */
export type ExecutedOperation = 'createPlayer' | 'updatePlayer' | 'deletePlayer' | 'transferGold' | 'getPlayer' | 'totalGold' | 'countPlayers' | 'pruneIdempotencyKeys';

// Module-level normalizers: no closure per call.
const normalizeGetId = (id: number): number => normalizeId(id, 'getPlayer');
const normalizeNothing = (): null => null;
const normalizePruneBefore = (ms: number): number => normalizeTimestamp(ms, 'olderThanMs', 'pruneIdempotencyKeys');

/** The shared half of SqliteStorage and MariaDbStorage. */
export abstract class StorageBase {
  abstract readonly backend: BackendName;
  protected readonly metrics = new StorageMetrics();
  readonly #common: Readonly<CommonSettings>;
  #pruneTimer: NodeJS.Timeout | null = null;

  protected constructor(settings: Readonly<CommonSettings>) {
    this.#common = settings;
  }

  /** Throws NMT_DB_CLOSED or NMT_DB_NOT_READY. */
  protected abstract checkReady(): void;
  /** The backend's DbError for `err` (a DbError passes through). */
  protected abstract mapError(err: unknown, op: OperationName): DbError;
  /**
   * Runs validated arguments. Settles with the result or a mapped, counted
   * DbError; a synchronous throw is mapped and counted by the caller.
   */
  protected abstract execute(op: ExecutedOperation, args: unknown, t0: number): Promise<unknown>;
  /** Writes a logSessions call's validated, non-empty entries; resolves with how many were accepted. */
  protected abstract appendLog(entries: NormalizedLogEntry[], t0: number): Promise<number>;
  protected abstract get state(): StorageState;
  protected abstract poolGauges(): PoolGauges;

  createPlayer(input: CreatePlayerInput): Promise<Player> {
    return this.#call('createPlayer', normalizeCreate, input) as Promise<Player>;
  }

  updatePlayer(input: UpdatePlayerInput): Promise<Player> {
    return this.#call('updatePlayer', normalizeUpdate, input) as Promise<Player>;
  }

  deletePlayer(input: DeletePlayerInput): Promise<DeletePlayerResult> {
    return this.#call('deletePlayer', normalizeDelete, input) as Promise<DeletePlayerResult>;
  }

  transferGold(input: TransferGoldInput): Promise<TransferGoldResult> {
    return this.#call('transferGold', normalizeTransfer, input) as Promise<TransferGoldResult>;
  }

  getPlayer(id: number): Promise<Player | null> {
    return this.#call('getPlayer', normalizeGetId, id) as Promise<Player | null>;
  }

  totalGold(): Promise<number> {
    return this.#call('totalGold', normalizeNothing, null) as Promise<number>;
  }

  countPlayers(): Promise<number> {
    return this.#call('countPlayers', normalizeNothing, null) as Promise<number>;
  }

  async logSessions(entries: readonly SessionLogEntry[]): Promise<LogSessionsResult> {
    const t0 = performance.now();
    let normalized: NormalizedLogEntry[];
    try {
      this.checkReady();
      normalized = normalizeLogEntries(entries, this.#common.maxLogEntriesPerCall, Date.now());
    } catch (err) {
      throw this.failed('logSessions', t0, err);
    }
    if (normalized.length === 0) {
      this.metrics.operation('logSessions', t0, 0, null);
      return { accepted: 0 };
    }
    return { accepted: await this.appendLog(normalized, t0) };
  }

  async pruneIdempotencyKeys(olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      // One bounded batch per call, so neither the writer nor the row locks are held for long.
      const n = (await this.#call('pruneIdempotencyKeys', normalizePruneBefore, olderThanMs)) as number;
      total += n;
      if (n < PRUNE_BATCH) break;
    }
    this.metrics.pruned += total;
    return total;
  }

  async stats(options: { reset?: boolean } = {}): Promise<StorageStats> {
    const s = this.metrics.snapshot(this.backend, this.state, this.poolGauges());
    if (options.reset === true) this.metrics.reset();
    return s;
  }

  /** Maps and counts a failure of `op`. */
  protected failed(op: OperationName, t0: number, err: unknown): DbError {
    const e = this.mapError(err, op);
    this.metrics.operation(op, t0, 0, e.code);
    return e;
  }

  /** Starts the periodic pruning of old idempotency keys (once migrated), per the settings. */
  protected startPruning(): void {
    const { idempotencyRetentionMs: keep, idempotencyPruneIntervalMs: every } = this.#common;
    if (this.#pruneTimer !== null || keep === 0 || every === 0) return;
    this.#pruneTimer = setInterval(() => {
      // Failures are counted in stats (errorsByCode); the next tick tries again.
      this.pruneIdempotencyKeys(Date.now() - keep).catch(() => undefined);
    }, every);
    this.#pruneTimer.unref();
  }

  protected stopPruning(): void {
    if (this.#pruneTimer !== null) clearInterval(this.#pruneTimer);
    this.#pruneTimer = null;
  }

  #call<I, A>(op: ExecutedOperation, normalize: (input: I) => A, input: I): Promise<unknown> {
    const t0 = performance.now();
    try {
      this.checkReady();
      return this.execute(op, normalize(input), t0);
    } catch (err) {
      return Promise.reject(this.failed(op, t0, err));
    }
  }
}
