/**
 * How a phase's figures are split over worker processes (k6 "execution
 * segments"). Every function is pure and exact: summed over all workers of a
 * segment count, each share equals the scenario's figure — no rounding loss,
 * no double counting.
 *
 * The one rule behind every split is "item k belongs to worker k mod count":
 *
 *   global VU / connection / iteration k:  0 1 2 3 4 5 6 7 8 ...
 *   worker (count = 3):                    0 1 2 0 1 2 0 1 2 ...
 *
 * so shares differ by at most one, the remainder goes to the lowest indices,
 * and the items of different workers interleave in time (worker 1's arrivals
 * fall between worker 0's), which keeps the merged schedule evenly spread.
 */
import type { ExecutionSegment } from './types.ts';

/**
 * Number of items among the first `total` (0 … total-1) that belong to this
 * worker: those k with k mod count == index.
 */
export function shareOf(total: number, segment: ExecutionSegment): number {
  if (total <= segment.index) return 0;
  return Math.floor((total - 1 - segment.index) / segment.count) + 1;
}

/** Global id (0-based) of this worker's `local`-th item (0-based). */
export function globalId(local: number, segment: ExecutionSegment): number {
  return local * segment.count + segment.index;
}

/** True when global item `k` belongs to this worker. */
export function owns(k: number, segment: ExecutionSegment): boolean {
  return k % segment.count === segment.index;
}

/**
 * Requests per second each persistent connection sends in
 * constant-request-rate: the total rate split evenly over all connections of
 * the run (not of this worker), so the run's total is `rate` whatever the
 * worker count.
 */
export function perConnectionRate(rate: number, connections: number): number {
  return rate / connections;
}

/**
 * This worker's share of the connection rate limit (connections per second).
 * Worker shares sum to `ratePerSec`; each worker's slots are offset by
 * {@link connectSlotOffsetMs} so the merged slots are evenly spaced.
 */
export function connectRateShare(ratePerSec: number, segment: ExecutionSegment): number {
  return ratePerSec / segment.count;
}

/**
 * Offset of this worker's first connection slot, in ms: worker i takes the
 * global slots i, i+count, … of a limiter spaced 1/ratePerSec apart.
 */
export function connectSlotOffsetMs(ratePerSec: number, segment: ExecutionSegment): number {
  return (segment.index * 1000) / ratePerSec;
}

/**
 * Validates a segment; returns a problem description or null. Used by the
 * executors before any work starts so a bad coordinator message fails loudly.
 */
export function segmentProblem(segment: ExecutionSegment): string | null {
  if (!Number.isInteger(segment.count) || segment.count < 1) {
    return `segment.count must be an integer ≥ 1, got ${segment.count}`;
  }
  if (!Number.isInteger(segment.index) || segment.index < 0 || segment.index >= segment.count) {
    return `segment.index must be an integer in [0, ${segment.count - 1}], got ${segment.index}`;
  }
  return null;
}
