/**
 * Versioned schema, the same logical tables on both backends. Each
 * migration has a number (1, 2, 3, ... with no gaps) and the statements that
 * take the schema from the previous version to it, once per dialect. The
 * table `schema_version` records every applied version; `migrate()` applies
 * the missing ones in order and is a no-op when the database is up to date.
 *
 * Statements use `IF NOT EXISTS` so that re-running a migration that failed
 * half-way is safe: MariaDB commits each DDL statement on its own, so a
 * migration there is not atomic (SQLite runs each one in a transaction).
 *
 * Tables (v1):
 *   players           id, name, level, gold, version, created_at, updated_at
 *   idempotency_keys  idem_key → operation, request_hash, result (JSON), created_at
 *   session_log       id, entry_key (unique, nullable), session_id, player_id, event, detail, at
 *
 * Times are BIGINT epoch milliseconds on both backends: no time-zone or
 * DATETIME-precision differences between them.
 */
import { DbErrorCode, DbError, DbValidationError, type DbIssue } from './errors.ts';
import type { MigrationResult } from './types.ts';

/** One schema step. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: readonly string[];
  readonly mariadb: readonly string[];
}

/** Creates the bookkeeping table; run before reading the current version. */
export const SCHEMA_VERSION_TABLE = Object.freeze({
  sqlite: 'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  mariadb:
    'CREATE TABLE IF NOT EXISTS schema_version (version INT NOT NULL PRIMARY KEY, name VARCHAR(128) NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
});

const MARIADB_TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';
// Keys are compared byte for byte: a case-insensitive collation would make `K1` and `k1` the same key.
const MARIADB_KEY = 'VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin';

/** Every migration this build knows, oldest first. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'players, idempotency keys, session log',
    sqlite: [
      // AUTOINCREMENT: ids of deleted players are never reused, so a stale id never names a new player.
      `CREATE TABLE IF NOT EXISTS players (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        level INTEGER NOT NULL DEFAULT 1 CHECK (level >= 0),
        gold INTEGER NOT NULL DEFAULT 0 CHECK (gold >= 0),
        version INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT`,
      'CREATE INDEX IF NOT EXISTS players_name ON players (name)',
      `CREATE TABLE IF NOT EXISTS idempotency_keys (
        idem_key TEXT NOT NULL PRIMARY KEY,
        operation TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID`,
      'CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON idempotency_keys (created_at)',
      `CREATE TABLE IF NOT EXISTS session_log (
        id INTEGER PRIMARY KEY,
        entry_key TEXT UNIQUE,
        session_id INTEGER NOT NULL,
        player_id INTEGER,
        event TEXT NOT NULL,
        detail TEXT,
        at INTEGER NOT NULL
      ) STRICT`,
      'CREATE INDEX IF NOT EXISTS session_log_player_at ON session_log (player_id, at)',
      'CREATE INDEX IF NOT EXISTS session_log_at ON session_log (at)',
    ],
    mariadb: [
      // InnoDB (10.2.4+) persists the AUTO_INCREMENT counter, so ids are not reused after a restart either.
      `CREATE TABLE IF NOT EXISTS players (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(64) NOT NULL,
        level INT NOT NULL DEFAULT 1,
        gold BIGINT NOT NULL DEFAULT 0,
        version BIGINT NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        CONSTRAINT players_level_nonneg CHECK (level >= 0),
        CONSTRAINT players_gold_nonneg CHECK (gold >= 0),
        KEY players_name (name)
      ) ${MARIADB_TABLE}`,
      `CREATE TABLE IF NOT EXISTS idempotency_keys (
        idem_key ${MARIADB_KEY} NOT NULL PRIMARY KEY,
        operation VARCHAR(32) CHARACTER SET ascii NOT NULL,
        request_hash CHAR(64) CHARACTER SET ascii NOT NULL,
        result TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        KEY idempotency_keys_created_at (created_at)
      ) ${MARIADB_TABLE}`,
      `CREATE TABLE IF NOT EXISTS session_log (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        entry_key ${MARIADB_KEY} NULL,
        session_id BIGINT NOT NULL,
        player_id BIGINT NULL,
        event VARCHAR(32) NOT NULL,
        detail VARCHAR(255) NULL,
        at BIGINT NOT NULL,
        UNIQUE KEY session_log_entry_key (entry_key),
        KEY session_log_player_at (player_id, at),
        KEY session_log_at (at)
      ) ${MARIADB_TABLE}`,
    ],
  },
] satisfies Migration[]);

/** The schema version this build creates. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/** What {@link runMigrations} needs from a backend. */
export interface MigrationTarget {
  readonly dialect: 'sqlite' | 'mariadb';
  /** Creates `schema_version` if missing; returns the highest applied version (0 when none). */
  currentVersion(): Promise<number>;
  /**
   * Runs the statements of one migration and records its version. Returns
   * false when the version turned out to be recorded already (another
   * process applied it meanwhile), true when this call applied it.
   */
  apply(migration: Migration, statements: readonly string[]): Promise<boolean>;
}

/** Problems in a migration list: versions must be 1..n without gaps, each with statements for both dialects. */
export function checkMigrations(migrations: readonly Migration[]): DbIssue[] {
  const issues: DbIssue[] = [];
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) issues.push({ path: `migrations[${i}].version`, message: `must be ${i + 1} (versions run 1..n without gaps), got ${m.version}` });
    if (m.sqlite.length === 0) issues.push({ path: `migrations[${i}].sqlite`, message: 'has no statements' });
    if (m.mariadb.length === 0) issues.push({ path: `migrations[${i}].mariadb`, message: 'has no statements' });
  });
  return issues;
}

/**
 * Brings the target's schema up to the last migration. Refuses (with
 * `NMT_DB_SCHEMA_TOO_NEW`) a database whose schema is newer than this build:
 * running old code against a newer schema could corrupt data.
 */
export async function runMigrations(target: MigrationTarget, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const issues = checkMigrations(migrations);
  if (issues.length > 0) throw new DbValidationError(DbErrorCode.CONFIG_INVALID, 'migration list', issues);
  const from = await target.currentVersion();
  const latest = migrations.length;
  if (from > latest) {
    throw new DbError(
      DbErrorCode.SCHEMA_TOO_NEW,
      `the ${target.dialect} database is at schema version ${from}, but this build knows only up to ${latest}: ` +
        'upgrade the DBServer, or point it at another database',
    );
  }
  const applied: number[] = [];
  for (const m of migrations.slice(from)) {
    if (await target.apply(m, target.dialect === 'sqlite' ? m.sqlite : m.mariadb)) applied.push(m.version);
  }
  return { from, to: Math.max(from, latest), applied };
}
