/**
 * The packets a connection produced during one event-loop turn, encoded
 * back to back into one reusable staging buffer and handed to the socket as
 * a single write:
 *
 *   staging: [PingReq][PingReq][Send…]·············   (grows ×2 when full)
 *             └──────── length ───────┘
 *   take() → one Buffer of exactly `length` bytes → socket.write()
 *
 * The staging buffer is reused every turn, and a write the kernel cannot
 * take at once keeps a reference to its buffer until sent, so `take()` hands
 * out a copy: one small allocation per turn instead of one per packet.
 */
import type { PacketCodec } from '../../protocol/catalogue/index.ts';
import { flushAtReadEnd, type ReadEndFlush } from './clock.ts';

/** Initial size of the staging buffer; it doubles when a turn produces more. */
const STAGING_INITIAL = 1024;

export class OutboundBatch {
  private staging: Buffer = Buffer.allocUnsafe(STAGING_INITIAL);
  private length = 0;

  /** Bytes waiting for the next write. */
  get size(): number {
    return this.length;
  }

  /**
   * Encodes a packet at the end of the batch; returns its size. Throws the
   * catalogue's CatalogueError when `values` do not encode (the batch is
   * unchanged then). Fixed-size packets encode in place; others are encoded
   * by the codec and copied.
   */
  append(codec: PacketCodec, values: Record<string, unknown>): number {
    const fixed = codec.fixedSize;
    let size: number;
    if (fixed !== null) {
      this.reserve(fixed);
      size = codec.encodeInto(this.staging, this.length, values);
    } else {
      const packet = codec.encode(values);
      size = packet.length;
      this.reserve(size);
      packet.copy(this.staging, this.length);
    }
    this.length += size;
    return size;
  }

  /** Removes and returns the batch as a Buffer of exactly its bytes; null when empty. */
  take(): Buffer | null {
    const length = this.length;
    if (length === 0) return null;
    this.length = 0;
    const out = Buffer.allocUnsafe(length);
    this.staging.copy(out, 0, 0, length);
    return out;
  }

  /**
   * Schedules `owner`'s flush of this batch at the end of the socket read
   * being handled (see clock.ts); false outside a read, when the owner
   * flushes on the next tick instead.
   */
  flushAfterRead(owner: ReadEndFlush): boolean {
    return flushAtReadEnd(owner);
  }

  /** Drops whatever is queued. */
  clear(): void {
    this.length = 0;
  }

  private reserve(bytes: number): void {
    const need = this.length + bytes;
    if (need <= this.staging.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.staging.length * 2));
    this.staging.copy(grown, 0, 0, this.length);
    this.staging = grown;
  }
}
