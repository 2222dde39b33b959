/**
 * Errors of the DBServer storage layer. Every error carries a stable `code`
 * (`NMT_DB_*`) and a `retryable` flag; callers and tests match on the code,
 * never on the message. docs/database.md lists every code with what the
 * caller should do about it.
 *
 * `retryable: true` means: sending the *same* request again, with the *same*
 * idempotency key, is safe and may succeed later. It never means "retry with
 * a new key" — for writes whose outcome is unknown (TIMEOUT, UNAVAILABLE) a
 * new key could apply the write twice.
 */

/** Stable error codes of the storage layer. */
export const DbErrorCode = {
  /** The player (or other row) does not exist. */
  NOT_FOUND: 'NMT_DB_NOT_FOUND',
  /** `expectedVersion` did not match the row's current version. */
  VERSION_CONFLICT: 'NMT_DB_VERSION_CONFLICT',
  /** A transfer would take the sender's gold below zero; nothing was changed. */
  INSUFFICIENT_FUNDS: 'NMT_DB_INSUFFICIENT_FUNDS',
  /** A write would take a balance above the largest storable amount; nothing was changed. */
  BALANCE_OVERFLOW: 'NMT_DB_BALANCE_OVERFLOW',
  /** The idempotency key was already used for a different operation or different parameters. */
  IDEMPOTENCY_CONFLICT: 'NMT_DB_IDEMPOTENCY_CONFLICT',
  /** The database cannot be reached or failed (connection refused or lost, disk full, I/O error). */
  UNAVAILABLE: 'NMT_DB_UNAVAILABLE',
  /** The request did not finish within its deadline. */
  TIMEOUT: 'NMT_DB_TIMEOUT',
  /** The wait queue is full; the request was refused at once without touching the database. */
  OVERLOADED: 'NMT_DB_OVERLOADED',
  /** A request argument is invalid; `issues` lists every problem. */
  INVALID_ARGUMENT: 'NMT_DB_INVALID_ARGUMENT',
  /** The storage configuration is invalid; `issues` lists every problem. */
  CONFIG_INVALID: 'NMT_DB_CONFIG_INVALID',
  /** The database refused our credentials, the database does not exist, or the data directory is unusable. */
  MISCONFIGURED: 'NMT_DB_MISCONFIGURED',
  /** The database schema is newer than this build knows; refusing to run against it. */
  SCHEMA_TOO_NEW: 'NMT_DB_SCHEMA_TOO_NEW',
  /** An operation was called before `migrate()` succeeded. */
  NOT_READY: 'NMT_DB_NOT_READY',
  /** The storage was closed. */
  CLOSED: 'NMT_DB_CLOSED',
  /** The database rejected a statement for a reason this layer does not expect (a bug); `cause` holds the driver error. */
  QUERY_FAILED: 'NMT_DB_QUERY_FAILED',
} as const;
export type DbErrorCode = (typeof DbErrorCode)[keyof typeof DbErrorCode];

/** Codes for which resending the same request with the same idempotency key is safe and may succeed. */
const RETRYABLE: ReadonlySet<DbErrorCode> = new Set<DbErrorCode>([
  DbErrorCode.UNAVAILABLE,
  DbErrorCode.TIMEOUT,
  DbErrorCode.OVERLOADED,
  DbErrorCode.NOT_READY,
]);

/** Base class of storage errors. */
export class DbError extends Error {
  readonly code: DbErrorCode;
  /** True when resending the same request with the same idempotency key is safe and may succeed. */
  readonly retryable: boolean;

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    // The class's own name (DbNotFoundError, …), so subclasses need no constructor line for it.
    this.name = new.target.name;
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}

/**
 * The one shape of the typed errors below: a code, a message, and the facts
 * behind it as read-only fields (`declare`d in each subclass, assigned here),
 * so callers read `err.balance` instead of parsing the message.
 */
