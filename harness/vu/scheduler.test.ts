import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type Timed } from './scheduler.ts';

class Entry implements Timed {
  dueAt = 0;
  heapIndex = -1;
  fired: number[] = [];
  constructor(
    readonly id: number,
    private readonly log: number[],
  ) {}
  onTimer(): void {
    this.log.push(this.id);
  }
}

let scheduler: Scheduler | null = null;
afterEach(() => scheduler?.stop());

describe('Scheduler', () => {
  it('runs due entries in due order and leaves later ones queued', () => {
    const log: number[] = [];
    scheduler = new Scheduler();
    const now = performance.now();
    const entries = [5, 1, 4, 2, 3].map((id) => new Entry(id, log));
    for (const e of entries) scheduler.schedule(e, now - 100 + e.id);
    const later = new Entry(99, log);
    scheduler.schedule(later, now + 60_000);
    scheduler.runDue();
    expect(log).toEqual([1, 2, 3, 4, 5]);
    expect(scheduler.size).toBe(1);
    expect(later.heapIndex).toBe(0);
  });

  it('keeps heap order through any mix of schedule, reschedule and cancel', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(30), fc.integer({ min: -1000, max: 1000 }), fc.boolean()), { minLength: 1, maxLength: 200 }),
        (ops) => {
          const log: number[] = [];
          const s = new Scheduler();
          const pool = Array.from({ length: 31 }, (_, i) => new Entry(i, log));
          const base = performance.now() - 10_000;
          const expected = new Map<number, number>();
          for (const [id, due, cancel] of ops) {
            const e = pool[id]!;
            if (cancel) {
              s.cancel(e);
              expected.delete(id);
            } else {
              s.schedule(e, base + due + 1000);
              expected.set(id, base + due + 1000);
            }
          }
          expect(s.size).toBe(expected.size);
          s.runDue();
          const order = [...expected.entries()].sort((a, b) => a[1] - b[1]).map(([, due]) => due);
          expect(log.map((id) => expected.get(id))).toEqual(order);
          expect(s.size).toBe(0);
          s.stop();
        },
      ),
    );
  });

  it('fires from its single timer, including entries scheduled while firing', async () => {
    const log: number[] = [];
    scheduler = new Scheduler();
    const s = scheduler;
    const second = new Entry(2, log);
    const first: Timed = {
      dueAt: 0,
      heapIndex: -1,
      onTimer: () => {
        log.push(1);
        s.schedule(second, performance.now() + 5);
      },
    };
    s.schedule(first, performance.now() + 5);
    await new Promise((r) => setTimeout(r, 200));
    expect(log).toEqual([1, 2]);
  });

  it('ignores schedules after stop and forgets queued entries', () => {
    const log: number[] = [];
    const s = new Scheduler();
    const e = new Entry(1, log);
    s.schedule(e, performance.now() - 1);
    s.stop();
    expect(e.heapIndex).toBe(-1);
    s.schedule(e, performance.now() - 1);
    s.runDue();
    expect(log).toEqual([]);
    expect(s.size).toBe(0);
  });
});
