/**
 * Promises the client hands out and settles later (connect, handshake,
 * drain), each with a timeout. Settling is first-in, first-out; a timed-out
 * waiter is removed before its error is delivered, so it can never be settled twice.
 */

/** One pending call. */
export interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

export class Waiters<T> {
  private list: Waiter<T>[] = [];

  /** Pending calls. */
  get size(): number {
    return this.list.length;
  }

  /**
   * Adds a waiter. After `timeoutMs` it is removed and rejected with the error
   * `onTimeout` returns. With `timeoutMs` null it waits until settled (the
   * caller bounds the wait some other way, e.g. the connection's own timer).
   */
  add(timeoutMs: number | null, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, timer: null };
      if (timeoutMs !== null) {
        waiter.timer = setTimeout(() => {
          this.list = this.list.filter((w) => w !== waiter);
          reject(onTimeout());
        }, timeoutMs);
      }
      this.list.push(waiter);
    });
  }

  /** Resolves the oldest waiter, if any. */
  resolveFirst(value: T): void {
    const w = this.list.shift();
    if (w === undefined) return;
    if (w.timer !== null) clearTimeout(w.timer);
    w.resolve(value);
  }

  /** Rejects the oldest waiter, if any. */
  rejectFirst(err: Error): void {
    const w = this.list.shift();
    if (w === undefined) return;
    if (w.timer !== null) clearTimeout(w.timer);
    w.reject(err);
  }

  resolveAll(value: T): void {
    for (const w of this.takeAll()) w.resolve(value);
  }

  rejectAll(err: Error): void {
    for (const w of this.takeAll()) w.reject(err);
  }

  private takeAll(): Waiter<T>[] {
    const all = this.list;
    this.list = [];
    for (const w of all) if (w.timer !== null) clearTimeout(w.timer);
    return all;
  }
}
