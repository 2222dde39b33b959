/**
 * HDR histograms for latencies, in microseconds.
 *
 * Range 1 µs .. 60 s at 3 significant digits: every recorded value is kept
 * within 0.1 % of its true value, and merging (histogram `add`) is exact, so a
 * percentile of merged worker histograms equals the percentile of all the
 * samples recorded into one histogram.
 *
 * Build choice (measured with `npx tsx harness/metrics/histogram.bench.ts` on
 * the shared 2-core box, Node 20; figures are tinybench means, noisy):
 *
 *   build        recordValue x1000   10k samples + encode + reset   empty footprint
 *   js int32        ~113 µs              ~1.38 ms                    70.6 KB (JS heap)
 *   js packed       ~764 µs              ~10.2 ms                     0.3 KB
 *   wasm int32       ~32 µs              ~0.35 ms                    17.8 KB (wasm memory)
 *
 * Workers record with the WebAssembly Int32 build: ~3.5× faster per sample
 * than the JS typed-array build and ~4× faster to encode each second, with a
 * smaller footprint; packed arrays save memory we do not need at a 7× cost.
 * A per-second worker delta cannot overflow 32-bit counts. The coordinator
 * decodes into the JS Float64 build (decode + add ≈ 0.1 ms per histogram per
 * second), whose counts cannot overflow over a whole run. If WebAssembly is
 * unavailable, hdr-histogram-js falls back to the JS build transparently.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  initWebAssemblySync,
  type Histogram,
} from 'hdr-histogram-js';
import { MetricsError, MetricsErrorCode } from './errors.ts';

export type { Histogram };

/** Smallest value distinguished from 0, in µs. */
export const HISTOGRAM_LOWEST_MICROS = 1;
/** Largest value recorded, in µs (60 s); larger samples are clamped to it. */
export const HISTOGRAM_HIGHEST_MICROS = 60_000_000;
/** Value precision: 3 significant digits (0.1 %). */
export const HISTOGRAM_SIGNIFICANT_DIGITS = 3;

let wasmReady = false;

/**
 * A histogram for recording in a worker (WebAssembly, 32-bit counts, reset
 * every delta). autoResize is off: a value over the range would otherwise
 * grow the arrays on the hot path; {@link recordMicros} clamps instead.
 * Call `destroy()` when done: wasm memory is not garbage-collected.
 */
export function createRecordingHistogram(): Histogram {
  if (!wasmReady) {
    // Synchronous compile of a small module: fine in Node (no main-thread size limit).
    initWebAssemblySync();
    wasmReady = true;
  }
  return build({
    bitBucketSize: 32,
    useWebAssembly: true,
    autoResize: false,
    lowestDiscernibleValue: HISTOGRAM_LOWEST_MICROS,
    highestTrackableValue: HISTOGRAM_HIGHEST_MICROS,
    numberOfSignificantValueDigits: HISTOGRAM_SIGNIFICANT_DIGITS,
  });
}

/** A histogram for merging in the coordinator (64-bit float counts: no overflow over long runs). */
export function createMergeHistogram(): Histogram {
  return build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: HISTOGRAM_LOWEST_MICROS,
    highestTrackableValue: HISTOGRAM_HIGHEST_MICROS,
    numberOfSignificantValueDigits: HISTOGRAM_SIGNIFICANT_DIGITS,
  });
}

/**
 * Records a sample, clamped to [0, 60 s] and rounded to a whole µs, so a
 * clock step or a stuck request never throws on the hot path.
 */
export function recordMicros(h: Histogram, micros: number): void {
  h.recordValue(clampMicros(micros));
}

/** A sample as {@link recordMicros} records it: clamped to [0, 60 s], rounded to a whole µs. */
function clampMicros(micros: number): number {
  // `!(x > 0)` also catches NaN.
  return !(micros > 0) ? 0 : micros >= HISTOGRAM_HIGHEST_MICROS ? HISTOGRAM_HIGHEST_MICROS : Math.round(micros);
}

// HDR bucket layout of the histograms above (HdrHistogram's own formulas): values up to
// 2 × 10^digits keep unit resolution, i.e. 2^11 sub-buckets of which the upper half
// (2^10) is used in every bucket after the first; the lowest value 1 gives unit magnitude 0.
const SUB_BUCKET_COUNT_MAGNITUDE = Math.ceil(Math.log2(2 * 10 ** HISTOGRAM_SIGNIFICANT_DIGITS));
const SUB_BUCKET_HALF_MAGNITUDE = SUB_BUCKET_COUNT_MAGNITUDE - 1;
const SUB_BUCKET_HALF_COUNT = 2 ** SUB_BUCKET_HALF_MAGNITUDE;
const UNIT_MAGNITUDE = Math.floor(Math.log2(HISTOGRAM_LOWEST_MICROS));
const SUB_BUCKET_MASK = (2 ** SUB_BUCKET_COUNT_MAGNITUDE - 1) * 2 ** UNIT_MAGNITUDE;
/** floor(log2(v)) = 31 − clz32(v) for 32-bit v; the bucket is that minus the two magnitudes. */
const LEADING_ZERO_BASE = 31 - SUB_BUCKET_HALF_MAGNITUDE - UNIT_MAGNITUDE;

