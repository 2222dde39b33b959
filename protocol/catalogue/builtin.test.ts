/**
 * The built-in catalogue must be wire protocol v1, byte for byte: its encode
 * equals the hand-written encoders of protocol/packets.ts and its decode
 * reads what they wrote.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { V1_HEADER } from '../header.ts';
import { PacketId } from '../packet-ids.ts';
import {
  DISCONNECT_TEXT_MAX,
  PING_CLIENT_TIME,
  PING_SEQ,
  PONG_CLIENT_TIME,
  PONG_SEQ,
  PONG_SERVER_TIME,
  decodeDisconnectNotice,
  decodePingReq,
  decodePongRes,
  decodeSessionConnectReq,
  decodeSessionConnectRes,
  decodeServerStatsReq,
  decodeServerStatsRes,
  encodeDisconnectNotice,
  encodePingReq,
  encodePongRes,
  encodeSessionConnectReq,
  encodeSessionConnectRes,
  encodeServerStatsReq,
  encodeServerStatsRes,
} from '../packets.ts';
import { builtinCatalogue } from './load.ts';
import type { PacketCodec } from './types.ts';

const cat = builtinCatalogue();
const codec = (name: string): PacketCodec => {
  const c = cat.byName(name);
  if (c === undefined) throw new Error(`built-in catalogue lacks ${name}`);
  return c;
};

const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const text = fc.string({ unit: 'binary', maxLength: 80 });
/** Notice texts the hand-written encoder keeps whole (it cuts longer ones at 200 bytes). */
const noticeText = text.filter((t) => Buffer.byteLength(t) <= DISCONNECT_TEXT_MAX);

/** Decodes a whole buffer with the codec. */
const decodeAll = (c: PacketCodec, buf: Buffer) => c.decode(buf, 0, buf.length);

