import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { DisconnectReason, PacketId, disconnectReasonName, packetName } from './packet-ids.ts';
import {
  DISCONNECT_TEXT_MAX,
  PONG_RES_SIZE,
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
  SERVER_STATS_RES_SIZE,
  nowMicros,
  readU64,
  writePongFromPing,
  writeU64,
} from './packets.ts';

const hex = (b: Buffer) => b.toString('hex');
const bytes = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : 'not a ProtocolError';
  }
  return undefined;
}

describe('hex fixtures (docs/protocol.md shows the same bytes)', () => {
  it.each([
    ['SessionConnectReq, no token', encodeSessionConnectReq({ clientVersion: 1, token: '' }), '0a00 0100 01000000 0000'],
    ['SessionConnectReq, token "abc"', encodeSessionConnectReq({ clientVersion: 1, token: 'abc' }), '0d00 0100 01000000 0300 616263'],
    [
      'SessionConnectRes OK, session 42, serverTime 1700000000000000',
      encodeSessionConnectRes({ result: 0, sessionId: 42, serverTime: 1_700_000_000_000_000 }),
      '1500 0200 00 2a00000000000000 00401e18240a0600',
    ],
    ['PingReq clientTime 1000 seq 7', encodePingReq({ clientTime: 1000, seq: 7 }), '1000 0300 e803000000000000 07000000'],
    [
      'PongRes',
      encodePongRes({ clientTime: 1000, serverTime: 2000, seq: 7 }),
      '1800 0400 e803000000000000 d007000000000000 07000000',
    ],
    ['DisconnectNotice SizeTooLarge "too big"', encodeDisconnectNotice({ reason: 3, text: 'too big' }), '0f00 0500 0300 0700 746f6f20626967'],
    ['ServerStatsReq requestId 7', encodeServerStatsReq({ requestId: 7 }), '0800 0002 07000000'],
    [
      'ServerStatsRes requestId 7, 3 sessions, 1000 in, 998 out, 60 s up',
      encodeServerStatsRes({ requestId: 7, sessions: 3, packetsIn: 1000, packetsOut: 998, uptimeMs: 60_000 }),
      '2400 0102 07000000 03000000 e803000000000000 e603000000000000 60ea000000000000',
    ],
  ])('%s', (_name, buf, expected) => {
    expect(hex(buf)).toBe(expected.replace(/\s+/g, ''));
  });
});

