import { describe, expect, it } from 'vitest';
import { DbError, DbErrorCode } from './errors.ts';
import { isSqliteBusy, mapSqliteError } from './sqlite-errors.ts';

function sqliteError(code: string): Error {
  return Object.assign(new Error(`${code} happened`), { code });
}

describe('mapSqliteError', () => {
  it.each([
    ['SQLITE_BUSY', DbErrorCode.TIMEOUT, /locked by another process/, true],
    ['SQLITE_BUSY_SNAPSHOT', DbErrorCode.TIMEOUT, /locked/, true],
    ['SQLITE_LOCKED', DbErrorCode.TIMEOUT, /locked/, true],
    ['SQLITE_FULL', DbErrorCode.UNAVAILABLE, /disk .* is full/, false],
    ['SQLITE_IOERR_FSYNC', DbErrorCode.UNAVAILABLE, /I\/O error/, false],
    ['SQLITE_READONLY', DbErrorCode.MISCONFIGURED, /writable/, false],
    ['SQLITE_CANTOPEN', DbErrorCode.MISCONFIGURED, /writable/, false],
    ['SQLITE_NOTADB', DbErrorCode.MISCONFIGURED, /not a valid SQLite database/, false],
    ['SQLITE_CONSTRAINT_CHECK', DbErrorCode.QUERY_FAILED, /SQLITE_CONSTRAINT_CHECK/, false],
  ])('%s → %s', (code, expected, message, busy) => {
    const err = sqliteError(code);
    const e = mapSqliteError(err, 'createPlayer', '/data/nmt.sqlite3');
    expect(e.code).toBe(expected);
    expect(e.message).toMatch(message);
    expect(e.message).toContain('createPlayer');
    expect(e.cause).toBe(err);
    expect(isSqliteBusy(err)).toBe(busy);
  });

  it('maps non-SQLite errors to QUERY_FAILED and passes DbErrors through', () => {
    expect(mapSqliteError(new TypeError('bad'), 'op', 'p').code).toBe(DbErrorCode.QUERY_FAILED);
    const e = new DbError(DbErrorCode.NOT_FOUND, 'x');
    expect(mapSqliteError(e, 'op', 'p')).toBe(e);
  });
});
