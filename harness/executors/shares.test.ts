import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrivalSchedule } from './schedule.ts';
import { connectRateShare, connectSlotOffsetMs, globalId, owns, perConnectionRate, segmentProblem, shareOf } from './shares.ts';

const segmentsOf = (count: number) => Array.from({ length: count }, (_, index) => ({ index, count }));

describe('shareOf', () => {
  it.each([
    // total, count, expected shares by worker
    [10, 3, [4, 3, 3]],
    [2, 3, [1, 1, 0]],
    [0, 2, [0, 0]],
    [7, 1, [7]],
    [100, 4, [25, 25, 25, 25]],
    [101, 4, [26, 25, 25, 25]],
  ])('splits %i over %i workers as %j', (total, count, shares) => {
    expect(segmentsOf(count).map((s) => shareOf(total, s))).toEqual(shares);
  });

  it('sums to the total exactly for any (total, count), shares differ by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 64 }), (total, count) => {
        const shares = segmentsOf(count).map((s) => shareOf(total, s));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('matches the global ids each worker owns', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 12 }), (total, count) => {
        const seen = new Set<number>();
        for (const s of segmentsOf(count)) {
          const n = shareOf(total, s);
          for (let local = 0; local < n; local++) {
            const g = globalId(local, s);
            expect(owns(g, s)).toBe(true);
            expect(g).toBeLessThan(total);
            seen.add(g);
          }
        }
        expect(seen.size).toBe(total);
      }),
    );
  });
});

describe('rates', () => {
  it('per-connection rates add up to the total rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 5000 }), (rate, connections) => {
        expect(perConnectionRate(rate, connections) * connections).toBeCloseTo(rate, 6);
      }),
    );
  });

  it('connect-rate shares add up and worker slots interleave evenly', () => {
    const rate = 1000;
    const segs = segmentsOf(4);
    expect(segs.reduce((a, s) => a + connectRateShare(rate, s), 0)).toBeCloseTo(rate, 9);
    // Worker i's first slot at i ms, then every 4 ms: the merged slots are 1 ms apart.
    expect(segs.map((s) => connectSlotOffsetMs(rate, s))).toEqual([0, 1, 2, 3]);
  });

  it('arrival iterations of all workers add up to the schedule total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 8 }),
        (rate, durationMs, count) => {
          let sum = 0;
          let total = 0;
          for (const s of segmentsOf(count)) {
            const sched = ArrivalSchedule.constant(rate, durationMs, s);
            total = sched.total;
            while (sched.next() >= 0) sum++;
          }
          expect(sum).toBe(total);
          expect(total).toBe(Math.max(0, Math.ceil((rate * durationMs) / 1000 - 1e-9)));
        },
      ),
    );
  });
});

describe('segmentProblem', () => {
  it.each([
    [{ index: 0, count: 1 }, null],
    [{ index: 2, count: 3 }, null],
    [{ index: 3, count: 3 }, /index/],
    [{ index: -1, count: 3 }, /index/],
    [{ index: 0, count: 0 }, /count/],
    [{ index: 0, count: 1.5 }, /count/],
  ])('%j → %s', (segment, problem) => {
    const got = segmentProblem(segment);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toMatch(problem);
  });
});
