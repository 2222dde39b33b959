/**
 * Streaming frame decoder.
 *
 * Feed it socket chunks of any size with {@link FrameDecoder.push}; it calls
 * `sink.onFrame` once per complete packet with a *view* into the chunk
 * (buffer, offset of the header, total size, id), so whole packets inside a
 * chunk are never copied. Only a packet split across chunks is assembled, into
 * one buffer of exactly its size (ws `lib/receiver.js` does the same).
 *
 *   chunk 1: [pkt A][pkt B][pk      chunk 2: t C][pkt D]
 *             view   view  \stash--------------/  view
 *
 * `push(chunk, start, end)` takes a range, so a socket reading into one
 * reused buffer (net `onread`) hands it over without a Buffer per read; the
 * stash is a copy, so the caller may overwrite the buffer once push returns.
 *
 * The v1 header (u16 LE size including the header, u16 LE id) is read with
 * two byte loads per field instead of the generic width/endianness switch:
 * the per-frame cost the harness and the server pay most often.
 *
 * The decoder never throws into the caller: a framing violation is reported
 * once through `sink.onError` and the decoder stops. The sink may also call
 * {@link FrameDecoder.stop} from inside `onFrame` (the session was closed):
 * no further frame is delivered.
 */
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { type HeaderLayout, V1_HEADER, maxSizeFieldValue, readUIntAt } from './header.ts';

/** Receives decoded frames. Implemented by sessions and clients (no closure per packet). */
export interface FrameSink {
  /**
   * One complete packet: `buf[offset .. offset + size)` holds header and payload.
   * The view is valid only during the call; copy what must outlive it.
   */
  onFrame(buf: Buffer, offset: number, size: number, id: number): void;
  /** A framing violation; the decoder has stopped. */
  onFrameError(err: ProtocolError): void;
}

export interface FrameDecoderOptions {
  /** Largest accepted packet, header included. Default: the layout's maximum. */
  maxPacketSize?: number;
  /** Framing of the protocol. Default: wire protocol v1. */
  layout?: HeaderLayout;
}

export class FrameDecoder {
  private readonly sink: FrameSink;
  private readonly layout: HeaderLayout;
  private readonly maxPacketSize: number;
  private readonly headerSize: number;
  /** Bytes of a split packet collected so far (header first, then the whole packet). */
  private stash: Buffer | null = null;
  private stashLength = 0;
  /** Total size of the split packet once its header is known, else -1. */
  private stashTotal = -1;
  private stopped = false;
  /** The layout is v1's (size u16 LE at 0 including the header, id u16 LE at 2): use the fast reads. */
  private readonly v1: boolean;

  constructor(sink: FrameSink, options: FrameDecoderOptions = {}) {
    this.sink = sink;
    this.layout = options.layout ?? V1_HEADER;
    this.headerSize = this.layout.headerSize;
    const l = this.layout;
    this.v1 =
      l.headerSize === 4 && l.sizeOffset === 0 && l.sizeWidth === 2 && l.idOffset === 2 && l.idWidth === 2 && l.littleEndian && l.sizeIncludesHeader;
    this.maxPacketSize = Math.min(
      options.maxPacketSize ?? Number.MAX_SAFE_INTEGER,
      maxSizeFieldValue(this.layout) + (this.layout.sizeIncludesHeader ? 0 : this.layout.headerSize),
    );
  }

  /** True once a violation was reported or {@link stop} was called. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Bytes held for a packet split across chunks (for memory accounting). */
  get bufferedBytes(): number {
    return this.stashLength;
  }

  /** Stops delivering frames; later pushes are ignored. */
  stop(): void {
    this.stopped = true;
    this.stash = null;
    this.stashLength = 0;
  }

