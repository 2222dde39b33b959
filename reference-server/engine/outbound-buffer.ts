/**
 * One session's outbound batch: every packet the session writes during an
 * event-loop turn goes here, back to back, and the flush hands the whole
 * batch to the socket as ONE write.
 *
 *   reserve(24) → 0     reserve(24) → 24     take() → view [0, 48) to socket
 *   +--------+--------+----------------+     buffer := empty (the socket owns
 *   | pong 1 | pong 2 |  free capacity |     the old one until it is written)
 *   +--------+--------+----------------+
 *
 * Handlers write in place at the offset `reserve` returns, so a response
 * costs no allocation of its own. The batch buffer is handed over on flush
 * (not copied, not reused: the socket may still hold it), and the next
 * batch is sized from the previous one so a steady stream of batches needs
 * one right-sized allocation each; small ones come from Node's shared
 * `allocUnsafe` pool.
 */

const EMPTY = Buffer.alloc(0);
/**
 * Smallest batch buffer. Batches under 4 KiB are carved from Node's 8 KiB pool by
 * allocUnsafe; a small minimum (a pong is 24 bytes) packs more batches per pool slab,
 * and the previous batch's size still sizes a pipelined one right the first time.
 */
const MIN_CAPACITY = 64;
/** The size hint from the previous batch never pre-allocates more than this. */
const MAX_HINT = 64 * 1024;

export class OutboundBuffer {
  /** The current batch; valid to write at offsets returned by {@link reserve} until the next `reserve` or `take`. */
  buffer: Buffer = EMPTY;
  /** Bytes reserved in the current batch. */
  length = 0;
  /** Size of the last batch taken, to size the next one. */
  private lastBatch = 0;

  /**
   * Reserves `size` bytes at the end of the batch and returns their offset
   * in {@link buffer} (which may be a new buffer after this call).
   */
  reserve(size: number): number {
    const at = this.length;
    const need = at + size;
    if (need > this.buffer.length) this.grow(need);
    this.length = need;
    return at;
  }

  /** Appends a copy of `bytes`. */
  append(bytes: Buffer): void {
    const at = this.reserve(bytes.length);
    bytes.copy(this.buffer, at);
  }

  /**
   * Hands over the batch (a view of exactly `length` bytes) and starts an
   * empty one, or returns null when nothing is pending. The caller owns the
   * returned bytes.
   */
  take(): Buffer | null {
    const len = this.length;
    if (len === 0) return null;
    const buf = this.buffer;
    const out = len === buf.length ? buf : buf.subarray(0, len);
    this.lastBatch = len;
    this.buffer = EMPTY;
    this.length = 0;
    return out;
  }

  /** Drops the pending batch (the session is closing). */
  clear(): void {
    this.buffer = EMPTY;
    this.length = 0;
  }

  /** Capacity of the current batch buffer, for tests and accounting. */
  get capacity(): number {
    return this.buffer.length;
  }

  private grow(need: number): void {
    let cap = this.buffer.length * 2;
    const hint = this.lastBatch < MAX_HINT ? this.lastBatch : MAX_HINT;
    if (cap < hint) cap = hint;
    if (cap < MIN_CAPACITY) cap = MIN_CAPACITY;
    if (cap < need) cap = need;
    const next = Buffer.allocUnsafe(cap);
    if (this.length > 0) this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
