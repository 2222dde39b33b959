import { describe, expect, it } from 'vitest';
import { DbErrorCode, DbIdempotencyConflictError, type DbError } from './errors.ts';
import { answerStored, fingerprint, replayStored } from './idempotency.ts';
import { StorageMetrics } from './stats.ts';

describe('fingerprint', () => {
  it('is the SHA-256 of the JSON of operation and parameters', () => {
    // echo -n '["deletePlayer",7]' | sha256sum
    expect(fingerprint('deletePlayer', [7])).toBe('722ebccb0377ea665e94be81b101d50d9050b18a2aed17471380b0ceb99f7258');
  });

  it.each([
    [['createPlayer', ['a', 1, 0]], ['createPlayer', ['a', 1, 1]]],
    [['createPlayer', ['a', 1, 0]], ['updatePlayer', ['a', 1, 0]]],
    [['updatePlayer', [1, null, null, 2, null]], ['updatePlayer', [1, null, null, null, 2]]],
    [['createPlayer', ['a,1', 0, 0]], ['createPlayer', ['a', 1, 0]]],
  ] as const)('tells %j from %j', (a, b) => {
    expect(fingerprint(a[0], a[1])).not.toBe(fingerprint(b[0], b[1]));
  });
});

describe('replayStored', () => {
  const hash = fingerprint('deletePlayer', [7]);
  const stored = { operation: 'deletePlayer', requestHash: hash, result: '{"id":7,"deleted":true}' };

  it('returns the stored result for the identical request', () => {
    expect(replayStored(stored, 'k', 'deletePlayer', hash)).toEqual({ id: 7, deleted: true });
  });

  it.each([
    ['another operation', 'createPlayer', hash, /deletePlayer, not createPlayer/],
    ['other parameters', 'deletePlayer', fingerprint('deletePlayer', [8]), /deletePlayer with different parameters/],
  ] as const)('refuses %s with IDEMPOTENCY_CONFLICT', (_, op, h, message) => {
    const err = (() => {
      try {
        replayStored(stored, 'k', op, h);
      } catch (e) {
        return e as DbIdempotencyConflictError;
      }
      throw new Error('expected a conflict');
    })();
    expect(err).toBeInstanceOf(DbIdempotencyConflictError);
    expect(err.code).toBe(DbErrorCode.IDEMPOTENCY_CONFLICT);
    expect(err.message).toMatch(message);
  });

  it('reports a corrupted stored result as QUERY_FAILED', () => {
    expect(() => replayStored({ ...stored, result: '{' }, 'k', 'deletePlayer', hash)).toThrow(expect.objectContaining({ code: DbErrorCode.QUERY_FAILED }) as DbError);
  });

  it('answerStored counts replays and conflicts', () => {
    const m = new StorageMetrics();
    answerStored(m, stored, 'k', 'deletePlayer', hash);
    expect(() => answerStored(m, stored, 'k', 'transferGold', hash)).toThrow(DbIdempotencyConflictError);
    expect(m.replays).toBe(1);
    expect(m.conflicts).toBe(1);
  });
});
