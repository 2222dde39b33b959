/**
 * The streaming FrameDecoder on the chunk shapes a socket produces:
 * one frame per read, many coalesced frames per read (pipelined pings),
 * frames split across reads (every frame cut in two, and the worst case of
 * one byte per read), a foreign layout through the generic path, and a range
 * of a reused buffer (net `onread`, as the harness reads).
 *
 *   npm run bench:micro -- --filter decoder
 *
 * Reported per frame. Reports only; decoder.test.ts asserts correctness.
 */
import { FrameDecoder, type FrameSink } from './decoder.ts';
import type { ProtocolError } from './errors.ts';
import type { HeaderLayout } from './header.ts';
import { encodePingReq, encodePongRes } from './packets.ts';

/** One benchmark case: `fn` performs `ops` operations. */
export interface MicroCase {
  name: string;
  ops: number;
  fn: () => void;
}

/** Counts frames; reads the id so the view is used. */
class CountingSink implements FrameSink {
  frames = 0;
  ids = 0;
  onFrame(_buf: Buffer, _offset: number, _size: number, id: number): void {
    this.frames++;
    this.ids += id;
  }
  onFrameError(err: ProtocolError): void {
    throw err;
  }
}

/** A big-endian, size-excludes-header layout: exercises the generic (non-v1) path. */
const FOREIGN: HeaderLayout = Object.freeze({
  headerSize: 6,
  sizeOffset: 2,
  sizeWidth: 4,
  idOffset: 0,
  idWidth: 2,
  littleEndian: false,
  sizeIncludesHeader: false,
});

function foreignFrame(payload: number): Buffer {
  const b = Buffer.alloc(6 + payload);
  b.writeUInt16BE(0x0101, 0);
  b.writeUInt32BE(payload, 2);
  return b;
}

/** The cases of this suite. */
export function decoderCases(): MicroCase[] {
  const sink = new CountingSink();
  const decoder = new FrameDecoder(sink);
  const pong = encodePongRes({ clientTime: 1, serverTime: 2, seq: 3 });
  const ping = encodePingReq({ clientTime: 1, seq: 2 });
  const coalesced = Buffer.concat(Array.from({ length: 64 }, () => pong));
  const halves = [pong.subarray(0, 10), pong.subarray(10)];
  const bytes = Array.from(ping, (b) => Buffer.from([b]));
  const shared = Buffer.allocUnsafe(64 * 1024);
  coalesced.copy(shared, 100);
  const foreignDecoder = new FrameDecoder(sink, { layout: FOREIGN });
  const foreign = Buffer.concat(Array.from({ length: 64 }, () => foreignFrame(18)));
  return [
    { name: '1 frame per chunk (PongRes 24 B)', ops: 1000, fn: () => { for (let i = 0; i < 1000; i++) decoder.push(pong); } },
    { name: '64 coalesced frames per chunk', ops: 64 * 100, fn: () => { for (let i = 0; i < 100; i++) decoder.push(coalesced); } },
    { name: '64 coalesced frames, range of a reused buffer', ops: 64 * 100, fn: () => { for (let i = 0; i < 100; i++) decoder.push(shared, 100, 100 + coalesced.length); } },
    { name: 'each frame split in two chunks (copy)', ops: 1000, fn: () => { for (let i = 0; i < 1000; i++) { decoder.push(halves[0]!); decoder.push(halves[1]!); } } },
    { name: 'one byte per chunk (worst case, PingReq)', ops: 100, fn: () => { for (let i = 0; i < 100; i++) for (const b of bytes) decoder.push(b); } },
    { name: 'foreign layout (BE, u32 size), 64 coalesced', ops: 64 * 100, fn: () => { for (let i = 0; i < 100; i++) foreignDecoder.push(foreign); } },
  ];
}
