import { describe, expect, it } from 'vitest';
import { GameStatus } from '../../protocol/game-packets.ts';
import { statusOfError } from './status.ts';
import { DbError, DbErrorCode } from './storage/index.ts';

describe('statusOfError', () => {
  it.each([
    [DbErrorCode.NOT_FOUND, GameStatus.NotFound],
    [DbErrorCode.VERSION_CONFLICT, GameStatus.VersionConflict],
    [DbErrorCode.INSUFFICIENT_FUNDS, GameStatus.InsufficientFunds],
    [DbErrorCode.BALANCE_OVERFLOW, GameStatus.BalanceOverflow],
    [DbErrorCode.IDEMPOTENCY_CONFLICT, GameStatus.IdempotencyConflict],
    [DbErrorCode.UNAVAILABLE, GameStatus.DbUnavailable],
    [DbErrorCode.NOT_READY, GameStatus.DbUnavailable],
    [DbErrorCode.CLOSED, GameStatus.DbUnavailable],
    [DbErrorCode.TIMEOUT, GameStatus.Timeout],
    [DbErrorCode.OVERLOADED, GameStatus.Overloaded],
    [DbErrorCode.INVALID_ARGUMENT, GameStatus.Invalid],
    [DbErrorCode.QUERY_FAILED, GameStatus.Internal],
  ])('%s → %i', (code, status) => {
    expect(statusOfError(new DbError(code, 'x'))).toBe(status);
  });

  it('maps anything that is not a DbError to Internal', () => {
    expect(statusOfError(new TypeError('bug'))).toBe(GameStatus.Internal);
  });
});
