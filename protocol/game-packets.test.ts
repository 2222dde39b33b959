import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolErrorCode } from './errors.ts';
import {
  GameStatus,
  decodeCreatePlayerReq,
  decodeDeletePlayerReq,
  decodeDeletePlayerRes,
  decodeGetPlayerReq,
  decodePlayerRes,
  decodeTransferGoldReq,
  decodeTransferGoldRes,
  decodeUpdatePlayerReq,
  encodeCreatePlayerReq,
  encodeDeletePlayerReq,
  encodeDeletePlayerRes,
  encodeGetPlayerReq,
  encodePlayerRes,
  encodeTransferGoldReq,
  encodeTransferGoldRes,
  encodeUpdatePlayerReq,
  gameStatusName,
  isRetryableStatus,
} from './game-packets.ts';
import { PacketId } from './packet-ids.ts';
import { builtinCatalogue } from './catalogue/load.ts';
import { DbResKind, encodeDbRequest, encodeDbResponse } from './db-packets.ts';

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

describe('game packets: byte layouts', () => {
  it.each([
    // size 0x0010 = 16, id 0x0102, seq 7, playerId 0x0102030405
    ['GetPlayerReq', encodeGetPlayerReq({ seq: 7, playerId: 0x0102030405 }), '10000201' + '07000000' + '0504030201000000'],
    ['DeletePlayerRes', encodeDeletePlayerRes({ seq: 1, status: GameStatus.NotFound, playerId: 9 }), '11000701' + '01000000' + '01' + '0900000000000000'],
    [
      'TransferGoldReq',
      encodeTransferGoldReq({ seq: 2, key: KEY, fromId: 1, toId: 2, amount: 300 }),
      '30000801' + '02000000' + KEY.toString('hex') + '0100000000000000' + '0200000000000000' + '2c01000000000000',
    ],
  ])('%s encodes to its documented bytes', (_name, buf, hex) => {
    expect(buf.toString('hex')).toBe(hex);
  });
});

const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const key = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));
const name = fc.string({ maxLength: 64, unit: 'grapheme' });

describe('game packets: round trips', () => {
  it('CreatePlayerReq', () => {
    fc.assert(fc.property(u32, key, name, u32, u64, (seq, k, n, level, gold) => {
      const b = encodeCreatePlayerReq({ seq, key: k, name: n, level, gold });
      expect(decodeCreatePlayerReq(b, 0, b.length)).toEqual({ seq, key: k, name: n, level, gold });
    }));
  });

  it('UpdatePlayerReq keeps exactly the fields given', () => {
    fc.assert(fc.property(u32, key, u64, fc.option(name, { nil: undefined }), fc.option(u32, { nil: undefined }), fc.option(u64, { nil: undefined }), fc.option(u32, { nil: undefined }), (seq, k, playerId, n, level, gold, expectedVersion) => {
      const req = { seq, key: k, playerId, name: n, level, gold, expectedVersion };
      const b = encodeUpdatePlayerReq(req);
      const want = Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined));
      expect(decodeUpdatePlayerReq(b, 0, b.length)).toEqual(want);
    }));
  });

  it('GetPlayerReq, DeletePlayerReq, TransferGoldReq', () => {
    fc.assert(fc.property(u32, key, u64, u64, u64, (seq, k, a, b, c) => {
      const g = encodeGetPlayerReq({ seq, playerId: a });
      expect(decodeGetPlayerReq(g, 0, g.length)).toEqual({ seq, playerId: a });
      const d = encodeDeletePlayerReq({ seq, key: k, playerId: a });
      expect(decodeDeletePlayerReq(d, 0, d.length)).toEqual({ seq, key: k, playerId: a });
      const t = encodeTransferGoldReq({ seq, key: k, fromId: a, toId: b, amount: c });
      expect(decodeTransferGoldReq(t, 0, t.length)).toEqual({ seq, key: k, fromId: a, toId: b, amount: c });
    }));
  });

  it('PlayerRes, DeletePlayerRes, TransferGoldRes (decoded at an offset inside a larger buffer)', () => {
    fc.assert(fc.property(u32, u64, name, u32, u64, u32, u64, u64, (seq, id, n, level, gold, version, createdAt, updatedAt) => {
      const player = { id, name: n, level, gold, version, createdAt, updatedAt };
      const p = Buffer.concat([Buffer.alloc(3), encodePlayerRes(PacketId.GetPlayerRes, { seq, status: GameStatus.Ok, player })]);
      expect(decodePlayerRes(p, 3, p.length - 3)).toEqual({ seq, status: GameStatus.Ok, player });
      const d = encodeDeletePlayerRes({ seq, status: 0, playerId: id });
      expect(decodeDeletePlayerRes(d, 0, d.length)).toEqual({ seq, status: 0, playerId: id });
      const t = encodeTransferGoldRes({ seq, status: 0, fromGold: gold, toGold: createdAt });
      expect(decodeTransferGoldRes(t, 0, t.length)).toEqual({ seq, status: 0, fromGold: gold, toGold: createdAt });
    }));
  });

  it('an error PlayerRes carries no player', () => {
    const b = encodePlayerRes(PacketId.CreatePlayerRes, { seq: 5, status: GameStatus.DbUnavailable, player: null });
    expect(decodePlayerRes(b, 0, b.length)).toEqual({ seq: 5, status: GameStatus.DbUnavailable, player: null });
  });
});

