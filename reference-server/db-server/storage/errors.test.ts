import { describe, expect, it } from 'vitest';
import {
  DbBalanceOverflowError,
  DbError,
  DbErrorCode,
  DbIdempotencyConflictError,
  DbInsufficientFundsError,
  DbNotFoundError,
  DbValidationError,
  DbVersionConflictError,
  isDbError,
} from './errors.ts';

describe('DbError', () => {
  it.each([
    [DbErrorCode.UNAVAILABLE, true],
    [DbErrorCode.TIMEOUT, true],
    [DbErrorCode.OVERLOADED, true],
    [DbErrorCode.NOT_READY, true],
    [DbErrorCode.NOT_FOUND, false],
    [DbErrorCode.VERSION_CONFLICT, false],
    [DbErrorCode.INSUFFICIENT_FUNDS, false],
    [DbErrorCode.IDEMPOTENCY_CONFLICT, false],
    [DbErrorCode.INVALID_ARGUMENT, false],
    [DbErrorCode.MISCONFIGURED, false],
    [DbErrorCode.CLOSED, false],
    [DbErrorCode.QUERY_FAILED, false],
  ])('%s is retryable with the same key: %s', (code, retryable) => {
    expect(new DbError(code, 'm').retryable).toBe(retryable);
  });

  it('every code is NMT_DB_* and unique', () => {
    const codes = Object.values(DbErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^NMT_DB_[A-Z_]+$/);
  });

  it('typed errors carry their facts', () => {
    expect(new DbNotFoundError('player', 4)).toMatchObject({ code: DbErrorCode.NOT_FOUND, entity: 'player', id: 4, message: 'player 4 does not exist' });
    expect(new DbVersionConflictError(4, 1, 3)).toMatchObject({ code: DbErrorCode.VERSION_CONFLICT, expectedVersion: 1, actualVersion: 3 });
    expect(new DbInsufficientFundsError(4, 2, 9)).toMatchObject({ code: DbErrorCode.INSUFFICIENT_FUNDS, playerId: 4, balance: 2, amount: 9 });
    expect(new DbBalanceOverflowError(4, 2, 9, 10)).toMatchObject({ code: DbErrorCode.BALANCE_OVERFLOW, limit: 10 });
    expect(new DbIdempotencyConflictError('k', 'createPlayer', 'transferGold')).toMatchObject({ idempotencyKey: 'k', storedOperation: 'createPlayer', requestedOperation: 'transferGold' });
    const v = new DbValidationError(DbErrorCode.INVALID_ARGUMENT, 'x arguments', [{ path: 'a', message: 'bad' }, { path: 'b', message: 'worse' }]);
    expect(v.message).toBe('invalid x arguments:\n  - a: bad\n  - b: worse');
  });

  it('isDbError matches class and optionally code', () => {
    const e = new DbNotFoundError('player', 1);
    expect(isDbError(e)).toBe(true);
    expect(isDbError(e, DbErrorCode.NOT_FOUND)).toBe(true);
    expect(isDbError(e, DbErrorCode.TIMEOUT)).toBe(false);
    expect(isDbError(new Error('x'))).toBe(false);
  });
});
