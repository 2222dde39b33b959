/**
 * FrameDecoder.push(chunk, start, end): ranges of one reused buffer (net
 * `onread`, as the harness reads) decode exactly like separate chunks, and a
 * split frame survives the buffer being overwritten. Also the v1 fast path
 * on every size and id.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, type FrameSink } from './decoder.ts';
import { ProtocolErrorCode, type ProtocolError } from './errors.ts';

class Collector implements FrameSink {
  frames: string[] = [];
  ids: number[] = [];
  errors: ProtocolError[] = [];
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    this.frames.push(buf.toString('hex', offset, offset + size));
    this.ids.push(id);
  }
  onFrameError(err: ProtocolError): void {
    this.errors.push(err);
  }
}

function frame(id: number, payload: number[]): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeUInt16LE(b.length, 0);
  b.writeUInt16LE(id, 2);
  Buffer.from(payload).copy(b, 4);
  return b;
}

const frameArb = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 })).map(([id, p]) => frame(id, p));

describe('FrameDecoder.push with a range', () => {
  it('decodes a range of a reused buffer like the same bytes as separate chunks, at any split (property)', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 30 }), (frames, cuts) => {
        const stream = Buffer.concat(frames);
        const viaRanges = new Collector();
        const viaChunks = new Collector();
        const ranged = new FrameDecoder(viaRanges);
        const chunked = new FrameDecoder(viaChunks);
        const shared = Buffer.alloc(256);
        let at = 0;
        let k = 0;
        while (at < stream.length) {
          const n = Math.min(cuts[k++ % cuts.length]!, stream.length - at);
          // The read lands somewhere inside the shared buffer; the rest is garbage.
          const start = (k * 37) % (shared.length - n);
          shared.fill(0xee);
          stream.copy(shared, start, at, at + n);
          ranged.push(shared, start, start + n);
          chunked.push(Buffer.from(stream.subarray(at, at + n)));
          at += n;
        }
        expect(viaRanges.errors).toEqual([]);
        expect(viaRanges.frames).toEqual(frames.map((f) => f.toString('hex')));
        expect(viaRanges.frames).toEqual(viaChunks.frames);
      }),
    );
  });

  it('keeps a split frame when the buffer is overwritten between reads', () => {
    const sink = new Collector();
    const decoder = new FrameDecoder(sink);
    const ping = frame(3, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const shared = Buffer.alloc(64);
    ping.copy(shared, 10, 0, 7);
    decoder.push(shared, 10, 17);
    shared.fill(0xff);
    ping.copy(shared, 0, 7);
    decoder.push(shared, 0, ping.length - 7);
    expect(sink.frames).toEqual([ping.toString('hex')]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it.each([
    ['an empty range', 5, 5, []],
    ['a range ending mid-frame', 0, 6, []],
  ])('%s delivers nothing', (_what, start, end, expected) => {
    const sink = new Collector();
    new FrameDecoder(sink).push(frame(1, [1, 2, 3, 4]), start, end);
    expect(sink.frames).toEqual(expected);
  });
});

describe('the v1 fast path', () => {
  it('reads every size and id of a v1 stream, ids above 0x7fff included (property)', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 10 }), (frames) => {
        const sink = new Collector();
        new FrameDecoder(sink).push(Buffer.concat(frames));
        expect(sink.frames).toEqual(frames.map((f) => f.toString('hex')));
        expect(sink.ids).toEqual(frames.map((f) => f.readUInt16LE(2)));
      }),
    );
  });

  it.each([
    ['size below the header', Buffer.from([3, 0, 1, 0]), ProtocolErrorCode.SIZE_TOO_SMALL, undefined],
    ['size above the maximum', frame(1, new Array<number>(40).fill(0)), ProtocolErrorCode.SIZE_TOO_LARGE, 20],
  ])('reports %s once and stops', (_what, bytes, code, max) => {
    const sink = new Collector();
    const decoder = new FrameDecoder(sink, max === undefined ? {} : { maxPacketSize: max });
    decoder.push(bytes);
    decoder.push(frame(2, []));
    expect(sink.errors.map((e) => e.code)).toEqual([code]);
    expect(sink.frames).toEqual([]);
    expect(decoder.isStopped).toBe(true);
  });
});
