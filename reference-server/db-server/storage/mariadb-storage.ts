/**
 * The networked backend: MariaDB through the `mariadb` connector's pool.
 *
 * Request handling (queue, deadline, retries, reconnect) lives in
 * {@link MariaDbRunner}, the SQL in mariadb-operations.ts, session-log
 * group commit in {@link SessionLogBatcher}; this class validates arguments,
 * wires them together and keeps the counters.
 *
 * Durability: a write is acknowledged after COMMIT returned. With InnoDB's
 * default `innodb_flush_log_at_trx_commit = 1` the redo log is flushed at
 * every commit, so acknowledged writes survive kill -9 of the DBServer and a
 * restart (or crash) of MariaDB; health() reports the server's setting.
 */
import { DbError, DbErrorCode } from './errors.ts';
import { mapMariaDbError } from './mariadb-errors.ts';
import {
  PRUNE_BATCH,
  countPlayersWork,
  createPlayerWork,
  deletePlayerWork,
  getPlayerWork,
  logSessionsWork,
  pruneWork,
  serverFactsWork,
  totalGoldWork,
  transferGoldWork,
  updatePlayerWork,
} from './mariadb-operations.ts';
import { MariaDbRunner, type Work } from './mariadb-runner.ts';
import { MIGRATIONS, SCHEMA_VERSION_TABLE, runMigrations, type Migration, type MigrationTarget } from './migrations.ts';
import { SessionLogBatcher } from './session-log-batcher.ts';
import { StorageMetrics } from './stats.ts';
import type { MariaDbConnectionInfo, MariaDbSettings } from './config.ts';
import type {
  CreatePlayerInput,
  DeletePlayerInput,
  DeletePlayerResult,
  HealthReport,
  LogSessionsResult,
  MigrationResult,
  OperationName,
  Player,
  SessionLogEntry,
  Storage,
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
} from './validation.ts';

/** Longest wait for another process's migration to finish. */
const MIGRATION_LOCK_SECONDS = 30;
/** Health checks answer within this, whatever requestTimeoutMs is. */
const HEALTH_TIMEOUT_MS = 2000;

/** Extra, test-only construction options. */
export interface MariaDbStorageOptions {
  /** Migration list to apply instead of the built-in one (tests of the migration runner). */
  migrations?: readonly Migration[];
}

/** The MariaDB implementation of {@link Storage}. Create it with `createStorage`. */
export class MariaDbStorage implements Storage {
  readonly backend = 'mariadb' as const;
  /** `host:port/database` (no credentials). */
  readonly target: string;
  readonly #settings: Readonly<MariaDbSettings>;
  readonly #migrations: readonly Migration[];
  readonly #metrics = new StorageMetrics();
  readonly #runner: MariaDbRunner;
  readonly #batcher: SessionLogBatcher;
  #ready = false;
  #closing = false;
  #schemaVersion: number | null = null;
  #serverFacts: Record<string, string | number | null> = {};
  #pruneTimer: NodeJS.Timeout | null = null;

