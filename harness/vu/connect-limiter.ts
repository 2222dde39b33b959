/**
 * Spreads new connections evenly in time: `scenario.connect.ratePerSec` is a
 * whole-run limit, split over workers; each worker hands out slots spaced
 * `count / ratePerSec` apart, its first slot offset by `index / ratePerSec`,
 * so the slots of all workers interleave into one even sequence instead of
 * every worker bursting at the same instants.
 *
 *   rate 4/s, 2 workers:   w0 ──●───────●───────●──   (every 500 ms)
 *                          w1 ──────●───────●───────  (offset 250 ms)
 *
 * A slot is a reservation: the caller connects at the returned instant.
 */
import { connectRateShare, connectSlotOffsetMs } from '../executors/shares.ts';
import type { ExecutionSegment } from '../executors/types.ts';

export class ConnectLimiter {
  private readonly spacingMs: number;
  private nextSlot: number;

  /**
   * @param ratePerSec whole-run connections per second (all workers)
   * @param startAt performance.now() ms at which the first global slot opens
   */
  constructor(ratePerSec: number, segment: ExecutionSegment, startAt: number) {
    this.spacingMs = 1000 / connectRateShare(ratePerSec, segment);
    this.nextSlot = startAt + connectSlotOffsetMs(ratePerSec, segment);
  }

  /** Reserves the next free slot at or after `now`; returns its instant (performance.now ms). */
  reserve(now: number): number {
    // An idle limiter does not bank slots: a late caller gets `now`, not a
    // burst of all the slots it missed.
    const slot = this.nextSlot > now ? this.nextSlot : now;
    this.nextSlot = slot + this.spacingMs;
    return slot;
  }
}
