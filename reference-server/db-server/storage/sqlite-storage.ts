/**
 * The embedded backend: one better-sqlite3 connection in WAL mode.
 *
 * better-sqlite3 is synchronous, so every statement blocks the event loop.
 * Reads run at once (short, and WAL readers never wait for the writer);
 * writes go through {@link SqliteWriteQueue}, which commits the writes of one
 * event-loop turn in one transaction (group commit) and settles each
 * caller's promise only after COMMIT returned, so an acknowledged write is
 * on disk.
 *
 * Durability: `synchronous = FULL` (default) fsyncs the WAL at every commit,
 * so an acknowledged write survives kill -9 *and* power loss; group commit
 * keeps that at one fsync per batch. `NORMAL` skips that fsync (WAL commits
 * still survive kill -9, not power loss) — see docs/database.md.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DbError, DbErrorCode } from './errors.ts';
import { MIGRATIONS, SCHEMA_VERSION_TABLE, runMigrations, type Migration, type MigrationTarget } from './migrations.ts';
import type { PoolGauges } from './stats.ts';
import { StorageBase, type ExecutedOperation } from './storage-base.ts';
import { openSqlite, type SqliteDatabase } from './sqlite-driver.ts';
import { mapSqliteError } from './sqlite-errors.ts';
import { SqliteWriteQueue } from './sqlite-write-queue.ts';
import {
  SqliteStatements,
  execCreatePlayer,
  execDeletePlayer,
  execLogSessions,
  execPrune,
  execTransferGold,
  execUpdatePlayer,
  readPlayer,
  type SqliteWrite,
} from './sqlite-operations.ts';
import type { SqliteSettings } from './config.ts';
import type { HealthReport, MigrationResult, OperationName, Storage, StorageState } from './types.ts';
import type { NormalizedLogEntry } from './validation.ts';

/** The group-committed operations: executor and rows written. */
const WRITES: Readonly<Record<'createPlayer' | 'updatePlayer' | 'deletePlayer' | 'transferGold' | 'pruneIdempotencyKeys', readonly [SqliteWrite<never>, number]>> = {
  createPlayer: [execCreatePlayer, 1],
  updatePlayer: [execUpdatePlayer, 1],
  deletePlayer: [execDeletePlayer, 1],
  transferGold: [execTransferGold, 2],
  pruneIdempotencyKeys: [execPrune, 0],
};

/** Extra, test-only construction options. */
export interface SqliteStorageOptions {
  /** Migration list to apply instead of the built-in one (tests of the migration runner). */
  migrations?: readonly Migration[];
}

/** The SQLite implementation of {@link Storage}. Create it with `createStorage` or {@link SqliteStorage.open}. */
export class SqliteStorage extends StorageBase implements Storage {
  readonly backend = 'sqlite' as const;
  /** Absolute path of the database file. */
  readonly path: string;
  readonly #settings: Readonly<SqliteSettings>;
  readonly #migrations: readonly Migration[];
  readonly #db: SqliteDatabase;
  #stmts: SqliteStatements | null = null;
  #queue: SqliteWriteQueue | null = null;
  #state: StorageState = 'up';
  #schemaVersion: number | null = null;

  private constructor(settings: Readonly<SqliteSettings>, db: SqliteDatabase, path: string, options: SqliteStorageOptions) {
    super(settings);
    this.#settings = settings;
    this.#db = db;
    this.path = path;
    this.#migrations = options.migrations ?? MIGRATIONS;
  }

