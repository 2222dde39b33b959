import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, type FrameSink } from './decoder.ts';
import { ProtocolErrorCode, type ProtocolError } from './errors.ts';
import type { HeaderLayout } from './header.ts';

/** Collects frames as hex strings (copied: the decoder hands out views). */
class Collector implements FrameSink {
  frames: { id: number; hex: string }[] = [];
  errors: ProtocolError[] = [];
  stopAfter = Infinity;
  decoder: FrameDecoder | null = null;
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    this.frames.push({ id, hex: buf.toString('hex', offset, offset + size) });
    if (this.frames.length >= this.stopAfter) this.decoder?.stop();
  }
  onFrameError(err: ProtocolError): void {
    this.errors.push(err);
  }
}

function decode(chunks: Buffer[], maxPacketSize?: number, layout?: HeaderLayout) {
  const sink = new Collector();
  const decoder = new FrameDecoder(sink, { maxPacketSize, layout });
  sink.decoder = decoder;
  for (const c of chunks) decoder.push(c);
  return { sink, decoder };
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// PingReq: size 16, id 3, clientTime 0x0807060504030201, seq 0x0d0c0b0a
const PING = '1000 0300 0102030405060708 0a0b0c0d';
// A header-only packet: size 4, id 0x0102.
const EMPTY = '0400 0201';
// DisconnectNotice: size 10, id 5, reason 2, textLength 2, "hi".
const NOTICE = '0a00 0500 0200 0200 6869';

describe('FrameDecoder', () => {
  it.each([
    ['one packet', [PING], [PING]],
    ['header-only packet', [EMPTY], [EMPTY]],
    ['three packets in one chunk', [PING + EMPTY + NOTICE], [PING, EMPTY, NOTICE]],
    ['split inside the header', ['10', '00 0300 0102030405060708 0a0b0c0d'], [PING]],
    ['split after the header', ['1000 0300', '0102030405060708 0a0b0c0d'], [PING]],
    ['split inside the payload then a second packet', ['1000 0300 0102', '030405060708 0a0b0c0d' + EMPTY], [PING, EMPTY]],
    ['header arrives one byte at a time', ['04', '00', '02', '01'], [EMPTY]],
    ['packet tail plus a split header', [PING + '0a', '00 0500 0200 0200 6869'], [PING, NOTICE]],
  ])('%s', (_name, chunks, expected) => {
    const { sink } = decode(chunks.map(hex));
    expect(sink.errors).toEqual([]);
    expect(sink.frames.map((f) => f.hex)).toEqual(expected.map((e) => e.replace(/\s+/g, '')));
  });

  it('reports the id of each frame', () => {
    const { sink } = decode([hex(PING + EMPTY + NOTICE)]);
    expect(sink.frames.map((f) => f.id)).toEqual([3, 0x0102, 5]);
  });

  it.each([
    ['size 0', '0000 0300', ProtocolErrorCode.SIZE_TOO_SMALL],
    ['size 3', '0300 0300', ProtocolErrorCode.SIZE_TOO_SMALL],
    ['size above the maximum', 'ff7f 0300', ProtocolErrorCode.SIZE_TOO_LARGE],
  ])('rejects %s', (_name, bytes, code) => {
    const { sink, decoder } = decode([hex(bytes)], 1024);
    expect(sink.errors.map((e) => e.code)).toEqual([code]);
    expect(decoder.isStopped).toBe(true);
    expect(sink.frames).toEqual([]);
  });

  it('rejects an oversized size field found in a split header', () => {
    const { sink } = decode([hex('01'), hex('08 0300')], 1024);
    expect(sink.errors.map((e) => e.code)).toEqual([ProtocolErrorCode.SIZE_TOO_LARGE]);
  });

  it('delivers the frames before a violation, then stops', () => {
    const { sink } = decode([hex(PING + '0200 0300' + PING)]);
    expect(sink.frames).toHaveLength(1);
    expect(sink.errors).toHaveLength(1);
  });

  it('ignores input after stop() called from onFrame', () => {
    const sink = new Collector();
    sink.stopAfter = 1;
    const decoder = new FrameDecoder(sink);
    sink.decoder = decoder;
    decoder.push(hex(PING + PING));
    decoder.push(hex(PING));
    expect(sink.frames).toHaveLength(1);
  });

  it('stops from onFrame while completing a stashed frame', () => {
    const sink = new Collector();
    sink.stopAfter = 1;
    const decoder = new FrameDecoder(sink);
    sink.decoder = decoder;
    decoder.push(hex('1000 0300 01'));
    decoder.push(hex('02030405060708 0a0b0c0d' + PING));
    expect(sink.frames).toHaveLength(1);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('accounts for bytes held of a split frame', () => {
    const { decoder } = decode([hex('1000 0300 0102')]);
    expect(decoder.bufferedBytes).toBe(6);
  });

  it('decodes a foreign layout: big-endian, id first, u32 size excluding the header', () => {
    const layout: HeaderLayout = {
      headerSize: 6,
      idOffset: 0,
      idWidth: 2,
      sizeOffset: 2,
      sizeWidth: 4,
      littleEndian: false,
      sizeIncludesHeader: false,
    };
    const frame = '0101 00000003 aabbcc' + '0202 00000000';
    const { sink } = decode([hex(frame).subarray(0, 4), hex(frame).subarray(4)], undefined, layout);
    expect(sink.errors).toEqual([]);
    expect(sink.frames).toEqual([
      { id: 0x0101, hex: '010100000003aabbcc' },
      { id: 0x0202, hex: '020200000000' },
    ]);
  });

  it('caps a u8 size layout at 255', () => {
    const layout: HeaderLayout = {
      headerSize: 2, sizeOffset: 0, sizeWidth: 1, idOffset: 1, idWidth: 1, littleEndian: true, sizeIncludesHeader: true,
    };
    const { sink } = decode([hex('0305ff')], 100_000, layout);
    expect(sink.frames).toEqual([{ id: 5, hex: '0305ff' }]);
  });

  // Property: however a stream of valid packets is cut into chunks, the decoder
  // yields exactly those packets in order.
  const packetArb = fc
    .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 300 }))
    .map(([id, payload]) => {
      const b = Buffer.alloc(4 + payload.length);
      b.writeUInt16LE(b.length, 0);
      b.writeUInt16LE(id, 2);
      Buffer.from(payload).copy(b, 4);
      return b;
    });

  it('yields the same packets however the stream is split (property)', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (packets, cuts) => {
        const stream = Buffer.concat(packets);
        const chunks: Buffer[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          chunks.push(stream.subarray(at, at + n));
          at += n;
        }
        const { sink } = decode(chunks);
        expect(sink.errors).toEqual([]);
        expect(sink.frames.map((f) => f.hex)).toEqual(packets.map((p) => p.toString('hex')));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes and reports at most one error (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const { sink } = decode(chunks.map((c) => Buffer.from(c)), 512);
        expect(sink.errors.length).toBeLessThanOrEqual(1);
        for (const f of sink.frames) {
          const size = f.hex.length / 2;
          expect(size).toBeGreaterThanOrEqual(4);
          expect(size).toBeLessThanOrEqual(512);
        }
      }),
      { numRuns: 500 },
    );
  });
});
