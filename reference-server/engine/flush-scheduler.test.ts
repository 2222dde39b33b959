import { describe, expect, it } from 'vitest';
import { FlushScheduler, type Flushable } from './flush-scheduler.ts';

class Item implements Flushable {
  flushQueued = false;
  flushes = 0;
  constructor(private readonly onFlush: () => void = () => {}) {}
  flush(): void {
    this.flushes++;
    this.onFlush();
  }
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FlushScheduler', () => {
  it('flushes each item once per turn however often it was added, in one setImmediate', async () => {
    const s = new FlushScheduler<Item>((e) => {
      throw e;
    });
    const a = new Item();
    const b = new Item();
    for (let i = 0; i < 100; i++) {
      s.add(a);
      s.add(b);
    }
    expect(s.queued).toBe(2);
    expect(a.flushes).toBe(0); // nothing written synchronously
    await nextTurn();
    expect([a.flushes, b.flushes]).toEqual([1, 1]);
    expect(s.turns).toBe(1);
    expect(s.flushed).toBe(2);
    expect(a.flushQueued).toBe(false);
  });

  it('an add during a flush lands on the next turn', async () => {
    const s = new FlushScheduler<Item>((e) => {
      throw e;
    });
    const later = new Item();
    const first = new Item(() => s.add(later));
    s.add(first);
    await nextTurn();
    expect(first.flushes).toBe(1);
    expect(later.flushes).toBe(0);
    expect(later.flushQueued).toBe(true);
    await nextTurn();
    expect(later.flushes).toBe(1);
    expect(s.turns).toBe(2);
  });

  it('reports a throwing flush and still flushes the rest', async () => {
    const errors: unknown[] = [];
    const s = new FlushScheduler<Item>((e) => errors.push(e));
    const bad = new Item(() => {
      throw new Error('boom');
    });
    const good = new Item();
    s.add(bad);
    s.add(good);
    await nextTurn();
    expect(errors).toHaveLength(1);
    expect(good.flushes).toBe(1);
  });

  it('flushNow writes immediately', () => {
    const s = new FlushScheduler<Item>((e) => {
      throw e;
    });
    const a = new Item();
    s.add(a);
    s.flushNow();
    expect(a.flushes).toBe(1);
  });
});
