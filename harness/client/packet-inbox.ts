/**
 * Waiters of `expect()` and the packets nobody was waiting for yet.
 *
 * A packet goes to the oldest waiter whose id (and `match`) fits; if none
 * fits it is kept (bounded, oldest dropped first) so an `expect` issued a
 * moment later, after an `await`, still finds it. This is the cold path of
 * the client: packets here are copies, and each waiter has its own timer.
 */
import { packetName } from '../../protocol/index.ts';
import type { ReceivedPacket } from './client-options.ts';
import { ClientError, ClientErrorCode } from './errors.ts';

interface Waiter {
  id: number;
  match: ((packet: ReceivedPacket) => boolean) | undefined;
  resolve: (packet: ReceivedPacket) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

export class PacketInbox {
  private readonly limit: number;
  private readonly waiters: Waiter[] = [];
  private readonly kept: ReceivedPacket[] = [];
  private failure: Error | null = null;
  /** Packets dropped because `limit` were already kept. */
  dropped = 0;

  /** @param limit how many unclaimed packets to keep; 0 keeps none. */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** True when a delivered packet could be used: someone waits or packets are kept. */
  get wantsPackets(): boolean {
    return this.failure === null && (this.waiters.length !== 0 || this.limit !== 0);
  }

  /** Packets kept for a later `take`. */
  get keptCount(): number {
    return this.kept.length;
  }

  /** Hands a packet to the first fitting waiter, else keeps it. */
  deliver(packet: ReceivedPacket): void {
    if (this.failure !== null) return;
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.id !== packet.id) continue;
      let fits: boolean;
      try {
        fits = w.match === undefined || w.match(packet);
      } catch (err) {
        // A throwing predicate must not escape into the socket's data handler.
        this.removeAt(i);
        w.reject(
          new ClientError(ClientErrorCode.LISTENER_ERROR, `expect(${packetName(w.id)}): the match function threw`, {
            cause: err,
          }),
        );
        i--;
        continue;
      }
      if (fits) {
        this.removeAt(i);
        w.resolve(packet);
        return;
      }
    }
    if (this.limit === 0) return;
    if (this.kept.length >= this.limit) {
      this.kept.shift();
      this.dropped++;
    }
    this.kept.push(packet);
  }

  /**
   * The next packet with `id` (and `match`): a kept one if any, else the next
   * to arrive within `timeoutMs`. `where` names the server in the timeout message.
   */
  take(
    id: number,
    timeoutMs: number,
    match: ((packet: ReceivedPacket) => boolean) | undefined,
    where: string,
  ): Promise<ReceivedPacket> {
    // Kept packets first: a packet that arrived before the connection closed is still there to take.
    for (let i = 0; i < this.kept.length; i++) {
      const p = this.kept[i]!;
      if (p.id !== id) continue;
      try {
        if (match !== undefined && !match(p)) continue;
      } catch (err) {
        return Promise.reject(
          new ClientError(ClientErrorCode.LISTENER_ERROR, `expect(${packetName(id)}): the match function threw`, {
            cause: err,
          }),
        );
      }
      this.kept.splice(i, 1);
      return Promise.resolve(p);
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<ReceivedPacket>((resolve, reject) => {
      const waiter: Waiter = { id, match, resolve, reject, timer: null };
      waiter.timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.removeAt(i);
        reject(
          new ClientError(
            ClientErrorCode.TIMEOUT,
            `no ${packetName(id)} (id 0x${id.toString(16).padStart(4, '0')}) from ${where} within ${timeoutMs} ms` +
              (match === undefined ? '' : ' matching the given predicate') +
              ': is the server answering this packet?',
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Rejects every waiter with `err`; a later `take` finds kept packets, else rejects with it too. */
  fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) {
      if (w.timer !== null) clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private removeAt(i: number): void {
    const w = this.waiters[i]!;
    if (w.timer !== null) clearTimeout(w.timer);
    this.waiters.splice(i, 1);
  }
}
