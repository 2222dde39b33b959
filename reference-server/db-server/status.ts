/**
 * Storage error → wire status. The DBServer answers every failed request
 * with a {@link GameStatus} (the same codes the client-facing packets use),
 * so TestServer can pass the status through unchanged.
 */
import { GameStatus } from '../../protocol/game-packets.ts';
import { DbError, DbErrorCode } from './storage/index.ts';

const STATUS_OF: Readonly<Record<string, GameStatus>> = {
  [DbErrorCode.NOT_FOUND]: GameStatus.NotFound,
  [DbErrorCode.VERSION_CONFLICT]: GameStatus.VersionConflict,
  [DbErrorCode.INSUFFICIENT_FUNDS]: GameStatus.InsufficientFunds,
  [DbErrorCode.BALANCE_OVERFLOW]: GameStatus.BalanceOverflow,
  [DbErrorCode.IDEMPOTENCY_CONFLICT]: GameStatus.IdempotencyConflict,
  [DbErrorCode.UNAVAILABLE]: GameStatus.DbUnavailable,
  // NOT_READY (not migrated yet) and CLOSED (shutting down) are transient from a caller's view.
  [DbErrorCode.NOT_READY]: GameStatus.DbUnavailable,
  [DbErrorCode.CLOSED]: GameStatus.DbUnavailable,
  [DbErrorCode.TIMEOUT]: GameStatus.Timeout,
  [DbErrorCode.OVERLOADED]: GameStatus.Overloaded,
  [DbErrorCode.INVALID_ARGUMENT]: GameStatus.Invalid,
};

/** The wire status for an error thrown by the storage layer; anything unexpected is Internal. */
export function statusOfError(err: unknown): GameStatus {
  if (err instanceof DbError) return STATUS_OF[err.code] ?? GameStatus.Internal;
  return GameStatus.Internal;
}
