/**
 * Observers of every received packet: `onPacket` listeners and `packets()`
 * iterators. `active` is a plain field, so with no observer the receive path
 * pays one comparison and copies nothing.
 */
import type { ReceivedPacket } from './client-options.ts';
import { ClientError, ClientErrorCode } from './errors.ts';
import { PacketStream } from './packet-stream.ts';

export type PacketListener = (packet: ReceivedPacket) => void;

export class PacketTaps {
  /** True when at least one listener or stream observes packets. */
  active = false;
  // Arrays are replaced, never mutated, so an observer may unsubscribe while being called.
  private listeners: readonly PacketListener[] = [];
  private streams: readonly PacketStream[] = [];
  private ended = false;
  private endError: Error | null = null;

  /** Adds a listener; returns the function that removes it. */
  listen(listener: PacketListener): () => void {
    this.listeners = [...this.listeners, listener];
    this.refresh();
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      this.refresh();
    };
  }

  /** A new iterator of every packet published from now on (ended at once if the taps already ended). */
  stream(queueLimit: number): PacketStream {
    const stream = new PacketStream(queueLimit, (s) => {
      this.streams = this.streams.filter((x) => x !== s);
      this.refresh();
    });
    if (this.ended) {
      stream.end(this.endError);
    } else {
      this.streams = [...this.streams, stream];
      this.refresh();
    }
    return stream;
  }

  /**
   * Gives `packet` to every stream and listener. Returns the error when a
   * listener threw (the caller closes the client), else null; it never throws.
   */
  publish(packet: ReceivedPacket): ClientError | null {
    for (const stream of this.streams) stream.push(packet);
    for (const listener of this.listeners) {
      try {
        listener(packet);
      } catch (err) {
        return new ClientError(ClientErrorCode.LISTENER_ERROR, 'an onPacket listener threw; the client was closed', {
          cause: err,
        });
      }
    }
    return null;
  }

  /** Ends every stream (done when `err` is null, else it throws `err`) and drops the listeners. */
  end(err: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = err;
    const streams = this.streams;
    this.streams = [];
    this.listeners = [];
    this.refresh();
    for (const stream of streams) stream.end(err);
  }

  private refresh(): void {
    this.active = this.listeners.length !== 0 || this.streams.length !== 0;
  }
}