/** HdrHistogram's counts-array index of a clamped sample (an integer in [0, 60 s µs], below 2^32). */
function countsIndex(v: number): number {
  const bucket = LEADING_ZERO_BASE - Math.clz32(v | SUB_BUCKET_MASK);
  const sub = v >>> (bucket + UNIT_MAGNITUDE);
  return ((bucket + 1) << SUB_BUCKET_HALF_MAGNITUDE) + sub - SUB_BUCKET_HALF_COUNT;
}

/** The lowest value counted at counts-array `index` (HdrHistogram's `valueFromIndex`). */
function valueFromIndex(index: number): number {
  let bucket = (index >> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** (bucket + UNIT_MAGNITUDE);
}

/** Entries in a counts array: up to the index of the largest recordable (clamped) value. */
const COUNTS_LENGTH = countsIndex(HISTOGRAM_HIGHEST_MICROS) + 1;

/**
 * Samples counted in plain JavaScript in the HDR histograms' own bucket
 * layout, added into real histograms later ({@link flushInto}, once a
 * second): a record is a few integer operations and one typed-array
 * increment, inlined into the caller, instead of a call into WebAssembly.
 *
 *   record(v): counts[countsIndex(clamp(v))] += 1
 *   flushInto(h): for each non-zero i in [lo, hi]: h.recordValueWithCount(valueFromIndex(i), counts[i])
 *
 * Exact: every value of index i lands in the histogram's bucket i, so the
 * histogram ends up with the same counts as when each sample is recorded
 * directly — `histogram.test.ts` compares the encodings byte for byte.
 * 17,408 32-bit counts (68 KB); a worker's per-second counts cannot overflow.
 */
export class BucketCounts {
  private readonly counts = new Uint32Array(COUNTS_LENGTH);
  /** Lowest and highest index counted since the last flush (lo > hi: none). */
  private lo = COUNTS_LENGTH;
  private hi = -1;

  /** Counts a sample, clamped and rounded like {@link recordMicros}. */
  record(micros: number): void {
    const i = countsIndex(clampMicros(micros));
    this.counts[i]! += 1;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
  }

  /** True when nothing was counted since the last flush. */
  get empty(): boolean {
    return this.hi < 0;
  }

  /** Adds the counts into `h` (and `also`, when given) and clears them. */
  flushInto(h: Histogram, also: Histogram | null = null): void {
    const counts = this.counts;
    for (let i = this.lo; i <= this.hi; i++) {
      const n = counts[i]!;
      if (n === 0) continue;
      const value = valueFromIndex(i);
      h.recordValueWithCount(value, n);
      also?.recordValueWithCount(value, n);
      counts[i] = 0;
    }
    this.lo = COUNTS_LENGTH;
    this.hi = -1;
  }
}

/** HDR "compressed base64" (V2 encoding, deflated): portable to every HdrHistogram implementation. */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/**
 * Decodes {@link encodeHistogram} output into a 64-bit-count histogram.
 * Throws {@link MetricsError} `NMT_METRICS_HISTOGRAM_INVALID` on anything else.
 */
export function decodeHistogram(encoded: string): Histogram {
  try {
    const h = decodeFromCompressedBase64(encoded, 64, false, HISTOGRAM_HIGHEST_MICROS);
    h.autoResize = false;
    return h;
  } catch (err) {
    throw new MetricsError(
      MetricsErrorCode.HISTOGRAM_INVALID,
      `cannot decode histogram (${(err as Error).message}); expected HdrHistogram compressed base64 (V2)`,
    );
  }
}

/** Adds an encoded histogram into `into`; a null (empty) encoding adds nothing. */
export function addEncoded(into: Histogram, encoded: string | null): void {
  if (encoded === null) return;
  into.add(decodeHistogram(encoded));
}

/** The numbers a report shows for a histogram, in µs (count is a plain count). */
export interface HistogramSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  'p99.9': number;
  'p99.99': number;
}

/** Summary stats of a histogram; all zero when it is empty. */
export function summarizeHistogram(h: Histogram): HistogramSummary {
  const count = h.totalCount;
  if (count === 0) {
    return { count: 0, min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, 'p99.9': 0, 'p99.99': 0 };
  }
  return {
    count,
    min: h.getValueAtPercentile(0),
    max: h.maxValue,
    mean: h.mean,
    stddev: h.stdDeviation,
    p50: h.getValueAtPercentile(50),
    p75: h.getValueAtPercentile(75),
    p90: h.getValueAtPercentile(90),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    'p99.9': h.getValueAtPercentile(99.9),
    'p99.99': h.getValueAtPercentile(99.99),
  };
}

/**
 * One histogram stat by its threshold name (`p50`, `p99.9`, `min`, `max`,
 * `mean`, `stddev`, `count`); undefined for an empty histogram or unknown stat.
 */
export function histogramStat(h: Histogram, stat: string): number | undefined {
  if (h.totalCount === 0) return stat === 'count' ? 0 : undefined;
  switch (stat) {
    case 'count':
      return h.totalCount;
    case 'min':
      // Percentile 0 is the smallest recorded value, zeros included (minNonZeroValue skips them).
      return h.getValueAtPercentile(0);
    case 'max':
      return h.maxValue;
    case 'mean':
      return h.mean;
    case 'stddev':
      return h.stdDeviation;
    default: {
      if (stat.charCodeAt(0) !== 0x70 /* p */) return undefined;
      const p = Number(stat.slice(1));
      return Number.isFinite(p) && p >= 0 && p <= 100 ? h.getValueAtPercentile(p) : undefined;
    }
  }
}