describe('decoders', () => {
  it('decode what the encoders wrote', () => {
    const req = encodeSessionConnectReq({ clientVersion: 1, token: 'héllo' });
    expect(decodeSessionConnectReq(req, 0, req.length)).toEqual({ clientVersion: 1, token: 'héllo' });
    const res = encodeSessionConnectRes({ result: 3, sessionId: 2 ** 40 + 5, serverTime: 123 });
    expect(decodeSessionConnectRes(res, 0, res.length)).toEqual({ result: 3, sessionId: 2 ** 40 + 5, serverTime: 123 });
    const ping = encodePingReq({ clientTime: 99, seq: 0xffffffff });
    expect(decodePingReq(ping, 0, ping.length)).toEqual({ clientTime: 99, seq: 0xffffffff });
    const pong = encodePongRes({ clientTime: 1, serverTime: 2, seq: 3 });
    expect(decodePongRes(pong, 0, pong.length)).toEqual({ clientTime: 1, serverTime: 2, seq: 3 });
    const notice = encodeDisconnectNotice({ reason: 10, text: 'bye' });
    expect(decodeDisconnectNotice(notice, 0, notice.length)).toEqual({ reason: 10, text: 'bye' });
  });

  it('read at an offset inside a larger buffer', () => {
    const ping = encodePingReq({ clientTime: 5, seq: 6 });
    const big = Buffer.concat([Buffer.alloc(7), ping, Buffer.alloc(3)]);
    expect(decodePingReq(big, 7, ping.length)).toEqual({ clientTime: 5, seq: 6 });
  });

  it.each([
    ['SessionConnectReq shorter than its fixed part', () => decodeSessionConnectReq(bytes('0900 0100 01000000 00'), 0, 9)],
    ['SessionConnectReq tokenLength past the end', () => decodeSessionConnectReq(bytes('0a00 0100 01000000 0500'), 0, 10)],
    ['SessionConnectReq trailing bytes', () => decodeSessionConnectReq(bytes('0b00 0100 01000000 0000 ff'), 0, 11)],
    ['SessionConnectRes wrong size', () => decodeSessionConnectRes(Buffer.alloc(20), 0, 20)],
    ['PingReq of 15 bytes', () => decodePingReq(Buffer.alloc(15), 0, 15)],
    ['PingReq of 17 bytes', () => decodePingReq(Buffer.alloc(17), 0, 17)],
    ['PongRes wrong size', () => decodePongRes(Buffer.alloc(23), 0, 23)],
    ['DisconnectNotice too short', () => decodeDisconnectNotice(Buffer.alloc(7), 0, 7)],
    ['DisconnectNotice textLength mismatch', () => decodeDisconnectNotice(bytes('0900 0500 0100 0200 61'), 0, 9)],
    ['ServerStatsReq of 4 bytes (no requestId)', () => decodeServerStatsReq(bytes('0400 0002'), 0, 4)],
    ['ServerStatsReq of 9 bytes', () => decodeServerStatsReq(Buffer.alloc(9), 0, 9)],
    ['ServerStatsRes wrong size', () => decodeServerStatsRes(Buffer.alloc(35), 0, 35)],
  ])('reject %s as MALFORMED_PAYLOAD', (_name, fn) => {
    expect(codeOf(fn)).toBe(ProtocolErrorCode.MALFORMED_PAYLOAD);
  });

  it('maps protocol errors to disconnect reasons', () => {
    expect(new ProtocolError(ProtocolErrorCode.SIZE_TOO_LARGE, 'x').reason).toBe(DisconnectReason.SizeTooLarge);
    expect(new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, 'x').reason).toBe(DisconnectReason.MalformedPayload);
  });
});

describe('u64 and limits', () => {
  it.each([0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1])('round-trips %d', (v) => {
    const b = Buffer.alloc(8);
    writeU64(b, v, 0);
    expect(readU64(b, 0)).toBe(v);
    expect(b.readBigUInt64LE(0)).toBe(BigInt(v));
  });

  it.each([-1, 2 ** 53, 1.5, Number.NaN])('rejects %d', (v) => {
    expect(codeOf(() => writeU64(Buffer.alloc(8), v, 0))).toBe(ProtocolErrorCode.VALUE_OUT_OF_RANGE);
  });

  it('rejects a token that cannot fit one packet', () => {
    expect(codeOf(() => encodeSessionConnectReq({ clientVersion: 1, token: 'x'.repeat(70_000) }))).toBe(
      ProtocolErrorCode.VALUE_OUT_OF_RANGE,
    );
  });

  it('cuts long notice text at a character boundary', () => {
    const notice = encodeDisconnectNotice({ reason: 1, text: 'é'.repeat(150) });
    const decoded = decodeDisconnectNotice(notice, 0, notice.length);
    expect(Buffer.byteLength(decoded.text)).toBeLessThanOrEqual(DISCONNECT_TEXT_MAX);
    expect(decoded.text).toBe('é'.repeat(100));
  });

  it('nowMicros is µs since the epoch', () => {
    const ms = Date.now();
    expect(Math.abs(nowMicros() / 1000 - ms)).toBeLessThan(1000);
  });
});

