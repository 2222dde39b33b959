/**
 * Storage configuration: every setting with its default, in one table per
 * backend. {@link SETTING_SPECS} is the single source of truth for the
 * JSON schema (compiled once, `additionalProperties: false`), the defaults
 * and the settings table in docs/database.md. A resolved config is frozen.
 */
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { DbErrorCode, DbValidationError, type DbIssue } from './errors.ts';

/** Settings both backends share. All values are integers (ms, counts). */
export interface CommonSettings {
  /** Deadline of one request, from the call to its result. */
  requestTimeoutMs: number;
  /** Requests waiting (for a connection, or for the next group commit) at most; more fail with NMT_DB_OVERLOADED. */
  maxQueue: number;
  /** Entries accepted in one logSessions call. */
  maxLogEntriesPerCall: number;
  /** Idempotency keys older than this are pruned (0 = keep forever). */
  idempotencyRetentionMs: number;
  /** How often pruning runs (0 = never automatically). */
  idempotencyPruneIntervalMs: number;
}

/** Settings of the SQLite backend. */
export interface SqliteSettings extends CommonSettings {
  /** Directory of the database file; created if missing. */
  dataDir: string;
  /** Database file name inside `dataDir`. */
  fileName: string;
  /** `FULL`: each commit is fsynced (survives power loss); `NORMAL`: survives a process crash only. */
  synchronous: 'FULL' | 'NORMAL';
  /** How long one transaction start may block the event loop waiting for another process's write lock. */
  busyTimeoutMs: number;
  /** Writes committed in one transaction at most (bounds how long one group commit blocks the event loop). */
  maxBatchSize: number;
  /** WAL size in pages that triggers an automatic checkpoint. */
  walAutocheckpointPages: number;
}

/** Settings of the MariaDB backend. */
export interface MariaDbSettings extends CommonSettings {
  /** `mariadb://USER[:PASSWORD]@HOST[:PORT]/DATABASE`. */
  url: string;
  /** Connections in the pool. */
  poolSize: number;
  /** Idle connections kept open (default: poolSize, a fixed pool). */
  minIdle: number;
  /** Longest wait for a pooled connection. */
  acquireTimeoutMs: number;
  /** TCP connect + handshake timeout of a new connection. */
  connectTimeoutMs: number;
  /** An idle connection above `minIdle` is closed after this long (rounded up to whole seconds). */
  idleTimeoutMs: number;
  /** A pooled connection idle longer than this is pinged before it is handed out. */
  validationIdleMs: number;
  /** Retries of one request after a deadlock or a lost connection. */
  maxRetries: number;
  /** First reconnect delay after the database went away; doubles per failure. */
  reconnectInitialMs: number;
  /** Largest reconnect delay. */
  reconnectMaxMs: number;
  /** Session-log entries written in one transaction at most. */
  logBatchMaxEntries: number;
  /** Session-log entries waiting for their group commit at most; more fail with NMT_DB_OVERLOADED. */
  maxPendingLogEntries: number;
}

/** Description of one setting, for the schema and the docs. */
export interface SettingSpec {
  readonly key: string;
  readonly backend: 'both' | 'sqlite' | 'mariadb';
  /** Default; `null` = required or derived (see `help`). */
  readonly default: number | string | null;
  readonly schema: Readonly<Record<string, unknown>>;
  readonly help: string;
}

const DAY_MS = 24 * 3600 * 1000;
const int = (minimum: number, maximum: number): Record<string, unknown> => ({ type: 'integer', minimum, maximum });

