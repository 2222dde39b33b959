/**
 * The in-place PongRes writer and u64 writer use byte stores with one bounds
 * check (docs/performance.md): they must still refuse what does not fit and
 * write exactly the bytes the allocating encoder writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { PONG_RES_SIZE, encodePingReq, encodePongRes, writePongFromPing, writeU64 } from './packets.ts';

describe('writePongFromPing', () => {
  it('writes the same bytes as encodePongRes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 16 }), (clientTime, serverTime, seq, at) => {
        const ping = encodePingReq({ clientTime, seq });
        const out = Buffer.alloc(PONG_RES_SIZE + 16, 0xaa);
        expect(writePongFromPing(out, at, ping, 0, serverTime)).toBe(PONG_RES_SIZE);
        expect(out.subarray(at, at + PONG_RES_SIZE).toString('hex')).toBe(encodePongRes({ clientTime, serverTime, seq }).toString('hex'));
        // Nothing outside the packet is touched.
        expect([...out.subarray(0, at), ...out.subarray(at + PONG_RES_SIZE)].every((b) => b === 0xaa)).toBe(true);
      }),
    );
  });

  it.each([
    ['the pong does not fit', Buffer.alloc(30), 8, 0, /cannot write 24 bytes at offset 8 of a 30-byte buffer/],
    ['a negative offset', Buffer.alloc(64), -1, 0, /offset -1/],
    ['the ping is not all there', Buffer.alloc(64), 0, 4, /no 16-byte PingReq at offset 4 of a 16-byte buffer/],
  ])('throws RangeError when %s, writing nothing', (_what, out, at, pingAt, message) => {
    const before = Buffer.from(out);
    expect(() => writePongFromPing(out, at, encodePingReq({ clientTime: 1, seq: 2 }), pingAt, 5)).toThrow(RangeError);
    expect(() => writePongFromPing(out, at, encodePingReq({ clientTime: 1, seq: 2 }), pingAt, 5)).toThrow(message);
    expect(out.equals(before)).toBe(true);
  });

  it.each([-1, 2 ** 53, 1.5, Number.NaN])('refuses serverTime %d with NMT_PROTO_VALUE_OUT_OF_RANGE', (t) => {
    const err = (() => {
      try {
        writePongFromPing(Buffer.alloc(24), 0, encodePingReq({ clientTime: 1, seq: 2 }), 0, t);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(ProtocolErrorCode.VALUE_OUT_OF_RANGE);
  });
});

describe('writeU64', () => {
  it('throws RangeError past the end instead of dropping bytes', () => {
    expect(() => writeU64(Buffer.alloc(8), 1, 1)).toThrow(/cannot write 8 bytes at offset 1 of a 8-byte buffer/);
  });

  it('matches writeBigUInt64LE for every safe integer (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 53 - 1 }), (v) => {
        const a = Buffer.alloc(8);
        const b = Buffer.alloc(8);
        writeU64(a, v, 0);
        b.writeBigUInt64LE(BigInt(v));
        expect(a.equals(b)).toBe(true);
      }),
    );
  });
});