  /**
   * Creates the data directory if missing, opens the database and switches
   * it to WAL. Throws `NMT_DB_MISCONFIGURED` when the directory or file is
   * unusable. Call {@link migrate} before any other operation.
   */
  static open(settings: Readonly<SqliteSettings>, options: SqliteStorageOptions = {}): SqliteStorage {
    const dir = resolve(settings.dataDir);
    const path = join(dir, settings.fileName);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new DbError(DbErrorCode.MISCONFIGURED, `cannot create the SQLite data directory ${dir}: ${(err as Error).message}. Set dataDir to a writable directory`, {
        cause: err,
      });
    }
    let db: SqliteDatabase;
    try {
      db = openSqlite(path, { timeout: settings.busyTimeoutMs });
    } catch (err) {
      throw mapSqliteError(err, 'opening the database', path);
    }
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') {
        throw new DbError(DbErrorCode.MISCONFIGURED, `${path}: the file system refused WAL mode (journal_mode is ${String(mode)}); put dataDir on a local disk`);
      }
      db.pragma(`synchronous = ${settings.synchronous}`);
      db.pragma(`wal_autocheckpoint = ${settings.walAutocheckpointPages}`);
    } catch (err) {
      db.close();
      throw mapSqliteError(err, 'configuring the database', path);
    }
    return new SqliteStorage(settings, db, path, options);
  }

  async migrate(): Promise<MigrationResult> {
    const t0 = performance.now();
    try {
      this.#checkOpen();
      const db = this.#db;
      // Startup only: wait for another process's write lock as long as a request may take.
      db.pragma(`busy_timeout = ${this.#settings.requestTimeoutMs}`);
      const target: MigrationTarget = {
        dialect: 'sqlite',
        currentVersion: async () => {
          db.exec(SCHEMA_VERSION_TABLE.sqlite);
          return Number(db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_version').pluck().get());
        },
        apply: async (m, statements) => {
          db.exec('BEGIN IMMEDIATE');
          try {
            // Re-check under the write lock: another connection may have applied it since currentVersion().
            const done = db.prepare('SELECT 1 FROM schema_version WHERE version = ?').get(m.version) !== undefined;
            if (!done) {
              for (const sql of statements) db.exec(sql);
              db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
            }
            db.exec('COMMIT');
            return !done;
          } catch (err) {
            if (db.inTransaction) db.exec('ROLLBACK');
            throw err;
          }
        },
      };
      let result: MigrationResult;
      try {
        result = await runMigrations(target, this.#migrations);
      } finally {
        db.pragma(`busy_timeout = ${this.#settings.busyTimeoutMs}`);
      }
      if (this.#stmts === null) {
        this.#stmts = new SqliteStatements(db, this.metrics);
        this.#queue = new SqliteWriteQueue(db, this.#stmts, this.metrics, this.#settings, this.path);
      }
      this.#schemaVersion = result.to;
      this.startPruning();
      this.metrics.operation('migrate', t0, result.applied.length, null);
      return result;
    } catch (err) {
      const e = mapSqliteError(err, 'migrating the schema', this.path);
      this.metrics.operation('migrate', t0, 0, e.code);
      throw e;
    }
  }

  async health(): Promise<HealthReport> {
    const t0 = performance.now();
    const details: HealthReport['details'] = {
      path: this.path,
      synchronous: this.#settings.synchronous,
      queued: this.#queue?.length ?? 0,
    };
    const base = { backend: 'sqlite' as const, state: this.#state, schemaVersion: this.#schemaVersion, details };
    if (this.#state === 'closed') {
      return { ...base, ok: false, latencyMs: null, error: { code: DbErrorCode.CLOSED, message: 'storage is closed' } };
    }
    try {
      details.journalMode = String(this.#db.pragma('journal_mode', { simple: true }));
      details.sqliteVersion = String(this.#db.prepare('SELECT sqlite_version()').pluck().get());
      const latencyMs = performance.now() - t0;
      const ready = this.#stmts !== null;
      this.metrics.operation('health', t0, 0, null);
      return {
        ...base,
        ok: ready,
        latencyMs,
        error: ready ? null : { code: DbErrorCode.NOT_READY, message: 'migrate() has not succeeded yet' },
      };
    } catch (err) {
      const e = mapSqliteError(err, 'health check', this.path);
      this.metrics.operation('health', t0, 0, e.code);
      return { ...base, ok: false, latencyMs: null, error: { code: e.code, message: e.message } };
    }
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.stopPruning();
    this.#queue?.close();
    try {
      // Fold the WAL into the database file so a clean shutdown leaves one file.
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Another process reading the file can block the truncate; the WAL is simply kept.
    }
    this.#db.close();
  }

  // ---- internals ----

  #checkOpen(): void {
    if (this.#state === 'closed') throw new DbError(DbErrorCode.CLOSED, `the SQLite storage at ${this.path} is closed`);
  }

  protected checkReady(): void {
    this.#checkOpen();
    if (this.#stmts === null) throw new DbError(DbErrorCode.NOT_READY, `the SQLite storage at ${this.path} is not migrated yet: call migrate() first`);
  }

  protected mapError(err: unknown, op: OperationName): DbError {
    return mapSqliteError(err, op, this.path);
  }

  protected execute(op: ExecutedOperation, args: unknown, t0: number): Promise<unknown> {
    const s = this.#stmts as SqliteStatements;
    if (op === 'getPlayer') {
      // Reads run at once: short, and WAL readers never wait for the writer.
      const player = readPlayer(s, args as number);
      this.metrics.operation(op, t0, player === null ? 0 : 1, null);
      return Promise.resolve(player);
    }
    if (op === 'totalGold' || op === 'countPlayers') {
      const v = Number(s.get(op === 'totalGold' ? s.sumGold : s.countPlayers));
      this.metrics.operation(op, t0, 1, null);
      return Promise.resolve(v);
    }
    const [exec, rows] = WRITES[op];
    return (this.#queue as SqliteWriteQueue).enqueue(op, exec as SqliteWrite<unknown>, args, rows, t0);
  }

  protected async appendLog(entries: NormalizedLogEntry[], t0: number): Promise<number> {
    const accepted = (await (this.#queue as SqliteWriteQueue).enqueue('logSessions', execLogSessions, entries, entries.length, t0)) as number;
    this.metrics.logCalls++;
    this.metrics.logEntries += accepted;
    return accepted;
  }

  protected get state(): StorageState {
    return this.#state;
  }

  protected poolGauges(): PoolGauges {
    return { size: 1, inUse: 0, idle: this.#state === 'closed' ? 0 : 1, waiting: this.#queue?.length ?? 0, maxWaiting: this.#settings.maxQueue };
  }
}
