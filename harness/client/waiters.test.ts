import { describe, expect, it } from 'vitest';
import { Waiters } from './waiters.ts';

describe('Waiters', () => {
  it('settles first-in, first-out', async () => {
    const w = new Waiters<number>();
    const a = w.add(1000, () => new Error('t'));
    const b = w.add(1000, () => new Error('t'));
    expect(w.size).toBe(2);
    w.resolveFirst(1);
    w.rejectFirst(new Error('second'));
    expect(await a).toBe(1);
    await expect(b).rejects.toThrow('second');
    expect(w.size).toBe(0);
    // Nothing left: no-ops.
    w.resolveFirst(3);
    w.rejectFirst(new Error('x'));
  });

  it('times out with the error from onTimeout and forgets the waiter', async () => {
    const w = new Waiters<void>();
    let cleanedUp = false;
    const p = w.add(10, () => {
      cleanedUp = true;
      return new Error('too slow');
    });
    await expect(p).rejects.toThrow('too slow');
    expect(cleanedUp).toBe(true);
    expect(w.size).toBe(0);
  });

  it('resolves or rejects all at once', async () => {
    const w = new Waiters<string>();
    const all = [w.add(1000, () => new Error('t')), w.add(1000, () => new Error('t'))];
    w.resolveAll('ok');
    expect(await Promise.all(all)).toEqual(['ok', 'ok']);
    const more = [w.add(1000, () => new Error('t')), w.add(1000, () => new Error('t'))];
    w.rejectAll(new Error('closed'));
    for (const p of more) await expect(p).rejects.toThrow('closed');
  });
});
