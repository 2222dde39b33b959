import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DB_PROTOCOL_VERSION, DbResKind, decodeDbRequest, decodeDbResponse, dbRequestId, encodeDbRequest, encodeDbResponse, type DbRequest, type DbResBody } from './db-packets.ts';
import { ProtocolErrorCode } from './errors.ts';
import { PacketId } from './packet-ids.ts';

const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const asciiKey = fc.stringMatching(/^[\x21-\x7e]{1,128}$/);
const text = fc.string({ maxLength: 64 });

const request: fc.Arbitrary<DbRequest> = fc.oneof(
  fc.record({ op: fc.constant('createPlayer' as const), idempotencyKey: asciiKey, name: text, level: u32, gold: u64 }),
  fc.record({ op: fc.constant('getPlayer' as const), id: u64 }),
  fc.record(
    { op: fc.constant('updatePlayer' as const), idempotencyKey: asciiKey, id: u64, name: text, level: u32, gold: u64, expectedVersion: u32 },
    { requiredKeys: ['op', 'idempotencyKey', 'id'] },
  ),
  fc.record({ op: fc.constant('deletePlayer' as const), idempotencyKey: asciiKey, id: u64 }),
  fc.record({ op: fc.constant('transferGold' as const), idempotencyKey: asciiKey, fromId: u64, toId: u64, amount: u64 }),
  fc.record({
    op: fc.constant('logSessions' as const),
    entries: fc.array(
      fc.record(
        { key: asciiKey, sessionId: u64, playerId: fc.integer({ min: 1, max: 2 ** 40 }), event: fc.stringMatching(/^[a-z]{1,16}$/), detail: fc.string({ minLength: 1, maxLength: 40 }), at: fc.integer({ min: 1, max: 2 ** 45 }) },
        { requiredKeys: ['sessionId', 'event'] },
      ),
      { maxLength: 20 },
    ),
  }),
  fc.record({ op: fc.constant('stats' as const), reset: fc.boolean() }),
);

/** What a decoder gives back for a log entry: absent playerId/detail become null. */
function normalise(req: DbRequest): DbRequest {
  if (req.op !== 'logSessions') return req;
  return { op: 'logSessions', entries: req.entries.map((e) => ({ ...e, playerId: e.playerId ?? null, detail: e.detail ?? null })) };
}

describe('db packets: requests', () => {
  it('round-trip every operation with its envelope', () => {
    fc.assert(
      fc.property(u32, u32, request, (requestId, deadlineMs, req) => {
        const b = encodeDbRequest(requestId, deadlineMs, req);
        expect(b.readUInt16LE(0)).toBe(b.length);
        expect(b.readUInt16LE(2)).toBe(dbRequestId(req.op));
        expect(decodeDbRequest(b.readUInt16LE(2), b, 0, b.length)).toEqual({ version: DB_PROTOCOL_VERSION, requestId, deadlineMs, request: normalise(req) });
      }),
    );
  });

  it('has a documented byte layout (DbGetPlayerReq)', () => {
    const b = encodeDbRequest(0x01020304, 5000, { op: 'getPlayer', id: 42 });
    // size 21, id 0x1002, version 1, requestId, deadline 5000 ms, playerId 42
    expect(b.toString('hex')).toBe('15000210' + '01' + '04030201' + '88130000' + '2a00000000000000');
  });

  it('ignores trailing bytes of a newer version (forward compatibility)', () => {
    const b = encodeDbRequest(7, 100, { op: 'getPlayer', id: 3 });
    const newer = Buffer.concat([b, Buffer.from([0xaa, 0xbb])]);
    newer.writeUInt16LE(newer.length, 0);
    newer[4] = 2;
    expect(decodeDbRequest(PacketId.DbGetPlayerReq, newer, 0, newer.length)).toMatchObject({ version: 2, requestId: 7, request: { op: 'getPlayer', id: 3 } });
  });

  it.each([
    ['version 0', (b: Buffer) => ((b[4] = 0), b), PacketId.DbGetPlayerReq],
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 2), PacketId.DbGetPlayerReq],
    ['a non-Db id', (b: Buffer) => b, PacketId.PingReq],
  ])('refuses %s with MALFORMED_PAYLOAD', (_n, mutate, id) => {
    const b = mutate(encodeDbRequest(1, 1, { op: 'getPlayer', id: 1 }));
    expect(() => decodeDbRequest(id, b, 0, b.length)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.MALFORMED_PAYLOAD }));
  });

  it('refuses a key longer than its u8 length prefix', () => {
    expect(() => encodeDbRequest(1, 1, { op: 'deletePlayer', idempotencyKey: 'k'.repeat(256), id: 1 })).toThrow(expect.objectContaining({ code: ProtocolErrorCode.VALUE_OUT_OF_RANGE }));
  });
});

describe('db packets: responses', () => {
  const bodies: [string, DbResBody][] = [
    ['Error', { kind: DbResKind.Error, message: 'NMT_DB_UNAVAILABLE: gone' }],
    ['Player', { kind: DbResKind.Player, player: { id: 1, name: 'zoë', level: 2, gold: 3, version: 4, createdAt: 5, updatedAt: 6 } }],
    ['Deleted', { kind: DbResKind.Deleted, playerId: 77 }],
    ['Transfer', { kind: DbResKind.Transfer, transfer: { fromId: 1, toId: 2, amount: 3, fromGold: 4, toGold: 5, fromVersion: 6, toVersion: 7 } }],
    ['Accepted', { kind: DbResKind.Accepted, count: 12 }],
    ['Json', { kind: DbResKind.Json, json: '{"a":[1,2]}' }],
  ];
  it.each(bodies)('round-trips a %s body', (_n, body) => {
    const b = encodeDbResponse(99, 3, body);
    expect(b.readUInt16LE(2)).toBe(PacketId.DbRes);
    expect(decodeDbResponse(b, 0, b.length)).toEqual({ version: DB_PROTOCOL_VERSION, requestId: 99, status: 3, body });
  });

  it('refuses an unknown body kind', () => {
    const b = encodeDbResponse(1, 0, { kind: DbResKind.Accepted, count: 1 });
    b[10] = 99;
    expect(() => decodeDbResponse(b, 0, b.length)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.MALFORMED_PAYLOAD }));
  });

  it('never throws anything but a ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 100 }), (a) => {
        const b = Buffer.from(a);
        try {
          decodeDbResponse(b, 0, b.length);
        } catch (err) {
          expect((err as { code?: string }).code).toBe(ProtocolErrorCode.MALFORMED_PAYLOAD);
        }
      }),
    );
  });
});
