/**
 * Turns better-sqlite3 errors into {@link DbError}s whose message says what
 * failed, where, and what to do.
 */
import { DbError, DbErrorCode } from './errors.ts';
import { sqliteCode } from './sqlite-driver.ts';

/** True for the lock-contention codes that a later attempt can get past. */
export function isSqliteBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== null && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Maps a driver error raised while doing `what` on the database at `path`.
 * DbErrors pass through unchanged. `applied` says whether a write can have
 * been committed (only false is possible here: SQLite reports errors before
 * COMMIT succeeds), and is reflected in the message.
 */
export function mapSqliteError(err: unknown, what: string, path: string): DbError {
  if (err instanceof DbError) return err;
  const code = sqliteCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  const opts = { cause: err };
  if (code === null) return new DbError(DbErrorCode.QUERY_FAILED, `${what} failed on ${path}: ${detail}`, opts);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DbError(
      DbErrorCode.TIMEOUT,
      `${what}: ${path} is locked by another process (${code}); nothing was applied. ` +
        'Make sure only one DBServer uses this data directory, then retry with the same idempotency key',
      opts,
    );
  }
  if (code === 'SQLITE_FULL') {
    return new DbError(DbErrorCode.UNAVAILABLE, `${what}: the disk holding ${path} is full (${code}); nothing was applied. Free space, then retry with the same idempotency key`, opts);
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new DbError(
      DbErrorCode.MISCONFIGURED,
      `${what}: cannot write ${path} (${code}: ${detail}). Check that the data directory exists, is writable by this user and is on a local file system`,
      opts,
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new DbError(
      DbErrorCode.MISCONFIGURED,
      `${what}: ${path} is not a valid SQLite database or is corrupt (${code}). Restore it from a backup or point dataDir at an empty directory`,
      opts,
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_NOMEM' || code === 'SQLITE_PROTOCOL') {
    return new DbError(DbErrorCode.UNAVAILABLE, `${what}: I/O error on ${path} (${code}: ${detail}); nothing was applied. Retry with the same idempotency key`, opts);
  }
  return new DbError(DbErrorCode.QUERY_FAILED, `${what} failed on ${path} (${code}): ${detail}`, opts);
}
