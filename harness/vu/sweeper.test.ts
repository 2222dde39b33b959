import { describe, expect, it } from 'vitest';
import { DeadlineSweeper, type Sweepable } from './sweeper.ts';

class Watch implements Sweepable {
  sweepIndex = -1;
  sweeps = 0;
  constructor(private remaining: number) {}
  sweep(): boolean {
    this.sweeps++;
    return --this.remaining > 0;
  }
}

describe('DeadlineSweeper', () => {
  it('sweeps each watched item until it reports nothing left, then drops it', () => {
    const s = new DeadlineSweeper(1000);
    const a = new Watch(1);
    const b = new Watch(3);
    const c = new Watch(2);
    s.watch(a);
    s.watch(b);
    s.watch(c);
    s.watch(b); // idempotent
    expect(s.size).toBe(3);
    s.sweepNow();
    expect([a.sweeps, b.sweeps, c.sweeps]).toEqual([1, 1, 1]);
    expect(s.size).toBe(2);
    expect(a.sweepIndex).toBe(-1);
    s.sweepNow();
    s.sweepNow();
    expect([a.sweeps, b.sweeps, c.sweeps]).toEqual([1, 3, 2]);
    expect(s.size).toBe(0);
    s.stop();
  });

  it('runs on its interval only while something is watched', async () => {
    const s = new DeadlineSweeper(5);
    const w = new Watch(3);
    s.watch(w);
    await new Promise((r) => setTimeout(r, 150));
    expect(w.sweeps).toBe(3);
    expect(s.size).toBe(0);
    s.unwatch(w); // no-op when not registered
    s.stop();
  });
});
