/**
 * The part of better-sqlite3 (v12) this layer uses, typed here because the
 * package ships no TypeScript declarations and @types/better-sqlite3 is not
 * a dependency. Loaded through `createRequire`: better-sqlite3 is a CommonJS
 * native addon.
 *
 * Keep v12: v13 crashes on Node 20.
 */
import { createRequire } from 'node:module';

/** Outcome of a write statement. */
export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement; parameters are positional (`?`). */
export interface SqliteStatement {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Return only the first column of each row. */
  pluck(toggle?: boolean): this;
  readonly reader: boolean;
}

/** An open database connection. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): this;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): this;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly name: string;
}

/** Options of the Database constructor. */
export interface SqliteOpenOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  /** busy_timeout in ms: how long a statement blocks waiting for another connection's lock. */
  timeout?: number;
}

type DatabaseConstructor = new (filename: string, options?: SqliteOpenOptions) => SqliteDatabase;

const require = createRequire(import.meta.url);
let ctor: DatabaseConstructor | null = null;

/** Opens (creating if needed) the database file at `filename`. */
export function openSqlite(filename: string, options: SqliteOpenOptions): SqliteDatabase {
  ctor ??= require('better-sqlite3') as DatabaseConstructor;
  return new ctor(filename, options);
}

/** The SQLite result code of a better-sqlite3 error (`SQLITE_BUSY`, `SQLITE_FULL`...), or null. */
export function sqliteCode(err: unknown): string | null {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return null;
}
