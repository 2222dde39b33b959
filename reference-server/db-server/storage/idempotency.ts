/**
 * Idempotency of writes: each write stores `key → (operation, request
 * fingerprint, result)` in the same transaction as the write itself, so the
 * key exists exactly when the write was committed. A later request with the
 * same key is answered from the stored row:
 *
 *   stored?  same operation and fingerprint?   answer
 *   no       -                                 apply the write, store the key
 *   yes      yes                               the stored result, nothing applied (a replay)
 *   yes      no                                NMT_DB_IDEMPOTENCY_CONFLICT
 *
 * Failed writes store nothing (their transaction rolled back), so a retry
 * after a failure is evaluated afresh.
 */
import { createHash } from 'node:crypto';
import { DbErrorCode, DbError, DbIdempotencyConflictError } from './errors.ts';
import type { StorageMetrics } from './stats.ts';

/** Writes that take an idempotency key, as stored in `idempotency_keys.operation`. */
export type WriteOperation = 'createPlayer' | 'updatePlayer' | 'deletePlayer' | 'transferGold';

/** Stored row of a committed write. */
export interface StoredOutcome {
  operation: string;
  requestHash: string;
  /** The result returned to the first caller, as JSON. */
  result: string;
}

/**
 * Fingerprint of a request: SHA-256 (hex) of its operation and normalised
 * parameters (defaults applied, absent optional fields as null), so
 * `{ name }` and `{ name, level: 1 }` are the same request.
 */
export function fingerprint(operation: WriteOperation, params: readonly (string | number | null)[]): string {
  return createHash('sha256').update(JSON.stringify([operation, ...params])).digest('hex');
}

/**
 * Answers a request whose key is already stored: the stored result when the
 * request is identical, else throws {@link DbIdempotencyConflictError}.
 */
export function replayStored<T>(stored: StoredOutcome, key: string, operation: WriteOperation, requestHash: string): T {
  if (stored.operation !== operation || stored.requestHash !== requestHash) {
    throw new DbIdempotencyConflictError(key, stored.operation, operation);
  }
  try {
    return JSON.parse(stored.result) as T;
  } catch (err) {
    throw new DbError(
      DbErrorCode.QUERY_FAILED,
      `stored result of idempotency key ${JSON.stringify(key)} is not valid JSON; the idempotency_keys row was altered outside the storage layer`,
      { cause: err },
    );
  }
}

/** {@link replayStored}, counting the replay or the conflict in `metrics`. */
export function answerStored<T>(metrics: StorageMetrics, stored: StoredOutcome, key: string, operation: WriteOperation, requestHash: string): T {
  try {
    const result = replayStored<T>(stored, key, operation, requestHash);
    metrics.replays++;
    return result;
  } catch (err) {
    if (err instanceof DbIdempotencyConflictError) metrics.conflicts++;
    throw err;
  }
}
