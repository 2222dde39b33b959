/**
 * Packs small outgoing packets written during one event-loop turn into one
 * buffer, so a burst of pings costs one socket write, not one per packet.
 *
 *   slab: [ handed to the socket … | start → pending … end | free … ]
 *
 * Bytes handed to `socket.write` are never overwritten (the socket may still
 * be sending from them): when a slab is full a new one is allocated and the
 * old one is left to the garbage collector once the socket is done with it.
 */
export class WriteBatch {
  private readonly slabSize: number;
  /** Buffer to write into at the offset returned by {@link reserve}. */
  buf: Buffer;
  private start = 0;
  private end = 0;

  /** @param slabSize bytes per slab; larger slabs mean fewer allocations. */
  constructor(slabSize = 16 * 1024) {
    this.slabSize = slabSize;
    this.buf = Buffer.allocUnsafeSlow(slabSize);
  }

  /** Bytes reserved and not yet taken. */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  /** Reserves `n` bytes in {@link buf}; returns their offset. */
  reserve(n: number): number {
    if (this.end + n > this.buf.length) this.newSlab(n);
    const offset = this.end;
    this.end += n;
    return offset;
  }

  /** The pending bytes as one view to write, or null when there are none. */
  take(): Buffer | null {
    if (this.end === this.start) return null;
    const out = this.buf.subarray(this.start, this.end);
    this.start = this.end;
    return out;
  }

  private newSlab(need: number): void {
    const pending = this.end - this.start;
    const slab = Buffer.allocUnsafeSlow(Math.max(this.slabSize, pending + need));
    // Pending bytes were never handed out, so they move with the batch.
    this.buf.copy(slab, 0, this.start, this.end);
    this.buf = slab;
    this.start = 0;
    this.end = pending;
  }
}
