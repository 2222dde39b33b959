import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

function takeAll(b: TokenBucket, max = 1_000_000): number {
  let n = 0;
  while (n < max && b.take()) n++;
  return n;
}

describe('TokenBucket', () => {
  it('starts full: exactly `burst` takes succeed, the next fails', () => {
    const b = new TokenBucket(100, 5, 0);
    expect(takeAll(b)).toBe(5);
    expect(b.take()).toBe(false);
  });

  it.each([
    // rate/s, burst, elapsed ms after draining, tokens expected
    [1000, 10, 1, 1],
    [1000, 10, 5, 5],
    [1000, 10, 50, 10], // capped at burst
    [10, 3, 99, 0], // 0.99 token: not enough for a packet
    [10, 3, 100, 1],
  ])('rate %d/s burst %d: %d ms after draining gives %d packets', (rate, burst, elapsed, expected) => {
    const b = new TokenBucket(rate, burst, 0);
    takeAll(b);
    b.refill(elapsed);
    expect(takeAll(b)).toBe(expected);
  });

  it('ignores a clock that goes backwards', () => {
    const b = new TokenBucket(1000, 4, 100);
    takeAll(b);
    b.refill(50);
    expect(b.take()).toBe(false);
    b.refill(101);
    expect(b.take()).toBe(true);
  });

  it.each([
    [0, 1],
    [-5, 1],
    [10, 0],
    [Number.NaN, 1],
  ])('rejects rate %d burst %d', (rate, burst) => {
    expect(() => new TokenBucket(rate, burst, 0)).toThrow(RangeError);
  });

  it('never admits more than burst + rate × elapsed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 300 })), { maxLength: 50 }),
        (rate, burst, steps) => {
          const b = new TokenBucket(rate, burst, 0);
          let now = 0;
          let admitted = 0;
          for (const [dt, attempts] of steps) {
            now += dt;
            b.refill(now);
            for (let i = 0; i < attempts; i++) if (b.take()) admitted++;
          }
          expect(admitted).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9);
          expect(b.available).toBeGreaterThanOrEqual(0);
          expect(b.available).toBeLessThanOrEqual(burst);
        },
      ),
    );
  });
});
