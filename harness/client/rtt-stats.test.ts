import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RTT_HISTOGRAM_SETTINGS, createRttHistogram, recordRtt, summarizeRtt } from './rtt-stats.ts';

describe('rtt stats', () => {
  it('summarizes an empty histogram as zeros', () => {
    expect(summarizeRtt(createRttHistogram())).toEqual({ count: 0, min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
  });

  it('summarizes 1..100 µs', () => {
    const h = createRttHistogram();
    for (let v = 1; v <= 100; v++) recordRtt(h, v);
    expect(summarizeRtt(h)).toEqual({ count: 100, min: 1, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
  });

  it.each([
    [0.2, 1],
    [0, 1],
    [-3, 1],
    [1.4, 1],
    [1.6, 2],
    [RTT_HISTOGRAM_SETTINGS.highestTrackableValue * 2, RTT_HISTOGRAM_SETTINGS.highestTrackableValue],
  ])('records %d µs as %d µs', (input, recorded) => {
    const h = createRttHistogram();
    recordRtt(h, input);
    const s = summarizeRtt(h);
    expect(s.count).toBe(1);
    // HDR keeps 3 significant digits: equal within 0.1 %.
    expect(Math.abs(s.max - recorded)).toBeLessThanOrEqual(recorded / 1000);
  });

  it('orders min <= p50 <= p90 <= p99 <= max for any samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e8, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        const h = createRttHistogram();
        for (const v of values) recordRtt(h, v);
        const s = summarizeRtt(h);
        expect(s.count).toBe(values.length);
        expect(s.min).toBeLessThanOrEqual(s.p50);
        expect(s.p50).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
        expect(s.min).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});
