import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DbErrorCode, DbValidationError } from './errors.ts';
import { fingerprint } from './idempotency.ts';
import {
  SCHEMA_LIMITS,
  normalizeCreate,
  normalizeDelete,
  normalizeId,
  normalizeLogEntries,
  normalizeTimestamp,
  normalizeTransfer,
  normalizeUpdate,
} from './validation.ts';

function paths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DbValidationError);
    expect((err as DbValidationError).code).toBe(DbErrorCode.INVALID_ARGUMENT);
    return (err as DbValidationError).issues.map((i) => i.path);
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('normalizeCreate', () => {
  it('applies defaults and fingerprints the normalised request', () => {
    const n = normalizeCreate({ idempotencyKey: 'k', name: 'Ada' });
    expect(n).toEqual({ key: 'k', name: 'Ada', level: 1, gold: 0, hash: fingerprint('createPlayer', ['Ada', 1, 0]) });
    expect(normalizeCreate({ idempotencyKey: 'other', name: 'Ada', level: 1, gold: 0 }).hash).toBe(n.hash);
    expect(normalizeCreate({ idempotencyKey: 'k', name: 'Ada', gold: 1 }).hash).not.toBe(n.hash);
  });

  it.each([
    [{ idempotencyKey: '', name: 'x' }, ['idempotencyKey']],
    [{ idempotencyKey: 'k'.repeat(129), name: 'x' }, ['idempotencyKey']],
    [{ idempotencyKey: 'ключ', name: 'x' }, ['idempotencyKey']],
    [{ idempotencyKey: 'k', name: '' }, ['name']],
    [{ idempotencyKey: 'k', name: 'a\nb' }, ['name']],
    [{ idempotencyKey: 'k', name: '\ud800' }, ['name']],
    [{ idempotencyKey: 'k', name: 'x', level: SCHEMA_LIMITS.levelMax + 1 }, ['level']],
    [{ idempotencyKey: 'k', name: 'x', gold: Number.MAX_SAFE_INTEGER + 1 }, ['gold']],
    [{ idempotencyKey: 'k', name: 'x', gold: '5' }, ['gold']],
    [{ idempotencyKey: 7, name: 7, level: -1, gold: NaN, extra: true }, ['extra', 'idempotencyKey', 'name', 'level', 'gold']],
  ])('rejects %j at %j', (input, expected) => {
    expect(paths(() => normalizeCreate(input as never))).toEqual(expected);
  });

  it('rejects non-objects', () => {
    expect(paths(() => normalizeCreate(null as never))).toContain('(input)');
    expect(paths(() => normalizeCreate([] as never))).toContain('(input)');
  });

  it('counts name length in code points, as the VARCHAR(64) column does', () => {
    expect(normalizeCreate({ idempotencyKey: 'k', name: '😀'.repeat(64) }).name).toHaveLength(128);
    expect(paths(() => normalizeCreate({ idempotencyKey: 'k', name: '😀'.repeat(65) }))).toEqual(['name']);
  });

  it('accepts any valid request and gives equal requests equal fingerprints (property)', () => {
    const key = fc.stringMatching(/^[\x21-\x7e]{1,128}$/);
    const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }).filter((s) => !/[\p{Cc}\p{Cs}]/u.test(s) && [...s].length <= 64);
    fc.assert(
      fc.property(key, name, fc.integer({ min: 0, max: SCHEMA_LIMITS.levelMax }), fc.maxSafeNat(), (k, n, level, gold) => {
        const a = normalizeCreate({ idempotencyKey: k, name: n, level, gold });
        expect(a).toMatchObject({ key: k, name: n, level, gold });
        expect(normalizeCreate({ idempotencyKey: `${k}x`.slice(0, 128), name: n, level, gold }).hash).toBe(a.hash);
        expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });

  it('throws only DbValidationError for arbitrary garbage (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        try {
          normalizeCreate(input as never);
        } catch (err) {
          expect(err).toBeInstanceOf(DbValidationError);
        }
      }),
    );
  });
});

describe('other normalisers', () => {
  it('normalizeUpdate keeps absent fields null and needs at least one change', () => {
    expect(normalizeUpdate({ idempotencyKey: 'k', id: 3, gold: 0 })).toMatchObject({ id: 3, expectedVersion: null, name: null, level: null, gold: 0 });
    expect(paths(() => normalizeUpdate({ idempotencyKey: 'k', id: 3, expectedVersion: 0 }))).toEqual(['expectedVersion', '(input)']);
    // Setting gold to 0 and not setting it are different requests.
    expect(normalizeUpdate({ idempotencyKey: 'k', id: 3, gold: 0, level: 1 }).hash).not.toBe(normalizeUpdate({ idempotencyKey: 'k', id: 3, level: 1 }).hash);
  });

  it.each([
    [{ idempotencyKey: 'k', fromId: 1, toId: 2, amount: 5 }, []],
    [{ idempotencyKey: 'k', fromId: 1, toId: 1, amount: 5 }, ['toId']],
    [{ idempotencyKey: 'k', fromId: 0, toId: 2, amount: 0.5 }, ['fromId', 'amount']],
  ])('normalizeTransfer %j → issues at %j', (input, expected) => {
    if (expected.length === 0) expect(normalizeTransfer(input).amount).toBe(5);
    else expect(paths(() => normalizeTransfer(input))).toEqual(expected);
  });

  it('normalizeDelete, normalizeId and normalizeTimestamp check their integers', () => {
    expect(normalizeDelete({ idempotencyKey: 'k', id: 9 })).toMatchObject({ id: 9 });
    expect(normalizeId(Number.MAX_SAFE_INTEGER, 'getPlayer')).toBe(Number.MAX_SAFE_INTEGER);
    expect(paths(() => normalizeId(-3, 'getPlayer'))).toEqual(['id']);
    expect(normalizeTimestamp(0, 'olderThanMs', 'prune')).toBe(0);
    expect(paths(() => normalizeTimestamp(-1, 'olderThanMs', 'prune'))).toEqual(['olderThanMs']);
  });

  it('normalizeLogEntries fills `at`, keeps nulls, reports every bad entry by index, and enforces the per-call limit', () => {
    const out = normalizeLogEntries([{ sessionId: 1, event: 'connect' }, { key: 'k', sessionId: 2, playerId: 5, event: 'e', detail: 'multi\nline', at: 7 }], 10, 1234);
    expect(out).toEqual([
      { key: null, sessionId: 1, playerId: null, event: 'connect', detail: null, at: 1234 },
      { key: 'k', sessionId: 2, playerId: 5, event: 'e', detail: 'multi\nline', at: 7 },
    ]);
    expect(normalizeLogEntries([{ sessionId: 1, event: 'e', detail: '' }], 10, 0)[0]?.detail).toBe('');
    expect(paths(() => normalizeLogEntries([{ sessionId: 1, event: 'ok' }, { sessionId: 1, event: 'x'.repeat(33), playerId: 0 }], 10, 0))).toEqual([
      'entries[1].playerId',
      'entries[1].event',
    ]);
    expect(paths(() => normalizeLogEntries(new Array(3).fill({ sessionId: 1, event: 'e' }), 2, 0))).toEqual(['entries']);
    expect(paths(() => normalizeLogEntries('nope' as never, 2, 0))).toEqual(['entries']);
  });
});
