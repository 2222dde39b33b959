/**
 * Latency percentile curves in the HdrHistogram style, recomputed from the
 * encoded histograms in results.json.
 *
 * The x axis is `1 / (1 − percentile)` on a log scale, so each decade is
 * "one more nine": 1 = 0 %, 10 = 90 %, 100 = 99 %, 1000 = 99.9 %. Points are
 * spaced evenly on that axis (`stepsPerDecade`) until the percentile no
 * longer tells samples apart (`1 / (1 − p)` beyond the sample count), then
 * one last point at 100 % (the max, as its bucket's top), drawn at the next step.
 *
 *   value │                              ┌──── max
 *         │                        ┌─────┘
 *         │        ________________┘
 *         └──┬──────┬──────┬──────┬──────┬──
 *            0%    90%    99%   99.9%  99.99%
 */
import type { Histogram } from '../metrics/histogram.ts';
import { decodeHistogram } from '../metrics/histogram.ts';

/** One point of a curve. */
export interface CurvePoint {
  /** Position on the log axis: 1 / (1 − percentile/100). */
  x: number;
  /** 0..100. */
  percentile: number;
  /** The latency at that percentile, µs. */
  micros: number;
}

/** Limits of a curve. */
export interface CurveOptions {
  /** Points per decade of the x axis (default 10). */
  stepsPerDecade?: number;
  /** Most decades to draw (default 7: up to 99.99999 %). */
  maxDecades?: number;
}

/** The x position of a percentile (0..100); Infinity at 100. */
export function percentileToX(percentile: number): number {
  return percentile >= 100 ? Number.POSITIVE_INFINITY : 1 / (1 - percentile / 100);
}

/** The percentile (0..100) at an x position ≥ 1. */
export function xToPercentile(x: number): number {
  return (1 - 1 / x) * 100;
}

/** The curve of a histogram; empty when it holds no samples. */
export function percentileCurve(h: Histogram, options: CurveOptions = {}): CurvePoint[] {
  const steps = options.stepsPerDecade ?? 10;
  const maxDecades = options.maxDecades ?? 7;
  const count = h.totalCount;
  if (count === 0) return [];
  const out: CurvePoint[] = [];
  const lastStep = steps * maxDecades;
  let k = 0;
  for (; k <= lastStep; k++) {
    const x = 10 ** (k / steps);
    // Past 1/(1−p) = count, every further percentile is the max: stop and add it once.
    if (x > count) break;
    const percentile = xToPercentile(x);
    out.push({ x, percentile, micros: h.getValueAtPercentile(percentile) });
  }
  // Percentile 100, not maxValue: like every other point it is the top of its bucket, so the
  // curve never steps down at the end (maxValue can sit below its bucket's top).
  out.push({ x: 10 ** (k / steps), percentile: 100, micros: h.getValueAtPercentile(100) });
  return out;
}

/** The curve of an encoded histogram (null or empty → empty curve). */
export function curveFromEncoded(encoded: string | null, options: CurveOptions = {}): CurvePoint[] {
  if (encoded === null) return [];
  const h = decodeHistogram(encoded);
  try {
    return percentileCurve(h, options);
  } finally {
    h.destroy();
  }
}