describe('writePongFromPing', () => {
  it('echoes clientTime and seq bytes and writes serverTime', () => {
    const ping = encodePingReq({ clientTime: 2 ** 52 + 3, seq: 77 });
    const out = Buffer.alloc(40);
    expect(writePongFromPing(out, 8, ping, 0, 555)).toBe(PONG_RES_SIZE);
    expect(decodePongRes(out, 8, PONG_RES_SIZE)).toEqual({ clientTime: 2 ** 52 + 3, serverTime: 555, seq: 77 });
  });

  it('echoes any clientTime bytes, even above 2^53 (opaque to the server)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 0xffffffff }), (ct, seq) => {
        const ping = Buffer.alloc(16);
        ping.writeUInt16LE(16, 0);
        ping.writeUInt16LE(PacketId.PingReq, 2);
        Buffer.from(ct).copy(ping, 4);
        ping.writeUInt32LE(seq, 12);
        const out = Buffer.alloc(24);
        writePongFromPing(out, 0, ping, 0, 1);
        expect(hex(out.subarray(4, 12))).toBe(hex(Buffer.from(ct)));
        expect(out.readUInt32LE(20)).toBe(seq);
      }),
    );
  });
});

describe('round trips (property)', () => {
  it('SessionConnectReq', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.string({ maxLength: 500 }), (clientVersion, token) => {
        const b = encodeSessionConnectReq({ clientVersion, token });
        expect(b.readUInt16LE(0)).toBe(b.length);
        const d = decodeSessionConnectReq(b, 0, b.length);
        expect(d.clientVersion).toBe(clientVersion);
        expect(d.token).toBe(Buffer.from(token, 'utf8').toString('utf8'));
      }),
    );
  });

  it('SessionConnectRes and PongRes', () => {
    const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), u64, u64, fc.integer({ min: 0, max: 0xffffffff }), (result, a, b, seq) => {
        const res = encodeSessionConnectRes({ result, sessionId: a, serverTime: b });
        expect(decodeSessionConnectRes(res, 0, res.length)).toEqual({ result, sessionId: a, serverTime: b });
        const pong = encodePongRes({ clientTime: a, serverTime: b, seq });
        expect(decodePongRes(pong, 0, pong.length)).toEqual({ clientTime: a, serverTime: b, seq });
      }),
    );
  });
});

describe('ServerStats', () => {
  it('round-trips every field (property)', () => {
    const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(u32, u32, u64, u64, u64, (requestId, sessions, packetsIn, packetsOut, uptimeMs) => {
        const req = encodeServerStatsReq({ requestId });
        expect(decodeServerStatsReq(req, 0, req.length)).toEqual({ requestId });
        const res = encodeServerStatsRes({ requestId, sessions, packetsIn, packetsOut, uptimeMs });
        expect(res.length).toBe(SERVER_STATS_RES_SIZE);
        expect(decodeServerStatsRes(res, 0, res.length)).toEqual({ requestId, sessions, packetsIn, packetsOut, uptimeMs });
      }),
    );
  });

  it('clamps a session count above u32 instead of wrapping', () => {
    const res = encodeServerStatsRes({ requestId: 1, sessions: 2 ** 40, packetsIn: 0, packetsOut: 0, uptimeMs: 0 });
    expect(decodeServerStatsRes(res, 0, res.length).sessions).toBe(0xffffffff);
  });

  it('rejects counters that do not fit a u64 number', () => {
    expect(codeOf(() => encodeServerStatsRes({ requestId: 1, sessions: 1, packetsIn: -1, packetsOut: 0, uptimeMs: 0 }))).toBe(
      ProtocolErrorCode.VALUE_OUT_OF_RANGE,
    );
  });
});

describe('names', () => {
  it('names packets and reasons, and falls back for unknown ones', () => {
    expect(packetName(PacketId.PingReq)).toBe('PingReq');
    expect(packetName(0x7777)).toBe('0x7777');
    expect(packetName(PacketId.ServerStatsReq)).toBe('ServerStatsReq');
    expect(packetName(0x0201)).toBe('ServerStatsRes');
    expect(disconnectReasonName(DisconnectReason.SlowConsumer)).toBe('SlowConsumer');
    expect(disconnectReasonName(999)).toBe('Unknown(999)');
  });
});
