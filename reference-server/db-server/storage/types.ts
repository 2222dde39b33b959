/**
 * The storage contract shared by both backends (SQLite and MariaDB). The
 * DBServer's network handlers call only this interface, so a backend can be
 * swapped by configuration. Every method is async; results are plain,
 * JSON-serialisable objects (no driver types, no bigints).
 *
 * Integer columns are returned as JS numbers: every stored integer is
 * validated to stay within ±(2^53 − 1) on the way in.
 */

/** Which database a storage talks to. */
export type BackendName = 'sqlite' | 'mariadb';

/** One player row. Times are milliseconds since the Unix epoch (UTC), taken from the DBServer's clock. */
export interface Player {
  id: number;
  name: string;
  level: number;
  gold: number;
  /** Starts at 1; every successful update or transfer touching the row adds 1. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * Every write carries an idempotency key: printable ASCII, 1..128 chars,
 * unique per logical request. A retry with the same key returns the stored
 * result of the first success and changes nothing.
 */
export interface IdempotentRequest {
  idempotencyKey: string;
}

export interface CreatePlayerInput extends IdempotentRequest {
  name: string;
  /** Default 1. */
  level?: number;
  /** Default 0. */
  gold?: number;
}

export interface UpdatePlayerInput extends IdempotentRequest {
  id: number;
  /** When given, the update is applied only if the row is at this version (else NMT_DB_VERSION_CONFLICT). */
  expectedVersion?: number;
  name?: string;
  level?: number;
  /** Sets the balance (absolute, not a delta). */
  gold?: number;
}

export interface DeletePlayerInput extends IdempotentRequest {
  id: number;
}

export interface DeletePlayerResult {
  id: number;
  deleted: true;
}

export interface TransferGoldInput extends IdempotentRequest {
  fromId: number;
  toId: number;
  /** Positive integer. */
  amount: number;
}

/** Balances and versions of both players right after the transfer. */
export interface TransferGoldResult {
  fromId: number;
  toId: number;
  amount: number;
  fromGold: number;
  toGold: number;
  fromVersion: number;
  toVersion: number;
}

/** One session-log row. */
export interface SessionLogEntry {
  /**
   * Optional idempotency key of the entry (printable ASCII, 1..128 chars).
   * An entry whose key is already stored is skipped, so a retried batch
   * never duplicates rows. Entries without a key are appended as-is.
   */
  key?: string;
  sessionId: number;
  playerId?: number | null;
  /** What happened, e.g. `connect`, `disconnect` (1..32 chars). */
  event: string;
  /** Free text, at most 255 chars. */
  detail?: string | null;
  /** Milliseconds since the epoch; default: when the call was made. */
  at?: number;
}

export interface LogSessionsResult {
  /** Entries of this call now stored (inserted now, or skipped because their key was already stored). */
  accepted: number;
}

/** Outcome of {@link Storage.migrate}. */
export interface MigrationResult {
  /** Schema version found before migrating (0 = empty database). */
  from: number;
  /** Schema version after migrating. */
  to: number;
  /** Versions applied by this call, in order (empty when already up to date). */
  applied: number[];
}

/** Statement kinds timed separately in {@link StorageStats.statements}. */
export const STATEMENT_KINDS = ['select', 'insert', 'update', 'delete', 'transaction'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** Storage operations timed separately in {@link StorageStats.operations}. */
export const OPERATION_NAMES = [
  'migrate',
  'createPlayer',
  'getPlayer',
  'updatePlayer',
  'deletePlayer',
  'transferGold',
  'logSessions',
  'totalGold',
  'countPlayers',
  'pruneIdempotencyKeys',
  'health',
] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

/** Latency distribution in microseconds (HDR histogram, 3 significant digits). All 0 when `count` is 0. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Counters of one statement kind or one operation. */
export interface CallStats {
  count: number;
  errors: number;
  /** Statements: rows returned (select) or changed (writes); transactions: statements inside; operations: rows returned or changed. */
  rows: number;
  latencyMicros: LatencySummary;
}

/**
 * Connection pool (MariaDB) or write queue (SQLite: one connection, `size`
 * 1) as seen at the time of the call, plus how long requests waited for it.
 */
export interface PoolStats {
  size: number;
  inUse: number;
  idle: number;
  /** Requests waiting for a connection (MariaDB) or for the next group commit (SQLite). */
  waiting: number;
  /** Configured bound of `waiting`; over it requests fail with NMT_DB_OVERLOADED. */
  maxWaiting: number;
  /** From the call until a connection (MariaDB) or the group commit (SQLite) took the request. */
  acquireWaitMicros: LatencySummary;
}

/** Everything measured since start (or since the last `stats({ reset: true })`). */
export interface StorageStats {
  backend: BackendName;
  state: StorageState;
  statements: Record<StatementKind, CallStats>;
  operations: Record<OperationName, CallStats>;
  /** Failed operations by error code. */
  errorsByCode: Record<string, number>;
  transactions: {
    commits: number;
    rollbacks: number;
    /** MariaDB transactions retried after a deadlock (ER 1213). */
    deadlockRetries: number;
    /** Requests retried on a fresh connection after the old one was lost. */
    connectionRetries: number;
    /** SQLite group commits retried because another process held the write lock. */
    busyRetries: number;
  };
  idempotency: {
    /** Writes answered from a stored result (a retry). */
    replays: number;
    /** Writes refused with NMT_DB_IDEMPOTENCY_CONFLICT. */
    conflicts: number;
    /** Keys removed by retention pruning. */
    pruned: number;
  };
  groupCommit: {
    /** Transactions that carried at least one queued write (SQLite: all writes; MariaDB: session-log batches). */
    batches: number;
    /** Writes carried by those transactions. */
    writes: number;
    /** Largest number of writes in one transaction. */
    maxBatch: number;
  };
  sessionLog: {
    calls: number;
    entries: number;
  };
  pool: PoolStats;
}

/** `up`: serving; `down`: the database is unreachable and reconnects with backoff; `closed`: `close()` was called. */
export type StorageState = 'up' | 'down' | 'closed';

/** Result of {@link Storage.health}. Never throws: failures are reported in `error`. */
export interface HealthReport {
  ok: boolean;
  backend: BackendName;
  state: StorageState;
  /** Round trip of the health query, in ms; null when none was made. */
  latencyMs: number | null;
  /** Schema version found by the last migrate(), null before. */
  schemaVersion: number | null;
  error: { code: string; message: string } | null;
  /** Backend facts worth showing an operator (journal mode, synchronous, server version, durability settings...). */
  details: Record<string, string | number | boolean | null>;
}

/** The storage API both backends implement. */
export interface Storage {
  readonly backend: BackendName;
  /** Creates or upgrades the schema to the version this build knows. Safe to call again (a no-op when up to date). */
  migrate(): Promise<MigrationResult>;
  createPlayer(input: CreatePlayerInput): Promise<Player>;
  /** The player, or null when no player has this id. */
  getPlayer(id: number): Promise<Player | null>;
  updatePlayer(input: UpdatePlayerInput): Promise<Player>;
  deletePlayer(input: DeletePlayerInput): Promise<DeletePlayerResult>;
  /** Moves gold between two players atomically: both balances change, or neither does. */
  transferGold(input: TransferGoldInput): Promise<TransferGoldResult>;
  /** Appends session-log rows; calls close together share one transaction (group commit). One call is atomic. */
  logSessions(entries: readonly SessionLogEntry[]): Promise<LogSessionsResult>;
  /** Sum of every player's gold. */
  totalGold(): Promise<number>;
  countPlayers(): Promise<number>;
  /** Deletes idempotency keys stored before `olderThanMs` (epoch ms); returns how many. Also run periodically per config. */
  pruneIdempotencyKeys(olderThanMs: number): Promise<number>;
  stats(options?: { reset?: boolean }): Promise<StorageStats>;
  health(): Promise<HealthReport>;
  /** Finishes queued writes, then releases the database. Later calls fail with NMT_DB_CLOSED. Idempotent. */
  close(): Promise<void>;
}
