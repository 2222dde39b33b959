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
import type { PoolGauges } from './stats.ts';
import { StorageBase, type ExecutedOperation } from './storage-base.ts';
import type { MariaDbConnectionInfo, MariaDbSettings } from './config.ts';
import type { HealthReport, MigrationResult, OperationName, Player, Storage, StorageState } from './types.ts';
import type { NormalizedLogEntry } from './validation.ts';

/** Longest wait for another process's migration to finish. */
const MIGRATION_LOCK_SECONDS = 30;
/** Health checks answer within this, whatever requestTimeoutMs is. */
const HEALTH_TIMEOUT_MS = 2000;

const one = (): number => 1;
const two = (): number => 2;
const found = (p: Player | null): number => (p === null ? 0 : 1);
const itself = (n: number): number => n;

/** Each operation's unit of work and the rows it touched, for the counters. */
const WORK: Readonly<Record<ExecutedOperation, readonly [Work<never, unknown>, (result: never) => number]>> = {
  createPlayer: [createPlayerWork, one],
  updatePlayer: [updatePlayerWork, one],
  deletePlayer: [deletePlayerWork, one],
  transferGold: [transferGoldWork, two],
  getPlayer: [getPlayerWork, found],
  totalGold: [totalGoldWork, one],
  countPlayers: [countPlayersWork, one],
  pruneIdempotencyKeys: [pruneWork, itself],
};

/** Extra, test-only construction options. */
export interface MariaDbStorageOptions {
  /** Migration list to apply instead of the built-in one (tests of the migration runner). */
  migrations?: readonly Migration[];
}

/** The MariaDB implementation of {@link Storage}. Create it with `createStorage`. */
export class MariaDbStorage extends StorageBase implements Storage {
  readonly backend = 'mariadb' as const;
  /** `host:port/database` (no credentials). */
  readonly target: string;
  readonly #settings: Readonly<MariaDbSettings>;
  readonly #migrations: readonly Migration[];
  readonly #runner: MariaDbRunner;
  readonly #batcher: SessionLogBatcher;
  #ready = false;
  #closing = false;
  #schemaVersion: number | null = null;
  #serverFacts: Record<string, string | number | null> = {};

  /** Creates the pool (connections open in the background); call {@link migrate} before other operations. */
  constructor(settings: Readonly<MariaDbSettings>, connection: Readonly<MariaDbConnectionInfo>, options: MariaDbStorageOptions = {}) {
    super(settings);
    this.#settings = settings;
    this.#migrations = options.migrations ?? MIGRATIONS;
    this.#runner = new MariaDbRunner(settings, connection, this.metrics);
    this.target = this.#runner.target;
    this.#batcher = new SessionLogBatcher(
      (entries, t0, deadline) => this.#runner.run('logSessions', logSessionsWork, entries, t0, deadline),
      { maxBatchEntries: settings.logBatchMaxEntries, maxPendingEntries: settings.maxPendingLogEntries, requestTimeoutMs: settings.requestTimeoutMs },
      this.metrics,
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
        this.startPruning();
        this.metrics.operation('migrate', t0, result.applied.length, null);
        return result;
      } finally {
        await conn.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
        await conn.end().catch(() => conn.destroy());
      }
    } catch (err) {
      const e = mapMariaDbError(err, 'migrate', this.target);
      this.metrics.operation('migrate', t0, 0, e.code);
      throw e;
    }
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
      this.metrics.operation('health', t0, 1, null);
      const ready = this.#ready;
      return {
        ...base,
        ok: ready,
        latencyMs: performance.now() - t0,
        error: ready ? null : { code: DbErrorCode.NOT_READY, message: 'migrate() has not succeeded yet' },
      };
    } catch (err) {
      const e = mapMariaDbError(err, 'health check', this.target);
      this.metrics.operation('health', t0, 0, e.code);
      return { ...base, state: this.#runner.state, ok: false, latencyMs: null, error: { code: e.code, message: e.message } };
    }
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.stopPruning();
    // Session-log calls already accepted are written before the pool goes.
    await this.#batcher.drain();
    await this.#runner.close();
  }

  // ---- internals ----

  #checkOpen(): void {
    if (this.#closing) throw new DbError(DbErrorCode.CLOSED, `the MariaDB storage for ${this.target} is closed`);
  }

  protected checkReady(): void {
    this.#checkOpen();
    if (!this.#ready) throw new DbError(DbErrorCode.NOT_READY, `the MariaDB storage for ${this.target} is not migrated yet: call migrate() first`);
  }

  protected mapError(err: unknown, op: OperationName): DbError {
    return mapMariaDbError(err, op, this.target);
  }

  protected execute(op: ExecutedOperation, args: unknown, t0: number): Promise<unknown> {
    const [work, rows] = WORK[op];
    return this.#runner.run(op, work as Work<unknown, unknown>, args, t0).then(
      (result) => {
        this.metrics.operation(op, t0, (rows as (r: unknown) => number)(result), null);
        return result;
      },
      (err: unknown) => Promise.reject(this.failed(op, t0, err)),
    );
  }

  protected appendLog(entries: NormalizedLogEntry[], t0: number): Promise<number> {
    // The batcher records the operation's counters itself (it knows when each call's batch committed).
    return this.#batcher.add(entries, t0);
  }

  protected get state(): StorageState {
    return this.#runner.state;
  }

  protected poolGauges(): PoolGauges {
    return this.#runner.gauges();
  }
}