/** Every setting, with default, range and help text. */
export const SETTING_SPECS: readonly SettingSpec[] = Object.freeze([
  { key: 'requestTimeoutMs', backend: 'both', default: 5000, schema: int(10, 600_000), help: 'deadline of one request; over it the caller gets NMT_DB_TIMEOUT' },
  { key: 'maxQueue', backend: 'both', default: null, schema: int(1, 10_000_000), help: 'requests waiting at most (SQLite 10000, MariaDB 1000); more get NMT_DB_OVERLOADED at once' },
  { key: 'maxLogEntriesPerCall', backend: 'both', default: 10_000, schema: int(1, 1_000_000), help: 'entries accepted in one logSessions call' },
  { key: 'idempotencyRetentionMs', backend: 'both', default: DAY_MS, schema: int(0, 365 * DAY_MS), help: 'idempotency keys older than this are pruned (0 = keep forever)' },
  { key: 'idempotencyPruneIntervalMs', backend: 'both', default: 600_000, schema: int(0, DAY_MS), help: 'how often pruning runs (0 = never automatically)' },
  { key: 'dataDir', backend: 'sqlite', default: null, schema: { type: 'string', minLength: 1 }, help: 'directory of the database file, created if missing (required)' },
  { key: 'fileName', backend: 'sqlite', default: 'nmt.sqlite3', schema: { type: 'string', minLength: 1, pattern: '^[^/\\\\]+$' }, help: 'database file name inside dataDir' },
  { key: 'synchronous', backend: 'sqlite', default: 'FULL', schema: { enum: ['FULL', 'NORMAL'] }, help: 'FULL fsyncs every commit (survives power loss); NORMAL survives a process crash only' },
  { key: 'busyTimeoutMs', backend: 'sqlite', default: 20, schema: int(0, 10_000), help: 'how long one transaction start may block waiting for another process\'s write lock before it is retried asynchronously' },
  { key: 'maxBatchSize', backend: 'sqlite', default: 512, schema: int(1, 100_000), help: 'writes committed in one transaction at most (bounds event-loop blocking)' },
  { key: 'walAutocheckpointPages', backend: 'sqlite', default: 1000, schema: int(0, 1_000_000), help: 'WAL pages that trigger an automatic checkpoint (0 = never)' },
  { key: 'url', backend: 'mariadb', default: null, schema: { type: 'string', minLength: 1 }, help: 'mariadb://USER[:PASSWORD]@HOST[:PORT]/DATABASE (required; the CLI reads NMT_MARIADB_URL)' },
  { key: 'poolSize', backend: 'mariadb', default: 10, schema: int(1, 1000), help: 'connections in the pool' },
  { key: 'minIdle', backend: 'mariadb', default: null, schema: int(0, 1000), help: 'idle connections kept open (default poolSize: a fixed pool)' },
  { key: 'acquireTimeoutMs', backend: 'mariadb', default: 2000, schema: int(10, 600_000), help: 'longest wait for a pooled connection' },
  { key: 'connectTimeoutMs', backend: 'mariadb', default: 1000, schema: int(10, 600_000), help: 'TCP connect + handshake timeout of a new connection' },
  { key: 'idleTimeoutMs', backend: 'mariadb', default: 600_000, schema: int(0, DAY_MS), help: 'close idle connections above minIdle after this long (0 = never); keep below the server\'s wait_timeout' },
  { key: 'validationIdleMs', backend: 'mariadb', default: 500, schema: int(0, DAY_MS), help: 'ping a pooled connection idle longer than this before handing it out' },
  { key: 'maxRetries', backend: 'mariadb', default: 3, schema: int(0, 100), help: 'retries of one request after a deadlock or a lost connection' },
  { key: 'reconnectInitialMs', backend: 'mariadb', default: 100, schema: int(1, 600_000), help: 'first reconnect delay after the database went away (doubles per failure)' },
  { key: 'reconnectMaxMs', backend: 'mariadb', default: 5000, schema: int(1, 600_000), help: 'largest reconnect delay' },
  { key: 'logBatchMaxEntries', backend: 'mariadb', default: 5000, schema: int(1, 1_000_000), help: 'session-log entries written in one transaction at most' },
  { key: 'maxPendingLogEntries', backend: 'mariadb', default: 100_000, schema: int(1, 100_000_000), help: 'session-log entries waiting for their group commit at most; more get NMT_DB_OVERLOADED' },
] satisfies SettingSpec[]);

/** Default queue bound per backend (SQLite drains its queue every event-loop turn, so it can hold more). */
export const DEFAULT_MAX_QUEUE = Object.freeze({ sqlite: 10_000, mariadb: 1000 });

/** The MariaDB URL used when neither a flag nor NMT_MARIADB_URL gives one. */
export const DEFAULT_MARIADB_URL = 'mariadb://root@127.0.0.1:3306/test';

/** Input of {@link resolveStorageConfig} for SQLite: only `dataDir` is required. */
export type SqliteStorageConfig = { backend: 'sqlite'; dataDir: string } & Partial<Omit<SqliteSettings, 'dataDir'>>;
/** Input of {@link resolveStorageConfig} for MariaDB: only `url` is required. */
export type MariaDbStorageConfig = { backend: 'mariadb'; url: string } & Partial<Omit<MariaDbSettings, 'url'>>;
/** Configuration accepted by `createStorage`. */
export type StorageConfig = SqliteStorageConfig | MariaDbStorageConfig;

/** A validated, defaulted, frozen configuration. */
export type ResolvedStorageConfig =
  | Readonly<{ backend: 'sqlite' } & SqliteSettings>
  | Readonly<{ backend: 'mariadb'; connection: MariaDbConnectionInfo } & MariaDbSettings>;

/** Connection parameters parsed from a MariaDB URL. */
export interface MariaDbConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

