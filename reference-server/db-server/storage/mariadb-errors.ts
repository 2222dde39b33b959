/**
 * Classifies `mariadb` connector errors and turns them into
 * {@link DbError}s whose message says what failed, where and what to do.
 *
 *   class          examples                                   handling
 *   deadlock       1213 ER_LOCK_DEADLOCK, 1020 ER_CHECKREAD    retry the transaction (bounded)
 *   connection     fatal errors, ECONNRESET, socket closed     retry on a fresh connection (bounded)
 *   unreachable    ECONNREFUSED, pool cannot connect           mark the database down, reconnect with backoff
 *   misconfigured  1045 access denied, 1049 unknown database   fail: fix the URL or grants
 *   lock wait      1205 ER_LOCK_WAIT_TIMEOUT                   NMT_DB_TIMEOUT
 */
import { DbError, DbErrorCode } from './errors.ts';

const DEADLOCK = new Set([1213, 1020]);
const LOCK_WAIT_TIMEOUT = 1205;
const DUPLICATE_KEY = 1062;
// 1045 access denied, 1044 no access to the database, 1049 unknown database, 1698 access denied (unix socket auth), 1227 missing privilege.
const MISCONFIGURED = new Set([1044, 1045, 1049, 1227, 1698]);
// Socket-level failures of an established or new connection.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'ER_CONNECTION_TIMEOUT',
  'ER_CONNECTION_ALREADY_CLOSED',
  'ER_CMD_CONNECTION_CLOSED',
  'ER_CMD_NOT_EXECUTED_DESTROYED',
  'ER_SOCKET',
  'ER_SOCKET_TIMEOUT',
  'ER_PING_TIMEOUT',
  'ER_INITIAL_TIMEOUT_ERROR',
]);
// The pool could not hand out a connection because it cannot open one (the database is down).
const POOL_UNREACHABLE = new Set(['ER_POOL_NOT_INITIALIZED', 'ER_POOL_NO_CONNECTION', 'ER_POOL_ALREADY_CLOSED', 'ER_CLOSING_POOL', 'ER_ADD_CONNECTION_CLOSED_POOL']);
// Server errors saying it is going away (shutdown in progress, connection killed).
const SERVER_GOING_AWAY = new Set([1053, 1077, 1078, 1079, 1152, 1153, 1158, 1159, 1160, 1161, 1927, 2006, 2013]);

interface DriverError {
  errno?: unknown;
  code?: unknown;
  fatal?: unknown;
  cause?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
}

function asDriverError(err: unknown): DriverError {
  return typeof err === 'object' && err !== null ? (err as DriverError) : {};
}

/** Server or client error number, or null. */
export function errnoOf(err: unknown): number | null {
  const n = asDriverError(err).errno;
  return typeof n === 'number' ? n : null;
}

function codeOf(err: unknown): string {
  const c = asDriverError(err).code;
  return typeof c === 'string' ? c : '';
}

export function isDeadlock(err: unknown): boolean {
  const n = errnoOf(err);
  return n !== null && DEADLOCK.has(n);
}

export function isDuplicateKey(err: unknown): boolean {
  return errnoOf(err) === DUPLICATE_KEY;
}

/** The connection that raised this error is unusable; the request may be retried on another one. */
export function isConnectionLost(err: unknown): boolean {
  const e = asDriverError(err);
  const n = errnoOf(err);
  return e.fatal === true || NETWORK_CODES.has(codeOf(err)) || (n !== null && SERVER_GOING_AWAY.has(n));
}

/** The error says the database cannot be reached at all (not merely that one connection broke). */
export function isUnreachable(err: unknown): boolean {
  const code = codeOf(err);
  if (POOL_UNREACHABLE.has(code)) return true;
  if (code === 'ER_GET_CONNECTION_TIMEOUT') {
    // The pool timed out; it is "unreachable" only if its last attempt to connect failed.
    const cause = asDriverError(err).cause;
    return cause !== undefined && cause !== null && (isConnectionLost(cause) || NETWORK_CODES.has(codeOf(cause)));
  }
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ER_CONNECTION_TIMEOUT';
}

export function isMisconfigured(err: unknown): boolean {
  const n = errnoOf(err);
  return n !== null && MISCONFIGURED.has(n);
}

function detail(err: unknown): string {
  const e = asDriverError(err);
  const msg = typeof e.sqlMessage === 'string' ? e.sqlMessage : err instanceof Error ? err.message : String(err);
  const code = codeOf(err);
  const cause = e.cause instanceof Error ? ` (cause: ${e.cause.message})` : '';
  return `${code === '' ? '' : `${code}: `}${msg.split('\n')[0]}${cause}`;
}

/**
 * Maps a driver error raised while doing `what` against `target` (a
 * redacted `host:port/database`). `mayBeApplied` is true when a write may
 * have committed before the error (the COMMIT was sent); the message then
 * says the outcome is unknown. DbErrors pass through unchanged.
 */
export function mapMariaDbError(err: unknown, what: string, target: string, mayBeApplied = false): DbError {
  if (err instanceof DbError) return err;
  const opts = { cause: err };
  const outcome = mayBeApplied ? 'the write may or may not have been applied' : 'nothing was applied';
  if (isMisconfigured(err)) {
    return new DbError(
      DbErrorCode.MISCONFIGURED,
      `${what}: MariaDB at ${target} refused us (${detail(err)}). Check the user, password and database in the URL (NMT_MARIADB_URL) and the user's grants; retrying will not help`,
      opts,
    );
  }
  if (isDeadlock(err)) {
    return new DbError(DbErrorCode.TIMEOUT, `${what}: deadlocked repeatedly on ${target} (${detail(err)}); ${outcome}. Retry with the same idempotency key`, opts);
  }
  if (errnoOf(err) === LOCK_WAIT_TIMEOUT) {
    return new DbError(DbErrorCode.TIMEOUT, `${what}: waited too long for a row lock on ${target} (${detail(err)}); ${outcome}. Retry with the same idempotency key`, opts);
  }
  if (codeOf(err) === 'ER_GET_CONNECTION_TIMEOUT' && !isUnreachable(err)) {
    return new DbError(DbErrorCode.TIMEOUT, `${what}: no pooled connection to ${target} became free in time (${detail(err)}); ${outcome}. Retry with the same idempotency key`, opts);
  }
  if (isUnreachable(err) || isConnectionLost(err)) {
    return new DbError(
      DbErrorCode.UNAVAILABLE,
      `${what}: MariaDB at ${target} is unreachable (${detail(err)}); ${outcome}. Retry later with the same idempotency key`,
      opts,
    );
  }
  return new DbError(DbErrorCode.QUERY_FAILED, `${what} failed on ${target}: ${detail(err)}`, opts);
}