describe('game packets: malformed input', () => {
  it.each([
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['trailing byte', (b: Buffer) => Buffer.concat([b, Buffer.from([0])])],
  ])('%s TransferGoldReq is MALFORMED_PAYLOAD', (_n, mutate) => {
    const b = mutate(encodeTransferGoldReq({ seq: 1, key: KEY, fromId: 1, toId: 2, amount: 3 }));
    expect(() => decodeTransferGoldReq(b, 0, b.length)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.MALFORMED_PAYLOAD }));
  });

  it('a name length past the end is MALFORMED_PAYLOAD', () => {
    const b = encodeCreatePlayerReq({ seq: 1, key: KEY, name: 'ab', level: 1, gold: 0 });
    b.writeUInt16LE(50, b.length - 4);
    expect(() => decodeCreatePlayerReq(b, 0, b.length)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.MALFORMED_PAYLOAD }));
  });

  it('a key that is not 16 bytes is VALUE_OUT_OF_RANGE', () => {
    expect(() => encodeDeletePlayerReq({ seq: 1, key: Buffer.alloc(15), playerId: 1 })).toThrow(expect.objectContaining({ code: ProtocolErrorCode.VALUE_OUT_OF_RANGE }));
  });

  it('never throws anything but a ProtocolError on random bytes', () => {
    const decoders = [decodeCreatePlayerReq, decodeGetPlayerReq, decodeUpdatePlayerReq, decodeDeletePlayerReq, decodeTransferGoldReq, decodePlayerRes];
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 120 }), (a) => {
      const b = Buffer.from(a);
      for (const d of decoders) {
        try {
          d(b, 0, b.length);
        } catch (err) {
          expect((err as { code?: string }).code).toBe(ProtocolErrorCode.MALFORMED_PAYLOAD);
        }
      }
    }));
  });
});

describe('GameStatus', () => {
  it.each([
    [GameStatus.DbUnavailable, true],
    [GameStatus.Timeout, true],
    [GameStatus.Overloaded, true],
    [GameStatus.InsufficientFunds, false],
    [GameStatus.Ok, false],
  ])('status %i retryable: %s', (s, want) => {
    expect(isRetryableStatus(s)).toBe(want);
  });

  it('names statuses, unknown ones included', () => {
    expect(gameStatusName(GameStatus.VersionConflict)).toBe('VersionConflict');
    expect(gameStatusName(200)).toBe('Unknown(200)');
  });
});

describe('built-in catalogue matches the hand-written codecs', () => {
  const cat = builtinCatalogue();
  const codec = (name: string) => {
    const c = cat.byName(name);
    if (c === undefined) throw new Error(`built-in catalogue lacks ${name}`);
    return c;
  };

  it('TransferGoldReq and CreatePlayerReq encode byte for byte', () => {
    fc.assert(fc.property(u32, key, u64, u64, u64, name, (seq, k, a, b, c, n) => {
      const latin = k.toString('latin1');
      expect(codec('TransferGoldReq').encode({ seq, key: latin, fromId: a, toId: b, amount: c }).equals(encodeTransferGoldReq({ seq, key: k, fromId: a, toId: b, amount: c }))).toBe(true);
      expect(codec('CreatePlayerReq').encode({ seq, key: latin, level: 1, gold: a, name: n }).equals(encodeCreatePlayerReq({ seq, key: k, level: 1, gold: a, name: n }))).toBe(true);
    }));
  });

  it('PlayerRes decodes with the catalogue', () => {
    const player = { id: 5, name: 'bob', level: 2, gold: 30, version: 4, createdAt: 1000, updatedAt: 2000 };
    const b = encodePlayerRes(PacketId.UpdatePlayerRes, { seq: 9, status: GameStatus.Ok, player });
    expect(codec('UpdatePlayerRes').decode(b, 0, b.length)).toMatchObject({ seq: 9, status: 0, playerId: 5, level: 2, gold: 30, version: 4, name: 'bob' });
  });

  it('DbGetPlayerReq encodes and DbRes decodes like db-packets.ts', () => {
    const hand = encodeDbRequest(77, 1000, { op: 'getPlayer', id: 3 });
    expect(codec('DbGetPlayerReq').encode({ requestId: 77, deadlineMs: 1000, playerId: 3 }).equals(hand)).toBe(true);
    const res = encodeDbResponse(77, GameStatus.NotFound, { kind: DbResKind.Error, message: 'gone' });
    expect(codec('DbRes').decode(res, 0, res.length)).toMatchObject({ version: 1, requestId: 77, status: GameStatus.NotFound, kind: 0 });
  });
});
