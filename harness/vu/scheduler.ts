/**
 * One armed timer per worker for every scheduled event: VU think times,
 * arrival instants, per-connection request slots, connection-rate slots.
 *
 * Why not a `setTimeout` per event: thousands of VUs with their own timers
 * cost a timer object each and, worse, tend to fire in lock-step; a measured
 * synchronized tick for all clients inflated latency ~180× here. Instead each
 * event carries its own (phase-offset) due time in a binary min-heap and the
 * single timer is re-armed for the earliest one:
 *
 *            heap[0] = earliest ── armed setTimeout
 *           /        \
 *      heap[1]      heap[2]         children of i: 2i+1, 2i+2
 *      /    \        /    \         each entry remembers its heap index,
 *   ...     ...    ...    ...       so cancel/reschedule is O(log n)
 *
 * Entries are long-lived objects implementing {@link Timed} (no closure per
 * event). When the timer fires, every entry due by now runs, in due order.
 */

/** Something the scheduler can run at a due time. */
export interface Timed {
  /** Due time in ms on the `performance.now()` clock; owned by the scheduler while queued. */
  dueAt: number;
  /** Position in the heap, -1 when not queued; owned by the scheduler. */
  heapIndex: number;
  /** Called once when due; `now` is the scheduler's clock at the firing. */
  onTimer(now: number): void;
}

/** `heapIndex` of an entry that is not queued. */
export const UNSCHEDULED = -1;

/**
 * Entries due within this many ms run at the current firing: setTimeout
 * cannot wait less than 1 ms, so waiting for them would only make them later.
 */
const EARLY_MS = 0.5;

export class Scheduler {
  private readonly heap: Timed[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Due time the armed timer was set for (Infinity when none). */
  private armedFor = Infinity;
  private stopped = false;
  /** True while {@link runDue} runs entries: re-arming waits until it is done. */
  private firing = false;

  /** Number of queued entries. */
  get size(): number {
    return this.heap.length;
  }

  /** Queues (or moves) `entry` to run at `dueAt` (ms, performance.now clock). */
  schedule(entry: Timed, dueAt: number): void {
    if (this.stopped) return;
    if (entry.heapIndex >= 0) {
      const old = entry.dueAt;
      entry.dueAt = dueAt;
      if (dueAt < old) this.up(entry.heapIndex);
      else this.down(entry.heapIndex);
    } else {
      entry.dueAt = dueAt;
      entry.heapIndex = this.heap.length;
      this.heap.push(entry);
      this.up(entry.heapIndex);
    }
    this.arm();
  }

  /** Removes `entry` if queued. */
  cancel(entry: Timed): void {
    const i = entry.heapIndex;
    if (i < 0) return;
    const last = this.heap.pop()!;
    entry.heapIndex = UNSCHEDULED;
    if (last !== entry) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.up(i);
      this.down(last.heapIndex);
    }
    if (this.heap.length === 0) this.disarm();
  }

  /** Drops every entry and the timer; later `schedule` calls are ignored. */
  stop(): void {
    this.stopped = true;
    for (const e of this.heap) e.heapIndex = UNSCHEDULED;
    this.heap.length = 0;
    this.disarm();
  }

  /** Runs every entry due by now. Public for tests; normally driven by the timer. */
  runDue(): void {
    const heap = this.heap;
    let now = performance.now();
    this.firing = true;
    try {
      while (heap.length > 0 && !this.stopped) {
        const top = heap[0]!;
        if (top.dueAt > now + EARLY_MS) break;
        this.cancel(top);
        top.onTimer(now);
        now = performance.now();
      }
    } finally {
      this.firing = false;
    }
    this.arm();
  }

  /** Timer callback: the armed timer is spent. @internal */
  onTimerFired(): void {
    this.timer = null;
    this.armedFor = Infinity;
    this.runDue();
  }

  private arm(): void {
    if (this.firing) return;
    if (this.stopped || this.heap.length === 0) {
      this.disarm();
      return;
    }
    const due = this.heap[0]!.dueAt;
    if (this.timer !== null && due >= this.armedFor) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.armedFor = due;
    const delay = Math.max(0, due - performance.now());
    this.timer = setTimeout(onSchedulerTimer, delay, this);
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }

  private up(i: number): void {
    const heap = this.heap;
    const e = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (parent.dueAt <= e.dueAt) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    heap[i] = e;
    e.heapIndex = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const e = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r]!.dueAt < heap[l]!.dueAt ? r : l;
      const child = heap[c]!;
      if (child.dueAt >= e.dueAt) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = e;
    e.heapIndex = i;
  }
}

function onSchedulerTimer(scheduler: Scheduler): void {
  scheduler.onTimerFired();
}