describe('built-in catalogue (game-v1)', () => {
  it('has the v1 framing, every v1 packet and is cached', () => {
    expect(cat.name).toBe('game-v1');
    expect(cat.layout).toEqual(V1_HEADER);
    expect(cat.maxPacketSize).toBe(0xffff);
    expect(cat.packets.map((p) => [p.name, p.id])).toEqual(Object.entries(PacketId));
    expect(builtinCatalogue()).toBe(cat);
    for (const [name, id] of Object.entries(PacketId)) expect(cat.byId(id)?.name).toBe(name);
    expect(cat.byId(0x0999)).toBeUndefined();
    expect(cat.byName('Nope')).toBeUndefined();
  });

  it.each([
    ['SessionConnectReq', 'client', null],
    ['SessionConnectRes', 'server', 21],
    ['PingReq', 'client', 16],
    ['PongRes', 'server', 24],
    ['DisconnectNotice', 'server', null],
    ['ServerStatsReq', 'client', 8],
    ['ServerStatsRes', 'server', 36],
  ] as const)('%s goes %s with fixed size %s', (name, direction, fixedSize) => {
    expect(codec(name).direction).toBe(direction);
    expect(codec(name).fixedSize).toBe(fixedSize);
  });

  it('SessionConnectReq equals encodeSessionConnectReq and decodes its output', () => {
    fc.assert(
      fc.property(u32, text, (clientVersion, token) => {
        const hand = encodeSessionConnectReq({ clientVersion, token });
        const ours = codec('SessionConnectReq').encode({ clientVersion, token });
        expect(ours.equals(hand)).toBe(true);
        expect(decodeAll(codec('SessionConnectReq'), hand)).toEqual(decodeSessionConnectReq(hand, 0, hand.length));
      }),
    );
  });

  it('SessionConnectRes equals encodeSessionConnectRes and decodes its output', () => {
    fc.assert(
      fc.property(u8, u64, u64, (result, sessionId, serverTime) => {
        const hand = encodeSessionConnectRes({ result, sessionId, serverTime });
        expect(codec('SessionConnectRes').encode({ result, sessionId, serverTime }).equals(hand)).toBe(true);
        expect(decodeAll(codec('SessionConnectRes'), hand)).toEqual(decodeSessionConnectRes(hand, 0, hand.length));
      }),
    );
  });

  it('PingReq equals encodePingReq and decodes its output', () => {
    fc.assert(
      fc.property(u64, u32, (clientTime, seq) => {
        const hand = encodePingReq({ clientTime, seq });
        expect(codec('PingReq').encode({ clientTime, seq }).equals(hand)).toBe(true);
        expect(decodeAll(codec('PingReq'), hand)).toEqual(decodePingReq(hand, 0, hand.length));
      }),
    );
  });

  it('PongRes equals encodePongRes and decodes its output', () => {
    fc.assert(
      fc.property(u64, u64, u32, (clientTime, serverTime, seq) => {
        const hand = encodePongRes({ clientTime, serverTime, seq });
        expect(codec('PongRes').encode({ clientTime, serverTime, seq }).equals(hand)).toBe(true);
        expect(decodeAll(codec('PongRes'), hand)).toEqual(decodePongRes(hand, 0, hand.length));
      }),
    );
  });

  it('DisconnectNotice equals encodeDisconnectNotice and decodes its output', () => {
    fc.assert(
      fc.property(u16, noticeText, (reason, t) => {
        const hand = encodeDisconnectNotice({ reason, text: t });
        expect(codec('DisconnectNotice').encode({ reason, text: t }).equals(hand)).toBe(true);
        expect(decodeAll(codec('DisconnectNotice'), hand)).toEqual(decodeDisconnectNotice(hand, 0, hand.length));
      }),
    );
  });

  it('ServerStatsReq/Res equal the hand-written encoders and decode their output', () => {
    fc.assert(
      fc.property(u32, u32, u64, u64, u64, (requestId, sessions, packetsIn, packetsOut, uptimeMs) => {
        const req = encodeServerStatsReq({ requestId });
        expect(codec('ServerStatsReq').encode({ requestId }).equals(req)).toBe(true);
        expect(decodeAll(codec('ServerStatsReq'), req)).toEqual(decodeServerStatsReq(req, 0, req.length));
        const values = { requestId, sessions, packetsIn, packetsOut, uptimeMs };
        const res = encodeServerStatsRes(values);
        expect(codec('ServerStatsRes').encode(values).equals(res)).toBe(true);
        expect(decodeAll(codec('ServerStatsRes'), res)).toEqual(decodeServerStatsRes(res, 0, res.length));
      }),
    );
  });

  it('the hand-written decoders read what the catalogue wrote', () => {
    fc.assert(
      fc.property(u32, text, u64, u32, (clientVersion, token, time, seq) => {
        const req = codec('SessionConnectReq').encode({ clientVersion, token });
        expect(decodeSessionConnectReq(req, 0, req.length)).toEqual({ clientVersion, token });
        const ping = codec('PingReq').encode({ clientTime: time, seq });
        expect(decodePingReq(ping, 0, ping.length)).toEqual({ clientTime: time, seq });
      }),
    );
  });

  // Hex fixtures: size u16 LE, id u16 LE, payload.
  it.each([
    ['SessionConnectReq', { clientVersion: 1, token: 'ab' }, '0c00 0100 01000000 0200 6162'],
    ['SessionConnectReq', {}, '0a00 0100 01000000 0000'],
    ['SessionConnectRes', { result: 0, sessionId: 0x0102030405, serverTime: 7 }, '1500 0200 00 0504030201000000 0700000000000000'],
    ['PingReq', { clientTime: 0x1122334455, seq: 0xdeadbeef }, '1000 0300 5544332211000000 efbeadde'],
    ['PongRes', { clientTime: 1, serverTime: 2, seq: 3 }, '1800 0400 0100000000000000 0200000000000000 03000000'],
    ['DisconnectNotice', { reason: 10, text: 'bye' }, '0b00 0500 0a00 0300 627965'],
    ['ServerStatsReq', { requestId: 7 }, '0800 0002 07000000'],
    [
      'ServerStatsRes',
      { requestId: 7, sessions: 3, packetsIn: 1000, packetsOut: 998, uptimeMs: 60_000 },
      '2400 0102 07000000 03000000 e803000000000000 e603000000000000 60ea000000000000',
    ],
  ])('%s %j encodes to %s and back', (name, values, hex) => {
    const bytes = Buffer.from(hex.replace(/ /g, ''), 'hex');
    expect(codec(name).encode(values).toString('hex')).toBe(bytes.toString('hex'));
    const decoded = decodeAll(codec(name), bytes);
    for (const [k, v] of Object.entries(values)) expect(decoded[k]).toEqual(v);
  });

  it('fieldReader reads PingReq/PongRes fields at the offsets packets.ts exports', () => {
    const ping = codec('PingReq').encode({ clientTime: 123_456_789_012, seq: 42 });
    expect(codec('PingReq').fields.map((f) => [f.name, f.offset])).toEqual([
      ['clientTime', PING_CLIENT_TIME],
      ['seq', PING_SEQ],
    ]);
    expect(codec('PingReq').fieldReader('seq')!(ping, 0)).toBe(42);
    expect(codec('PingReq').fieldReader('clientTime')!(ping, 0)).toBe(123_456_789_012);

    const frame = Buffer.concat([Buffer.alloc(5), encodePongRes({ clientTime: 9, serverTime: 8, seq: 7 })]);
    const pong = codec('PongRes');
    expect(pong.fields.map((f) => f.offset)).toEqual([PONG_CLIENT_TIME, PONG_SERVER_TIME, PONG_SEQ]);
    expect(pong.fieldReader('seq')!(frame, 5)).toBe(7);
    expect(pong.fieldReader('serverTime')!(frame, 5)).toBe(8);
    // A field after the variable-length token has no fixed offset.
    expect(codec('SessionConnectReq').fieldReader('clientVersion')).not.toBeNull();
    expect(codec('SessionConnectReq').fieldReader('token')).toBeNull();
  });

  it('rejects a DisconnectNotice text over 200 bytes instead of cutting it', () => {
    expect(() => codec('DisconnectNotice').encode({ reason: 0, text: 'x'.repeat(201) })).toThrow(
      expect.objectContaining({ code: 'NMT_CATALOGUE_ENCODE', field: 'text' }),
    );
  });
});
