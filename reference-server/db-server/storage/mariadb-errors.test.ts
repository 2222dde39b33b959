import { describe, expect, it } from 'vitest';
import { DbError, DbErrorCode } from './errors.ts';
import { isConnectionLost, isDeadlock, isDuplicateKey, isMisconfigured, isUnreachable, mapMariaDbError } from './mariadb-errors.ts';

/** Shaped like the connector's SqlError. */
function sqlError(fields: { errno?: number; code?: string; fatal?: boolean; cause?: unknown; sqlMessage?: string }): Error {
  return Object.assign(new Error(fields.sqlMessage ?? 'driver error'), fields);
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('MariaDB error classification', () => {
  it.each([
    ['deadlock 1213', sqlError({ errno: 1213, code: 'ER_LOCK_DEADLOCK' }), { deadlock: true }],
    ['record changed 1020', sqlError({ errno: 1020 }), { deadlock: true }],
    ['duplicate key 1062', sqlError({ errno: 1062, code: 'ER_DUP_ENTRY' }), { duplicate: true }],
    ['a fatal error', sqlError({ errno: 45009, code: 'ER_SOCKET_UNEXPECTED_CLOSE', fatal: true }), { lost: true }],
    ['connection killed 1927', sqlError({ errno: 1927 }), { lost: true }],
    ['ECONNRESET', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), { lost: true }],
    ['ECONNREFUSED', refused, { lost: true, unreachable: true }],
    ['pool timeout caused by a refused connect', sqlError({ errno: 45028, code: 'ER_GET_CONNECTION_TIMEOUT', cause: refused }), { unreachable: true }],
    ['pool timeout with every connection busy', sqlError({ errno: 45028, code: 'ER_GET_CONNECTION_TIMEOUT' }), {}],
    ['pool cannot initialise', sqlError({ errno: 45060, code: 'ER_POOL_NOT_INITIALIZED' }), { unreachable: true }],
    ['access denied 1045', sqlError({ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' }), { misconfigured: true }],
    ['unknown database 1049', sqlError({ errno: 1049, code: 'ER_BAD_DB_ERROR' }), { misconfigured: true }],
    ['a syntax error', sqlError({ errno: 1064, code: 'ER_PARSE_ERROR' }), {}],
    ['not an object', 'boom', {}],
  ])('%s', (_, err, expected) => {
    expect({
      deadlock: isDeadlock(err),
      duplicate: isDuplicateKey(err),
      lost: isConnectionLost(err),
      unreachable: isUnreachable(err),
      misconfigured: isMisconfigured(err),
    }).toEqual({ deadlock: false, duplicate: false, lost: false, unreachable: false, misconfigured: false, ...expected });
  });
});

describe('mapMariaDbError', () => {
  it.each([
    [sqlError({ errno: 1045, sqlMessage: "Access denied for user 'u'" }), DbErrorCode.MISCONFIGURED, /refused us.*retrying will not help/],
    [sqlError({ errno: 1213 }), DbErrorCode.TIMEOUT, /deadlocked/],
    [sqlError({ errno: 1205 }), DbErrorCode.TIMEOUT, /row lock/],
    [sqlError({ errno: 45028, code: 'ER_GET_CONNECTION_TIMEOUT' }), DbErrorCode.TIMEOUT, /no pooled connection/],
    [refused, DbErrorCode.UNAVAILABLE, /h:1\/db is unreachable.*ECONNREFUSED.*nothing was applied/],
    [sqlError({ errno: 1064, code: 'ER_PARSE_ERROR', sqlMessage: 'You have an error' }), DbErrorCode.QUERY_FAILED, /ER_PARSE_ERROR: You have an error/],
  ])('maps %s to %s', (err, code, message) => {
    const e = mapMariaDbError(err, 'op', 'h:1/db');
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.cause).toBe(err);
  });

  it('says the outcome is unknown when the COMMIT was in flight', () => {
    expect(mapMariaDbError(refused, 'op', 't', true).message).toMatch(/may or may not have been applied/);
  });

  it('passes DbErrors through', () => {
    const e = new DbError(DbErrorCode.NOT_FOUND, 'x');
    expect(mapMariaDbError(e, 'op', 't')).toBe(e);
  });
});
