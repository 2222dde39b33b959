/**
 * Test fixtures: a fresh, empty database per test on each backend, so the
 * same suite runs against both with `describe.each(await backends())`.
 *
 * MariaDB: NMT_MARIADB_URL (default mariadb://root@127.0.0.1:3306/test) is
 * used only to create databases named `nmt_t_<random>`; each is dropped by
 * {@link cleanupFixtures}. When MariaDB is unreachable the MariaDB backend is
 * left out with a warning, except under CI (`process.env.CI`), where
 * {@link backends} throws so the run fails loudly.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import type { Connection } from 'mariadb';
import { SETTING_SPECS, resolveMariaDbUrl, redactUrl, type MariaDbStorageConfig, type SqliteStorageConfig } from '../config.ts';
import { createStorage, type CreateStorageOptions } from '../create-storage.ts';
import { openSqlite, type SqliteDatabase } from '../sqlite-driver.ts';
import type { BackendName, Storage } from '../types.ts';

/** Settings a test may override (backend-specific keys are ignored by the other backend). */
export type Overrides = Partial<Omit<SqliteStorageConfig, 'backend' | 'dataDir'>> & Partial<Omit<MariaDbStorageConfig, 'backend' | 'url'>>;


/** Direct SQL access to a fixture's database, for assertions and for holding locks. */
export interface RawDb {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs `sql` and keeps its transaction open until the returned release function is called. */
  holdLock(begin: string, lockSql: string, params?: unknown[]): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** One fresh database. */
export interface Fixture {
  backend: BackendName;
  /** The config `open()` uses (before overrides). */
  config(overrides?: Overrides): SqliteStorageConfig | MariaDbStorageConfig;
  /** Opens a storage on this database (migrated unless `options.migrate === false`); closed by cleanup. */
  open(overrides?: Overrides, options?: CreateStorageOptions): Promise<Storage>;
  raw(): Promise<RawDb>;
}

/** A backend the suite can run against. */
export interface Backend {
  name: BackendName;
  /** A new, empty database (data directory or MariaDB database). */
  fresh(): Promise<Fixture>;
}

const cleanups: (() => Promise<void>)[] = [];

/** Closes every storage and raw connection opened by fixtures, drops their databases, removes their directories. */
export async function cleanupFixtures(): Promise<void> {
  for (let c = cleanups.pop(); c !== undefined; c = cleanups.pop()) await c().catch(() => undefined);
}

function track<T extends { close(): Promise<void> }>(x: T): T {
  cleanups.push(() => x.close());
  return x;
}

/** The overrides that apply to `backend`. */
function pick(overrides: Overrides, backend: BackendName): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(overrides)) {
    const spec = SETTING_SPECS.find((s) => s.key === k);
    if (spec !== undefined && (spec.backend === 'both' || spec.backend === backend)) out[k] = v;
  }
  return out;
}

/** The SQLite backend: a temporary directory per fixture. */
export const sqliteBackend: Backend = {
  name: 'sqlite',
  async fresh(): Promise<Fixture> {
    const dataDir = mkdtempSync(join(tmpdir(), 'nmt-sqlite-'));
    cleanups.unshift(async () => rmSync(dataDir, { recursive: true, force: true }));
    const config = (o: Overrides = {}): SqliteStorageConfig => ({ backend: 'sqlite', dataDir, ...pick(o, 'sqlite') });
    return {
      backend: 'sqlite',
      config,
      open: async (o = {}, options) => track(await createStorage(config(o), options)),
      raw: async () => track(rawSqlite(join(dataDir, 'nmt.sqlite3'))),
    };
  },
};

function rawSqlite(path: string): RawDb {
  const db: SqliteDatabase = openSqlite(path, { timeout: 5000 });
  return {
    query: async (sql, params = []) => {
      const stmt = db.prepare(sql);
      return stmt.reader ? (stmt.all(...params) as Record<string, unknown>[]) : (stmt.run(...params), []);
    },
    holdLock: async (begin, lockSql, params = []) => {
      db.exec(begin);
      if (lockSql !== '') db.prepare(lockSql).run(...params);
      return async () => {
        if (db.inTransaction) db.exec('ROLLBACK');
      };
    },
    close: async () => {
      if (db.open) db.close();
    },
  };
}

/** NMT_MARIADB_URL or the default; the database in it is used only to connect as admin. */
export function adminUrl(): string {
  return resolveMariaDbUrl(undefined, process.env);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminConnection(): Promise<Connection> {
  const u = new URL(adminUrl());
  return mariadb.createConnection({
    host: u.hostname,
    port: u.port === '' ? 3306 : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    connectTimeout: 2000,
  });
}

/** The MariaDB backend: a database `nmt_t_<random>` per fixture, dropped at cleanup. */
export const mariadbBackend: Backend = {
  name: 'mariadb',
  async fresh(): Promise<Fixture> {
    const database = `nmt_t_${randomBytes(6).toString('hex')}`;
    const admin = await adminConnection();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    cleanups.unshift(async () => {
      const c = await adminConnection();
      await c.query(`DROP DATABASE IF EXISTS ${database}`);
      await c.end();
    });
    const url = withDatabase(adminUrl(), database);
    // Small pools: several test files run at once against one server (max_connections).
    const config = (o: Overrides = {}): MariaDbStorageConfig => ({ backend: 'mariadb', url, poolSize: 4, ...pick(o, 'mariadb') });
    return {
      backend: 'mariadb',
      config,
      open: async (o = {}, options) => track(await createStorage(config(o), options)),
      raw: async () => {
        const u = new URL(url);
        const conn = await mariadb.createConnection({
          host: u.hostname,
          port: u.port === '' ? 3306 : Number(u.port),
          user: decodeURIComponent(u.username),
          password: decodeURIComponent(u.password),
          database,
          bigIntAsNumber: true,
          decimalAsNumber: true,
        });
        return track<RawDb>({
          query: async (sql, params = []) => {
            const r: unknown = await conn.query(sql, params);
            return Array.isArray(r) ? (r as Record<string, unknown>[]) : [];
          },
          holdLock: async (begin, lockSql, params = []) => {
            await conn.query(begin);
            if (lockSql !== '') await conn.query(lockSql, params);
            return async () => {
              await conn.query('ROLLBACK');
            };
          },
          close: async () => {
            if (conn.isValid()) await conn.end().catch(() => conn.destroy());
          },
        });
      },
    };
  },
};

let probed: Promise<string | null> | null = null;

/** Null when MariaDB answers, else why not. */
export function mariaDbProblem(): Promise<string | null> {
  probed ??= (async () => {
    try {
      const c = await adminConnection();
      await c.query('SELECT 1');
      await c.end();
      return null;
    } catch (err) {
      return err instanceof Error ? err.message.split('\n')[0] ?? String(err) : String(err);
    }
  })();
  return probed;
}

/**
 * The backends to run: SQLite always; MariaDB when reachable. Under CI an
 * unreachable MariaDB throws instead of being skipped.
 */
export async function backends(): Promise<Backend[]> {
  const problem = await mariaDbProblem();
  if (problem === null) return [sqliteBackend, mariadbBackend];
  const message = `MariaDB unreachable at ${redactUrl(adminUrl())} (${problem}): start it or set NMT_MARIADB_URL`;
  if (process.env.CI !== undefined && process.env.CI !== '') throw new Error(message);
  console.warn(`[storage tests] skipping the MariaDB backend: ${message}`);
  return [sqliteBackend];
}