function schemaFor(backend: 'sqlite' | 'mariadb'): Record<string, unknown> {
  const specs = SETTING_SPECS.filter((s) => s.backend === 'both' || s.backend === backend);
  return {
    type: 'object',
    additionalProperties: false,
    required: ['backend', backend === 'sqlite' ? 'dataDir' : 'url'],
    properties: { backend: { const: backend }, ...Object.fromEntries(specs.map((s) => [s.key, s.schema])) },
  };
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validateSqlite = ajv.compile(schemaFor('sqlite'));
const validateMariaDb = ajv.compile(schemaFor('mariadb'));

function ajvIssues(errors: ErrorObject[] | null | undefined): DbIssue[] {
  const issues: DbIssue[] = [];
  for (const e of errors ?? []) {
    const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      issues.push({ path: path === '' ? key : `${path}.${key}`, message: 'unknown setting' });
    } else if (e.keyword === 'required') {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      issues.push({ path: key, message: 'is required' });
    } else {
      issues.push({ path: path === '' ? '(config)' : path, message: e.message ?? e.keyword });
    }
  }
  return issues;
}

/** `mariadb` database names this layer accepts: plain identifiers, so they never need quoting. */
const DATABASE_NAME = /^[A-Za-z0-9_$]{1,64}$/;

/**
 * Parses `mariadb://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (also `mysql://`).
 * Pushes a problem to `issues` and returns null when the URL is unusable.
 * The password never appears in an issue.
 */
export function parseMariaDbUrl(url: string, issues: DbIssue[], path = 'url'): MariaDbConnectionInfo | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    issues.push({ path, message: 'is not a URL; expected mariadb://USER[:PASSWORD]@HOST[:PORT]/DATABASE' });
    return null;
  }
  const before = issues.length;
  if (u.protocol !== 'mariadb:' && u.protocol !== 'mysql:') {
    issues.push({ path, message: `scheme ${JSON.stringify(u.protocol)} is not supported; use mariadb://` });
  }
  if (u.hostname === '') issues.push({ path, message: 'has no host' });
  if (u.username === '') issues.push({ path, message: 'has no user; write mariadb://USER@HOST/DATABASE' });
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!DATABASE_NAME.test(database)) {
    issues.push({ path, message: `database name ${JSON.stringify(database)} must be 1..64 of [A-Za-z0-9_$]` });
  }
  if (u.search !== '' || u.hash !== '') issues.push({ path, message: 'query parameters and fragments are not supported; use the storage settings instead' });
  if (issues.length > before) return null;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? 3306 : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database,
  };
}

/** The URL with its password replaced by `***`, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** `flag` if given, else `NMT_MARIADB_URL` from `env`, else {@link DEFAULT_MARIADB_URL}. */
export function resolveMariaDbUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.NMT_MARIADB_URL;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_MARIADB_URL;
}

function defaults(backend: 'sqlite' | 'mariadb'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTING_SPECS) {
    if ((s.backend === 'both' || s.backend === backend) && s.default !== null) out[s.key] = s.default;
  }
  out.maxQueue = DEFAULT_MAX_QUEUE[backend];
  return out;
}

/**
 * Validates a storage configuration and fills defaults. Throws a
 * {@link DbValidationError} (`NMT_DB_CONFIG_INVALID`) listing every
 * problem, unknown settings included. The result is frozen.
 */
export function resolveStorageConfig(input: unknown): ResolvedStorageConfig {
  const backend = typeof input === 'object' && input !== null ? (input as { backend?: unknown }).backend : undefined;
  if (backend !== 'sqlite' && backend !== 'mariadb') {
    throw new DbValidationError(DbErrorCode.CONFIG_INVALID, 'storage config', [
      { path: 'backend', message: `must be "sqlite" or "mariadb", got ${JSON.stringify(backend) ?? 'nothing'}` },
    ]);
  }
  const validate = backend === 'sqlite' ? validateSqlite : validateMariaDb;
  if (!validate(input)) throw new DbValidationError(DbErrorCode.CONFIG_INVALID, `${backend} storage config`, ajvIssues(validate.errors));
  const merged = { ...defaults(backend), ...(input as Record<string, unknown>) };
  const issues: DbIssue[] = [];
  if (backend === 'sqlite') {
    return Object.freeze(merged) as ResolvedStorageConfig;
  }
  const m = merged as unknown as MariaDbSettings & { minIdle?: number };
  if (m.minIdle === undefined) m.minIdle = m.poolSize;
  if (m.minIdle > m.poolSize) issues.push({ path: 'minIdle', message: `must be at most poolSize (${m.poolSize}), got ${m.minIdle}` });
  if (m.reconnectInitialMs > m.reconnectMaxMs) {
    issues.push({ path: 'reconnectInitialMs', message: `must be at most reconnectMaxMs (${m.reconnectMaxMs}), got ${m.reconnectInitialMs}` });
  }
  const connection = parseMariaDbUrl(m.url, issues);
  if (issues.length > 0 || connection === null) throw new DbValidationError(DbErrorCode.CONFIG_INVALID, 'mariadb storage config', issues);
  return Object.freeze({ ...m, backend: 'mariadb' as const, connection: Object.freeze(connection) });
}