abstract class DbFactsError<F extends object> extends DbError {
  constructor(code: DbErrorCode, message: string, facts: F) {
    super(code, message);
    Object.assign(this, facts);
  }
}

/** A row that the request names does not exist. */
export class DbNotFoundError extends DbFactsError<{ entity: 'player'; id: number }> {
  declare readonly entity: 'player';
  declare readonly id: number;

  constructor(entity: 'player', id: number) {
    super(DbErrorCode.NOT_FOUND, `${entity} ${id} does not exist`, { entity, id });
  }
}

/** Optimistic concurrency failure: the caller's copy of the row is stale. */
export class DbVersionConflictError extends DbFactsError<{ id: number; expectedVersion: number; actualVersion: number }> {
  declare readonly id: number;
  declare readonly expectedVersion: number;
  declare readonly actualVersion: number;

  constructor(id: number, expectedVersion: number, actualVersion: number) {
    const message = `player ${id} is at version ${actualVersion}, not the expected ${expectedVersion}: re-read the player and apply the change again with a new idempotency key`;
    super(DbErrorCode.VERSION_CONFLICT, message, { id, expectedVersion, actualVersion });
  }
}

/** The sender of a transfer has less gold than the amount; nothing was changed. */
export class DbInsufficientFundsError extends DbFactsError<{ playerId: number; balance: number; amount: number }> {
  declare readonly playerId: number;
  declare readonly balance: number;
  declare readonly amount: number;

  constructor(playerId: number, balance: number, amount: number) {
    super(DbErrorCode.INSUFFICIENT_FUNDS, `player ${playerId} has ${balance} gold, cannot transfer ${amount}; nothing was changed`, { playerId, balance, amount });
  }
}

/** A credit would exceed the largest storable balance; nothing was changed. */
export class DbBalanceOverflowError extends DbFactsError<{ playerId: number; balance: number; amount: number; limit: number }> {
  declare readonly playerId: number;
  declare readonly balance: number;
  declare readonly amount: number;
  declare readonly limit: number;

  constructor(playerId: number, balance: number, amount: number, limit: number) {
    const message = `player ${playerId} has ${balance} gold; adding ${amount} would exceed the limit of ${limit}; nothing was changed`;
    super(DbErrorCode.BALANCE_OVERFLOW, message, { playerId, balance, amount, limit });
  }
}

/** The idempotency key was first used with another operation or other parameters. */
export class DbIdempotencyConflictError extends DbFactsError<{ idempotencyKey: string; storedOperation: string; requestedOperation: string }> {
  declare readonly idempotencyKey: string;
  /** Operation the key was first used with. */
  declare readonly storedOperation: string;
  /** Operation of the rejected request. */
  declare readonly requestedOperation: string;

  constructor(idempotencyKey: string, storedOperation: string, requestedOperation: string) {
    const what = storedOperation === requestedOperation ? `${storedOperation} with different parameters` : `${storedOperation}, not ${requestedOperation}`;
    const message = `idempotency key ${JSON.stringify(idempotencyKey)} was already used for ${what}: use a new key for a new request, the same key only to retry the identical request`;
    super(DbErrorCode.IDEMPOTENCY_CONFLICT, message, { idempotencyKey, storedOperation, requestedOperation });
  }
}

/** One validation problem: where (`path`, e.g. `entries[3].event`) and what. */
export interface DbIssue {
  path: string;
  message: string;
}

/** Invalid request arguments or configuration; `issues` lists every problem found, not just the first. */
export class DbValidationError extends DbError {
  readonly issues: readonly DbIssue[];

  constructor(code: typeof DbErrorCode.INVALID_ARGUMENT | typeof DbErrorCode.CONFIG_INVALID, context: string, issues: readonly DbIssue[]) {
    super(code, `invalid ${context}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}

/** True when `err` is a {@link DbError} with the given code. */
export function isDbError(err: unknown, code?: DbErrorCode): err is DbError {
  return err instanceof DbError && (code === undefined || err.code === code);
}
