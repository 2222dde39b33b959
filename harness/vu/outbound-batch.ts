/**
 * The packets a connection produced during one event-loop turn, encoded
 * back to back into one reusable staging buffer and handed to the socket as
 * a single write:
 *
 *   staging: [PingReq][PingReq][Send…]·············   (grows ×2 when full)
 *             └──────── length ───────┘
 *   takeView() → a view of staging[0, length) → socket.write()
 *                 └ the wire kept it (write not done at once) → handOff()
 *
 * The staging buffer is reused every turn. A write the kernel takes at once
 * (the common case on loopback) is done when `write()` returns, so the batch
 * writes a view of the staging buffer, no copy. A write the kernel cannot
 * take at once keeps a reference to its buffer until sent: the connection
 * sees that (`writableLength > 0` after the write) and calls `handOff()`,
 * which leaves the old staging buffer to the socket and starts a new one;
 * until a write is taken at once again it writes copies (`take()`, exactly
 * `length` bytes), so a socket that keeps every write (TLS, backpressure)
 * costs what it did before: one small allocation per turn.
 */
import type { PacketCodec } from '../../protocol/catalogue/index.ts';
import { flushAtReadEnd, type ReadEndFlush } from './clock.ts';

/** Initial size of the staging buffer; it doubles when a turn produces more. */
const STAGING_INITIAL = 1024;
/** Views of the staging buffer are kept for batch lengths up to this (a turn's worth of small packets). */
const VIEW_CACHE_MAX = 4096;

export class OutboundBatch {
  private staging: Buffer = Buffer.allocUnsafe(STAGING_INITIAL);
  private length = 0;
  /**
   * views[n] = staging[0, n), made on first use and kept while the staging
   * buffer stays the same: creating a Buffer view costs about what the copy
   * it replaces did, so a connection whose turns have a few recurring
   * lengths (16 pings = 256 B) allocates nothing per turn.
   */
  private views: (Buffer | undefined)[] = [];

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
   * Removes and returns the batch as a view of the staging buffer (no copy);
   * null when empty. The view is valid until the next `append`: write it at
   * once, then call {@link handOff} if the writer kept a reference to it.
   */
  takeView(): Buffer | null {
    const length = this.length;
    if (length === 0) return null;
    this.length = 0;
    if (length > VIEW_CACHE_MAX) return this.staging.subarray(0, length);
    let view = this.views[length];
    if (view === undefined) {
      view = this.staging.subarray(0, length);
      this.views[length] = view;
    }
    return view;
  }

  /**
   * The last {@link takeView} is still referenced (a socket queued it):
   * the staging buffer now belongs to that write, the next turn encodes
   * into a new one of the initial size.
   */
  handOff(): void {
    this.staging = Buffer.allocUnsafe(STAGING_INITIAL);
    this.views = [];
    this.length = 0;
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
    this.views = [];
  }
}
