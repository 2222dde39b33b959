/**
 * The coarse per-worker deadline sweep. Request timeouts, connect timeouts
 * and close grace periods are NOT a timer each: an object with something to
 * watch registers here, and one interval (default every 20 ms) asks each
 * registered object to check its own deadlines.
 *
 *   watched: [conn7, conn2, conn9]   ← array; each entry knows its index,
 *                 ▲                     so add/remove are O(1) swaps
 *   every sweepIntervalMs: for each watched: sweep(now) → still watching?
 *
 * An object that has nothing left to watch answers false and is dropped; it
 * re-registers when it next has a deadline. A timeout therefore fires up to
 * one interval late — fine for timeouts measured in hundreds of ms or more.
 */

/** Something with deadlines. */
export interface Sweepable {
  /** Index in the sweeper's list, -1 when not registered; owned by the sweeper. */
  sweepIndex: number;
  /**
   * Checks deadlines against `now` (performance.now ms). Returns true to stay
   * registered, false when nothing is left to watch.
   */
  sweep(now: number): boolean;
}

export class DeadlineSweeper {
  private readonly watched: Sweepable[] = [];
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Number of registered objects. */
  get size(): number {
    return this.watched.length;
  }

  /** Registers `item` (no-op when already registered). */
  watch(item: Sweepable): void {
    if (item.sweepIndex >= 0 || this.stopped) return;
    item.sweepIndex = this.watched.length;
    this.watched.push(item);
    if (this.timer === null) this.timer = setInterval(onSweep, this.intervalMs, this);
  }

  /** Unregisters `item` (no-op when not registered). */
  unwatch(item: Sweepable): void {
    const i = item.sweepIndex;
    if (i < 0) return;
    const last = this.watched.pop()!;
    if (last !== item) {
      this.watched[i] = last;
      last.sweepIndex = i;
    }
    item.sweepIndex = -1;
    if (this.watched.length === 0) this.clearTimer();
  }

  /** Checks every registered object now. Public for tests; normally driven by the interval. */
  sweepNow(): void {
    const now = performance.now();
    // Backwards, so an item removing itself (swap with the last) is not skipped.
    for (let i = this.watched.length - 1; i >= 0; i--) {
      const item = this.watched[i];
      if (item === undefined) continue;
      if (!item.sweep(now)) this.unwatch(item);
    }
  }

  /** Stops the interval and forgets every registration. */
  stop(): void {
    this.stopped = true;
    for (const item of this.watched) item.sweepIndex = -1;
    this.watched.length = 0;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

function onSweep(sweeper: DeadlineSweeper): void {
  sweeper.sweepNow();
}
