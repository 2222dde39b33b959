/**
 * The single pings of `TestClient.ping()`, keyed by seq. This is the
 * convenience path: one promise and one timer per call. The measuring path
 * is `pingMany()` (ping-run.ts), which allocates nothing per ping.
 */
import { PONG_SEQ, PONG_SERVER_TIME, readU64 } from '../../protocol/index.ts';
import type { PingResult } from './client-options.ts';

interface PendingPing {
  sentAt: number;
  resolve: (result: PingResult) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class PingWaiters {
  private readonly pending = new Map<number, PendingPing>();

  /** Pings waiting for their pong. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Waits for the pong of `seq`, sent at `sentAt` (`performance.now()`).
   * After `timeoutMs` the ping is forgotten and rejected with `onTimeout()`.
   */
  add(seq: number, sentAt: number, timeoutMs: number, onTimeout: () => Error): Promise<PingResult> {
    return new Promise<PingResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(onTimeout());
      }, timeoutMs);
      this.pending.set(seq, { sentAt, resolve, reject, timer });
    });
  }

  /** Settles the ping answered by the PongRes at `buf[offset..]`; false when its seq is not waiting. */
  settle(buf: Buffer, offset: number): boolean {
    const seq = buf.readUInt32LE(offset + PONG_SEQ);
    const p = this.pending.get(seq);
    if (p === undefined) return false;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    p.resolve({
      rttMicros: (performance.now() - p.sentAt) * 1000,
      seq,
      serverTime: readU64(buf, offset + PONG_SERVER_TIME),
    });
    return true;
  }

  /** Rejects every waiting ping. */
  rejectAll(err: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
