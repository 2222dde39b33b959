import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMergeHistogram, encodeHistogram } from '../metrics/histogram.ts';
import { curveFromEncoded, percentileCurve, percentileToX, xToPercentile } from './percentile-curve.ts';

function histogramOf(values: readonly number[]) {
  const h = createMergeHistogram();
  for (const v of values) h.recordValue(v);
  return h;
}

describe('percentile axis', () => {
  it.each([
    [0, 1],
    [90, 10],
    [99, 100],
    [99.9, 1000],
  ])('percentile %s is at x %s', (p, x) => {
    expect(percentileToX(p)).toBeCloseTo(x, 6);
    expect(xToPercentile(x)).toBeCloseTo(p, 9);
  });

  it('puts 100 % at infinity', () => {
    expect(percentileToX(100)).toBe(Number.POSITIVE_INFINITY);
  });

  it('round-trips any percentile below 100', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 99.9999, noNaN: true }), (p) => Math.abs(xToPercentile(percentileToX(p)) - p) < 1e-6));
  });
});

describe('percentileCurve', () => {
  const values = Array.from({ length: 1000 }, (_, i) => i + 1);

  it('starts at 0 % with the minimum and ends at 100 % with the maximum', () => {
    const h = histogramOf(values);
    const c = percentileCurve(h);
    expect(c[0]).toEqual({ x: 1, percentile: 0, micros: 1 });
    expect(c[c.length - 1]!.percentile).toBe(100);
    expect(c[c.length - 1]!.micros).toBe(h.getValueAtPercentile(100));
    expect(c[c.length - 1]!.micros).toBeGreaterThanOrEqual(h.maxValue);
    h.destroy();
  });

  it('is the histogram percentile at each decade (90 %, 99 %)', () => {
    const h = histogramOf(values);
    const c = percentileCurve(h, { stepsPerDecade: 10 });
    expect(c[10]!.percentile).toBeCloseTo(90, 9);
    expect(c[10]!.micros).toBe(h.getValueAtPercentile(90));
    expect(c[20]!.micros).toBe(h.getValueAtPercentile(99));
    h.destroy();
  });

  it('stops where percentiles no longer separate samples: x ≤ count, then one point at the max', () => {
    const h = histogramOf(values);
    const c = percentileCurve(h, { stepsPerDecade: 10 });
    // 10^(30/10) = 1000 = count is the last regular point; the max follows at the next step.
    expect(c).toHaveLength(32);
    expect(c[30]!.x).toBeCloseTo(1000, 6);
    expect(c[31]!.x).toBeCloseTo(10 ** 3.1, 6);
    h.destroy();
  });

  it('honours maxDecades', () => {
    const h = histogramOf(Array.from({ length: 100_000 }, (_, i) => i + 1));
    const c = percentileCurve(h, { stepsPerDecade: 5, maxDecades: 2 });
    expect(c).toHaveLength(2 * 5 + 1 + 1);
    expect(c[c.length - 2]!.x).toBeCloseTo(100, 6);
    h.destroy();
  });

  it('is non-decreasing in x and in value for any samples', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 300 }), (vs) => {
        const h = histogramOf(vs);
        const c = percentileCurve(h, { stepsPerDecade: 4 });
        h.destroy();
        return c.every((p, i) => i === 0 || (p.x > c[i - 1]!.x && p.micros >= c[i - 1]!.micros));
      }),
      { numRuns: 50 },
    );
  });

  it('is empty for an empty histogram and a null encoding', () => {
    const h = createMergeHistogram();
    expect(percentileCurve(h)).toEqual([]);
    h.destroy();
    expect(curveFromEncoded(null)).toEqual([]);
  });

  it('gives the same curve from the encoded histogram as from the histogram', () => {
    const h = histogramOf([5, 50, 500, 5000, 50_000, 123_456]);
    const direct = percentileCurve(h);
    h.destroy();
    expect(curveFromEncoded(encodeHistogram(histogramOf([5, 50, 500, 5000, 50_000, 123_456])))).toEqual(direct);
    // The max point is the top of the max's bucket: within HDR precision (0.1 %).
    expect(direct[direct.length - 1]!.micros).toBeGreaterThanOrEqual(123_456);
    expect(direct[direct.length - 1]!.micros).toBeLessThanOrEqual(123_456 * 1.001);
  });
});
