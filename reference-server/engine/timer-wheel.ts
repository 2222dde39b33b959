/**
 * A coarse hashed timer wheel: one interval for the whole server instead of
 * a timer per session, and never a timer per packet.
 *
 *   tick = ceil(deadline / tickMs)             slots (n = slotCount)
 *   slot = tick mod n                          +----+----+----+-- ... --+
 *                                              | s0 | s1 | s2 |         |
 *   advance(now) visits every slot whose       +----+----+----+-- ... --+
 *   tick has passed; an entry whose tick is      each slot: Set<entry>
 *   a later revolution stays where it is.
 *
 * Entries are intrusive (the session carries its own `wheelTick`), so
 * scheduling allocates nothing. Deadlines that move later often (the idle
 * timeout, refreshed by every packet) are *not* rescheduled per packet: the
 * owner records the activity time, and when the old deadline expires it
 * checks and schedules again if nothing is due yet.
 */

/** Fields the wheel keeps on each entry. */
export interface WheelEntry {
  /** Tick at which the entry is due, or -1 when not scheduled. Owned by the wheel. */
  wheelTick: number;
}

export interface TimerWheelOptions<T extends WheelEntry> {
  /** Resolution in ms: deadlines fire up to one tick late, never early. */
  tickMs: number;
  /** Slots per revolution. Default 512 (at 250 ms: 128 s per revolution). */
  slotCount?: number;
  /** Clock value at creation (same clock as later `advance` calls). */
  startMs: number;
  /** Called for each due entry, after it was removed from the wheel. May reschedule it. */
  onExpire: (entry: T, nowMs: number) => void;
  /** Called when `onExpire` throws; the sweep continues with the next entry. Required so no error is lost. */
  onError: (err: unknown, entry: T) => void;
}

export class TimerWheel<T extends WheelEntry> {
  readonly tickMs: number;
  private readonly slots: Set<T>[];
  private readonly onExpire: (entry: T, nowMs: number) => void;
  private readonly onError: (err: unknown, entry: T) => void;
  private currentTick: number;
  private count = 0;
  /** Reused between sweeps. */
  private readonly due: T[] = [];

  constructor(options: TimerWheelOptions<T>) {
    if (!(options.tickMs > 0)) throw new RangeError(`TimerWheel tickMs must be > 0, got ${options.tickMs}`);
    const n = options.slotCount ?? 512;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`TimerWheel slotCount must be a positive integer, got ${n}`);
    this.tickMs = options.tickMs;
    this.slots = Array.from({ length: n }, () => new Set<T>());
    this.onExpire = options.onExpire;
    this.onError = options.onError;
    this.currentTick = Math.floor(options.startMs / options.tickMs);
  }

  /** Entries currently scheduled. */
  get size(): number {
    return this.count;
  }

  /**
   * Schedules (or moves) `entry` to fire at the first tick at or after
   * `deadlineMs`, and never in the tick already swept.
   */
  schedule(entry: T, deadlineMs: number): void {
    if (!Number.isFinite(deadlineMs)) throw new RangeError(`TimerWheel deadline must be finite, got ${deadlineMs}; cancel() instead`);
    let tick = Math.ceil(deadlineMs / this.tickMs);
    if (tick <= this.currentTick) tick = this.currentTick + 1;
    const old = entry.wheelTick;
    if (old === tick) return;
    const n = this.slots.length;
    if (old >= 0) this.slots[old % n]!.delete(entry);
    else this.count++;
    entry.wheelTick = tick;
    this.slots[tick % n]!.add(entry);
  }

  /** Removes `entry` if scheduled. */
  cancel(entry: T): void {
    const old = entry.wheelTick;
    if (old < 0) return;
    this.slots[old % this.slots.length]!.delete(entry);
    entry.wheelTick = -1;
    this.count--;
  }

  /**
   * Fires every entry due at `nowMs`. Returns how many fired. A long stall
   * (several revolutions) visits each slot once, not once per missed tick.
   */
  advance(nowMs: number): number {
    const target = Math.floor(nowMs / this.tickMs);
    if (target <= this.currentTick) return 0;
    const n = this.slots.length;
    const from = target - this.currentTick > n ? target - n + 1 : this.currentTick + 1;
    // Move the clock first: entries rescheduled from onExpire land after `target`.
    this.currentTick = target;
    const due = this.due;
    for (let t = from; t <= target; t++) {
      const slot = this.slots[t % n]!;
      for (const entry of slot) {
        if (entry.wheelTick <= target) {
          slot.delete(entry);
          entry.wheelTick = -1;
          this.count--;
          due.push(entry);
        }
      }
    }
    const fired = due.length;
    for (let i = 0; i < fired; i++) {
      const entry = due[i]!;
      try {
        this.onExpire(entry, nowMs);
      } catch (err) {
        this.onError(err, entry);
      }
    }
    due.length = 0;
    return fired;
  }
}
