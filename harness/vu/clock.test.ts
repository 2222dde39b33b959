import { afterEach, describe, expect, it } from 'vitest';
import { beginRead, endRead, flushAtReadEnd, now, nowEpochMicros } from './clock.ts';

/** A flush target that logs its name. */
function target(log: string[], name: string, fail = false): { flush(): void } {
  return {
    flush(): void {
      log.push(name);
      if (fail) throw new Error(`${name} failed`);
    },
  };
}

describe('VU clock and read pass', () => {
  afterEach(() => endRead());

  it('holds the read instant during a read and follows the live clock outside', () => {
    const before = now();
    beginRead();
    const a = now();
    const spin = performance.now() + 2;
    while (performance.now() < spin) {
      // wait 2 ms of real time
    }
    expect(now()).toBe(a);
    expect(nowEpochMicros()).toBe(Math.round(performance.timeOrigin * 1000 + a * 1000));
    endRead();
    expect(a).toBeGreaterThanOrEqual(before);
    expect(now()).toBeGreaterThan(a + 1);
  });

  it('registers nothing outside a read', () => {
    const log: string[] = [];
    expect(flushAtReadEnd(target(log, 'x'))).toBe(false);
    beginRead();
    endRead();
    expect(log).toEqual([]);
  });

  it('flushes every target registered during the pass, in order, once, when the pass ends', () => {
    const log: string[] = [];
    beginRead();
    expect(flushAtReadEnd(target(log, 'a'))).toBe(true);
    expect(flushAtReadEnd(target(log, 'b'))).toBe(true);
    expect(log).toEqual([]);
    endRead();
    expect(log).toEqual(['a', 'b']);
    beginRead();
    endRead();
    expect(log).toEqual(['a', 'b']);
  });

  it('flushes the others when one flush throws, then rethrows; later passes start clean', () => {
    const log: string[] = [];
    beginRead();
    flushAtReadEnd(target(log, 'bad', true));
    flushAtReadEnd(target(log, 'other'));
    expect(() => endRead()).toThrow('bad failed');
    expect(flushAtReadEnd(target(log, 'outside'))).toBe(false);
    beginRead();
    flushAtReadEnd(target(log, 'next'));
    endRead();
    expect(log).toEqual(['bad', 'other', 'next']);
  });
});
