/**
 * Write batching across sessions: one socket write per session per
 * event-loop turn.
 *
 * A session that writes during a turn is put on the dirty list once (its
 * `flushQueued` flag makes the second `add` a single comparison). The first
 * `add` of a turn schedules ONE `setImmediate` for the whole server; it runs
 * after the poll phase, i.e. after every socket read of this turn was
 * dispatched, so all responses produced by those reads leave in one write
 * per session.
 *
 *   poll phase: data(s1) data(s2) data(s1)  →  dirty = [s1, s2]
 *   check phase: flushDirty → s1.flush() (1 write), s2.flush() (1 write)
 */

/** Something with a batch to flush. */
export interface Flushable {
  /** True while on the dirty list. Owned by the scheduler. */
  flushQueued: boolean;
  /** Writes the pending batch. Must not throw; errors are reported through `onError` anyway. */
  flush(): void;
}

export class FlushScheduler<T extends Flushable> {
  private pending: T[] = [];
  /** The list being flushed is swapped with this one, so `add` during a flush lands on the next turn. */
  private spare: T[] = [];
  private scheduled = false;
  private readonly onError: (err: unknown, item: T) => void;
  /** Turns that flushed at least one item. */
  turns = 0;
  /** Items flushed (≈ socket writes). */
  flushed = 0;

  constructor(onError: (err: unknown, item: T) => void) {
    this.onError = onError;
  }

  /** Items waiting for the next flush. */
  get queued(): number {
    return this.pending.length;
  }

  /** Queues `item` for the flush at the end of this turn (once, however often it is added). */
  add(item: T): void {
    if (item.flushQueued) return;
    item.flushQueued = true;
    this.pending.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(runFlush, this);
    }
  }

  /** Flushes everything queued now (used by tests and before shutdown). */
  flushNow(): void {
    this.scheduled = false;
    const list = this.pending;
    if (list.length === 0) return;
    this.pending = this.spare;
    this.turns++;
    for (let i = 0; i < list.length; i++) {
      const item = list[i]!;
      item.flushQueued = false;
      try {
        item.flush();
      } catch (err) {
        this.onError(err, item);
      }
    }
    this.flushed += list.length;
    list.length = 0;
    this.spare = list;
  }
}

function runFlush<T extends Flushable>(this: void, scheduler: FlushScheduler<T>): void {
  scheduler.flushNow();
}
