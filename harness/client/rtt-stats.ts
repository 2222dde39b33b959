/**
 * RTT statistics for the CLI and tools: an HDR histogram in microseconds and
 * its summary. Settings follow the harness convention (1 µs to 60 s, 3
 * significant digits) so histograms from different tools can be merged.
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** Histogram range and precision, in µs. */
export const RTT_HISTOGRAM_SETTINGS = Object.freeze({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3 as const,
});

/** A fixed-range histogram of RTTs in µs (no auto-resize: memory stays constant). */
export function createRttHistogram(): Histogram {
  return hdr.build({ ...RTT_HISTOGRAM_SETTINGS, autoResize: false });
}

/**
 * Records one RTT. Values are rounded to whole µs and clamped into the
 * histogram's range (a sub-µs loopback answer counts as 1 µs, anything past
 * 60 s as 60 s) because recording out of range would throw.
 */
export function recordRtt(histogram: Histogram, rttMicros: number): void {
  const v = Math.round(rttMicros);
  const max = RTT_HISTOGRAM_SETTINGS.highestTrackableValue;
  histogram.recordValue(v < 1 ? 1 : v > max ? max : v);
}

/**
 * RTT summary in µs; every field is 0 when nothing was recorded. Percentiles
 * carry the histogram's precision (3 significant digits).
 */
export interface RttSummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Rounded to 0.1 µs. */
  mean: number;
}

export function summarizeRtt(histogram: Histogram): RttSummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const max = histogram.maxValue;
  // A percentile is the upper bound of its HDR bucket, which can exceed the exact maximum
  // recorded; clamp so a summary never reads p99 > max.
  const at = (p: number): number => Math.min(histogram.getValueAtPercentile(p), max);
  return {
    count,
    min: histogram.minNonZeroValue,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max,
    mean: Math.round(histogram.mean * 10) / 10,
  };
}
