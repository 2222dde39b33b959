/**
 * The async iterator behind `client.packets()`: every received packet, in
 * order, as a copy. The queue is bounded; a reader that falls more than
 * `limit` packets behind gets NMT_CLIENT_QUEUE_OVERFLOW instead of the client
 * growing without bound.
 *
 *   queue: [ consumed … | head → next unread … tail ]   compacted when head passes half
 */
import type { ReceivedPacket } from './client-options.ts';
import { ClientError, ClientErrorCode } from './errors.ts';

interface PendingRead {
  resolve: (result: IteratorResult<ReceivedPacket>) => void;
  reject: (err: Error) => void;
}

export class PacketStream implements AsyncIterableIterator<ReceivedPacket> {
  private readonly limit: number;
  private readonly detach: (stream: PacketStream) => void;
  private queue: ReceivedPacket[] = [];
  private head = 0;
  private pending: PendingRead | null = null;
  private ended = false;
  private error: Error | null = null;

  /**
   * @param limit largest number of unread packets
   * @param detach called once when the stream ends, so the client stops feeding it
   */
  constructor(limit: number, detach: (stream: PacketStream) => void) {
    this.limit = limit;
    this.detach = detach;
  }

  /** Unread packets. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Adds a packet (called by the client for every received packet). */
  push(packet: ReceivedPacket): void {
    if (this.ended) return;
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      pending.resolve({ value: packet, done: false });
      return;
    }
    if (this.queued >= this.limit) {
      this.end(
        new ClientError(
          ClientErrorCode.QUEUE_OVERFLOW,
          `packets() reader fell ${this.limit} packets behind: read faster or raise the queue limit`,
        ),
      );
      return;
    }
    this.queue.push(packet);
  }

  /**
   * Ends the stream. Unread packets are still delivered; then the iterator
   * finishes (`err` null) or throws `err`.
   */
  end(err: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    this.detach(this);
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      // A waiting reader gets the error now; later reads are simply done.
      this.error = null;
      if (err === null) pending.resolve({ value: undefined, done: true });
      else pending.reject(err);
    }
  }

  next(): Promise<IteratorResult<ReceivedPacket>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      const err = this.error;
      // Report the error once; afterwards the iterator is simply done.
      this.error = null;
      return err === null ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(err);
    }
    if (this.pending !== null) {
      return Promise.reject(
        new ClientError(
          ClientErrorCode.INVALID_STATE,
          'packets(): next() called again before the previous read settled',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /** Stops the stream early (a `break` out of `for await`). */
  return(): Promise<IteratorResult<ReceivedPacket>> {
    this.end(null);
    this.queue = [];
    this.head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ReceivedPacket> {
    return this;
  }
}