  /**
   * Feeds the bytes `chunk[start .. end)` (default: the whole chunk). Frames
   * are views into `chunk`, valid during `onFrame` only; bytes kept for a
   * split frame are copied, so `chunk` may be reused after the call.
   */
  push(chunk: Buffer, start = 0, end = chunk.length): void {
    if (this.stopped) return;
    let offset = start;
    if (this.stash !== null) {
      const used = this.fillStash(chunk, start, end);
      if (used < 0 || this.stopped) return;
      offset = used;
    }
    const headerSize = this.headerSize;
    const sink = this.sink;
    if (this.v1) {
      const max = this.maxPacketSize;
      while (offset < end) {
        if (end - offset < 4) {
          this.startStash(chunk, offset, end);
          return;
        }
        const size = chunk[offset]! | (chunk[offset + 1]! << 8);
        if (size < 4 || size > max) {
          this.frameSize(chunk, offset); // reports the violation
          return;
        }
        if (end - offset < size) {
          this.startStash(chunk, offset, end, size);
          return;
        }
        sink.onFrame(chunk, offset, size, chunk[offset + 2]! | (chunk[offset + 3]! << 8));
        if (this.stopped) return;
        offset += size;
      }
      return;
    }
    while (offset < end) {
      if (end - offset < headerSize) {
        this.startStash(chunk, offset, end);
        return;
      }
      const size = this.frameSize(chunk, offset);
      if (size < 0) return;
      if (end - offset < size) {
        this.startStash(chunk, offset, end, size);
        return;
      }
      sink.onFrame(chunk, offset, size, this.readId(chunk, offset));
      if (this.stopped) return;
      offset += size;
    }
  }

  /** Total frame size at `offset` (header present), or -1 after reporting a violation. */
  private frameSize(buf: Buffer, offset: number): number {
    const l = this.layout;
    const field = readUIntAt(buf, offset + l.sizeOffset, l.sizeWidth, l.littleEndian);
    const size = l.sizeIncludesHeader ? field : field + this.headerSize;
    if (size < this.headerSize) {
      this.fail(
        new ProtocolError(
          ProtocolErrorCode.SIZE_TOO_SMALL,
          `packet size ${size} is below the ${this.headerSize}-byte header`,
        ),
      );
      return -1;
    }
    if (size > this.maxPacketSize) {
      this.fail(
        new ProtocolError(
          ProtocolErrorCode.SIZE_TOO_LARGE,
          `packet size ${size} exceeds the maximum of ${this.maxPacketSize} bytes`,
        ),
      );
      return -1;
    }
    return size;
  }

  private readId(buf: Buffer, offset: number): number {
    const l = this.layout;
    return readUIntAt(buf, offset + l.idOffset, l.idWidth, l.littleEndian);
  }

  /** Keeps the tail of a chunk: a partial header, or a partial packet of known size. */
  private startStash(chunk: Buffer, offset: number, end: number, total = -1): void {
    const capacity = total > 0 ? total : this.headerSize;
    this.stash = Buffer.allocUnsafe(capacity);
    chunk.copy(this.stash, 0, offset, end);
    this.stashLength = end - offset;
    this.stashTotal = total;
  }

  /**
   * Completes the stashed packet from the front of `chunk[start .. end)`.
   * Returns the offset in `chunk` after the bytes it used, or -1 when the
   * range was used up (or a violation stopped the decoder).
   */
  private fillStash(chunk: Buffer, start: number, end: number): number {
    let used = start;
    if (this.stashTotal < 0) {
      // Still collecting the header.
      const need = this.headerSize - this.stashLength;
      const take = Math.min(need, end - start);
      chunk.copy(this.stash!, this.stashLength, start, start + take);
      this.stashLength += take;
      used = start + take;
      if (this.stashLength < this.headerSize) return -1;
      const size = this.frameSize(this.stash!, 0);
      if (size < 0) return -1;
      if (size > this.headerSize) {
        const grown = Buffer.allocUnsafe(size);
        this.stash!.copy(grown, 0, 0, this.headerSize);
        this.stash = grown;
      }
      this.stashTotal = size;
    }
    const need = this.stashTotal - this.stashLength;
    const take = Math.min(need, end - used);
    chunk.copy(this.stash!, this.stashLength, used, used + take);
    this.stashLength += take;
    used += take;
    if (this.stashLength < this.stashTotal) return -1;
    const frame = this.stash!;
    const size = this.stashTotal;
    this.stash = null;
    this.stashLength = 0;
    this.stashTotal = -1;
    this.sink.onFrame(frame, 0, size, this.readId(frame, 0));
    return this.stopped ? -1 : used;
  }

  private fail(err: ProtocolError): void {
    this.stop();
    this.sink.onFrameError(err);
  }
}