  /** Creates the pool (connections open in the background); call {@link migrate} before other operations. */
  constructor(settings: Readonly<MariaDbSettings>, connection: Readonly<MariaDbConnectionInfo>, options: MariaDbStorageOptions = {}) {
    this.#settings = settings;
    this.#migrations = options.migrations ?? MIGRATIONS;
    this.#runner = new MariaDbRunner(settings, connection, this.#metrics);
    this.target = this.#runner.target;
    this.#batcher = new SessionLogBatcher(
      (entries, t0, deadline) => this.#runner.run('logSessions', logSessionsWork, entries, t0, deadline),
      { maxBatchEntries: settings.logBatchMaxEntries, maxPendingEntries: settings.maxPendingLogEntries, requestTimeoutMs: settings.requestTimeoutMs },
      this.#metrics,
    );
  }

  async migrate(): Promise<MigrationResult> {
    const t0 = performance.now();
    try {
      this.#checkOpen();
      const conn = await this.#runner.connect('migrate');
      const lockName = `nmt_migrate_${this.target.slice(this.target.indexOf('/') + 1)}`;
      try {
        // Several DBServers may start at once; GET_LOCK serialises their migrations (DDL is not transactional here).
        const [lock] = (await conn.query('SELECT GET_LOCK(?, ?) AS locked', [lockName, MIGRATION_LOCK_SECONDS])) as { locked: number | null }[];
        if (lock?.locked !== 1) {
          throw new DbError(
            DbErrorCode.TIMEOUT,
            `migrate: another process held the migration lock ${lockName} on ${this.target} for over ${MIGRATION_LOCK_SECONDS} s; retry when it has finished`,
          );
        }
        const target: MigrationTarget = {
          dialect: 'mariadb',
          currentVersion: async () => {
            await conn.query(SCHEMA_VERSION_TABLE.mariadb);
            const [row] = (await conn.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version')) as { v: number }[];
            return Number(row?.v ?? 0);
          },
          apply: async (m, statements) => {
            // GET_LOCK above serialises migrators, so the version read by currentVersion() is still current.
            for (const sql of statements) await conn.query(sql);
            await conn.query('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
            return true;
          },
        };
        const result = await runMigrations(target, this.#migrations);
        const [facts] = (await conn.query(
          'SELECT VERSION() AS serverVersion, @@innodb_flush_log_at_trx_commit AS innodbFlushLogAtTrxCommit, @@sync_binlog AS syncBinlog, @@log_bin AS logBin',
        )) as Record<string, string | number | null>[];
        this.#serverFacts = facts ?? {};
        this.#schemaVersion = result.to;
        this.#ready = true;
        this.#startPruning();
        this.#metrics.operation('migrate', t0, result.applied.length, null);
        return result;
      } finally {
        await conn.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
        await conn.end().catch(() => conn.destroy());
      }
    } catch (err) {
      const e = mapMariaDbError(err, 'migrate', this.target);
      this.#metrics.operation('migrate', t0, 0, e.code);
      throw e;
    }
  }

  createPlayer(input: CreatePlayerInput): Promise<Player> {
    return this.#op('createPlayer', createPlayerWork, normalizeCreate, input, () => 1);
  }

  updatePlayer(input: UpdatePlayerInput): Promise<Player> {
    return this.#op('updatePlayer', updatePlayerWork, normalizeUpdate, input, () => 1);
  }

  deletePlayer(input: DeletePlayerInput): Promise<DeletePlayerResult> {
    return this.#op('deletePlayer', deletePlayerWork, normalizeDelete, input, () => 1);
  }

  transferGold(input: TransferGoldInput): Promise<TransferGoldResult> {
    return this.#op('transferGold', transferGoldWork, normalizeTransfer, input, () => 2);
  }

  getPlayer(id: number): Promise<Player | null> {
    return this.#op('getPlayer', getPlayerWork, (v: number) => normalizeId(v, 'getPlayer'), id, (p) => (p === null ? 0 : 1));
  }

  totalGold(): Promise<number> {
    return this.#op('totalGold', totalGoldWork, () => null, null, () => 1);
  }

  countPlayers(): Promise<number> {
    return this.#op('countPlayers', countPlayersWork, () => null, null, () => 1);
  }

  async logSessions(entries: readonly SessionLogEntry[]): Promise<LogSessionsResult> {
    const t0 = performance.now();
    let normalized;
    try {
      this.#checkReady();
      normalized = normalizeLogEntries(entries, this.#settings.maxLogEntriesPerCall, Date.now());
    } catch (err) {
      throw this.#failed('logSessions', t0, err);
    }
    if (normalized.length === 0) {
      this.#metrics.operation('logSessions', t0, 0, null);
      return { accepted: 0 };
    }
    // The batcher records the operation's counters itself (it knows when each call's batch committed).
    return { accepted: await this.#batcher.add(normalized, t0) };
  }

  async pruneIdempotencyKeys(olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.#op('pruneIdempotencyKeys', pruneWork, (v: number) => normalizeTimestamp(v, 'olderThanMs', 'pruneIdempotencyKeys'), olderThanMs, (x) => x);
      total += n;
      if (n < PRUNE_BATCH) break;
    }
    this.#metrics.pruned += total;
    return total;
  }

  async stats(options: { reset?: boolean } = {}): Promise<StorageStats> {
    const s = this.#metrics.snapshot('mariadb', this.#runner.state, this.#runner.gauges());
    if (options.reset === true) this.#metrics.reset();
    return s;
  }

  async health(): Promise<HealthReport> {
    const t0 = performance.now();
    const down = this.#runner.downInfo();
    const details: HealthReport['details'] = {
      target: this.target,
      ...this.#serverFacts,
      pendingLogEntries: this.#batcher.pendingEntries,
      downSince: down === null ? null : new Date(down.since).toISOString(),
    };
    const base = { backend: 'mariadb' as const, state: this.#runner.state, schemaVersion: this.#schemaVersion, details };
    if (this.#runner.state !== 'up') {
      const error =
        this.#runner.state === 'closed'
          ? { code: DbErrorCode.CLOSED, message: 'storage is closed' }
          : { code: DbErrorCode.UNAVAILABLE, message: `MariaDB at ${this.target} is unreachable: ${down?.error ?? 'unknown error'}` };
      return { ...base, ok: false, latencyMs: null, error };
    }
    try {
      const facts = await this.#runner.run('health', serverFactsWork, null, t0, t0 + Math.min(HEALTH_TIMEOUT_MS, this.#settings.requestTimeoutMs));
      Object.assign(details, facts);
      this.#metrics.operation('health', t0, 1, null);
      const ready = this.#ready;
      return {
        ...base,
        ok: ready,
        latencyMs: performance.now() - t0,
        error: ready ? null : { code: DbErrorCode.NOT_READY, message: 'migrate() has not succeeded yet' },
      };
    } catch (err) {
      const e = mapMariaDbError(err, 'health check', this.target);
      this.#metrics.operation('health', t0, 0, e.code);
      return { ...base, state: this.#runner.state, ok: false, latencyMs: null, error: { code: e.code, message: e.message } };
    }
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#pruneTimer !== null) clearInterval(this.#pruneTimer);
    this.#pruneTimer = null;
    // Session-log calls already accepted are written before the pool goes.
    await this.#batcher.drain();
    await this.#runner.close();
  }

  // ---- internals ----

  #checkOpen(): void {
    if (this.#closing) throw new DbError(DbErrorCode.CLOSED, `the MariaDB storage for ${this.target} is closed`);
  }

  #checkReady(): void {
    this.#checkOpen();
    if (!this.#ready) throw new DbError(DbErrorCode.NOT_READY, `the MariaDB storage for ${this.target} is not migrated yet: call migrate() first`);
  }

  #failed(op: OperationName, t0: number, err: unknown): DbError {
    const e = mapMariaDbError(err, op, this.target);
    this.#metrics.operation(op, t0, 0, e.code);
    return e;
  }

  async #op<I, A, R>(op: OperationName, work: Work<A, R>, normalize: (input: I) => A, input: I, rows: (r: R) => number): Promise<R> {
    const t0 = performance.now();
    try {
      this.#checkReady();
      const result = await this.#runner.run(op, work, normalize(input), t0);
      this.#metrics.operation(op, t0, rows(result), null);
      return result;
    } catch (err) {
      throw this.#failed(op, t0, err);
    }
  }

  #startPruning(): void {
    const { idempotencyRetentionMs: keep, idempotencyPruneIntervalMs: every } = this.#settings;
    if (this.#pruneTimer !== null || keep === 0 || every === 0) return;
    this.#pruneTimer = setInterval(() => {
      // Failures are counted in stats (errorsByCode); the next tick tries again.
      this.pruneIdempotencyKeys(Date.now() - keep).catch(() => undefined);
    }, every);
    this.#pruneTimer.unref();
  }
}
