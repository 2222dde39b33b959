import { describe, expect, it } from 'vitest';
import {
  BucketCounts,
  HISTOGRAM_HIGHEST_MICROS,
  addEncoded,
  createMergeHistogram,
  createRecordingHistogram,
  decodeHistogram,
  encodeHistogram,
  histogramStat,
  recordMicros,
  summarizeHistogram,
} from './histogram.ts';
import { MetricsErrorCode } from './errors.ts';

describe('recordMicros', () => {
  it.each([
    [-5, 0],
    [Number.NaN, 0],
    [0, 0],
    [0.4, 0],
    [1.6, 2],
    [1234, 1234],
    [HISTOGRAM_HIGHEST_MICROS * 10, HISTOGRAM_HIGHEST_MICROS],
    [Number.POSITIVE_INFINITY, HISTOGRAM_HIGHEST_MICROS],
  ])('records %s as ≈ %s without throwing', (input, expected) => {
    const h = createRecordingHistogram();
    recordMicros(h, input);
    expect(h.totalCount).toBe(1);
    const v = h.getValueAtPercentile(100);
    // 3 significant digits: within 0.1 % of the expected value.
    expect(Math.abs(v - expected)).toBeLessThanOrEqual(Math.max(1, expected * 0.001));
    h.destroy();
  });
});

describe('encode / decode', () => {
  it('round-trips counts exactly', () => {
    const h = createRecordingHistogram();
    for (let i = 1; i <= 5000; i++) recordMicros(h, i * 13);
    const d = decodeHistogram(encodeHistogram(h));
    expect(d.totalCount).toBe(5000);
    for (const p of [0, 10, 50, 90, 99, 99.9, 100]) {
      expect(d.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
    }
    h.destroy();
  });

  it('adds an encoded histogram, and nothing for null', () => {
    const a = createMergeHistogram();
    const h = createRecordingHistogram();
    recordMicros(h, 100);
    recordMicros(h, 200);
    addEncoded(a, encodeHistogram(h));
    addEncoded(a, null);
    expect(a.totalCount).toBe(2);
    h.destroy();
  });

  it.each(['', 'not base64!', 'AAAA'])('rejects %j with NMT_METRICS_HISTOGRAM_INVALID', (text) => {
    expect(() => decodeHistogram(text)).toThrow(expect.objectContaining({ code: MetricsErrorCode.HISTOGRAM_INVALID }));
  });
});

describe('histogramStat / summarizeHistogram', () => {
  const h = createMergeHistogram();
  for (let v = 1; v <= 1000; v++) h.recordValue(v);
  h.recordValue(0);

  it.each([
    ['count', 1001],
    ['min', 0],
    ['max', 1000],
    ['p50', 500],
    ['p90', 900],
    ['p99', 990],
    ['p100', 1000],
  ])('%s = %d', (stat, expected) => {
    expect(histogramStat(h, stat)).toBe(expected);
  });

  it.each(['mean', 'stddev'])('%s is a finite number', (stat) => {
    const v = histogramStat(h, stat);
    expect(Number.isFinite(v)).toBe(true);
    if (stat === 'mean') expect(v).toBeCloseTo(500.0, -1);
  });

  it.each(['p101', 'px', 'median', ''])('unknown stat %j → undefined', (stat) => {
    expect(histogramStat(h, stat)).toBeUndefined();
  });

  it('an empty histogram has count 0 and no other data', () => {
    const e = createMergeHistogram();
    expect(histogramStat(e, 'count')).toBe(0);
    expect(histogramStat(e, 'p99')).toBeUndefined();
    expect(summarizeHistogram(e)).toMatchObject({ count: 0, p99: 0, max: 0 });
  });

  it('summary matches the stats', () => {
    const s = summarizeHistogram(h);
    expect(s).toMatchObject({ count: 1001, min: 0, max: 1000, p50: 500, p99: 990, 'p99.9': 999 });
  });
});

describe('BucketCounts', () => {
  it('adds up to exactly the histogram that recording every sample gives (encodings equal)', () => {
    const direct = createRecordingHistogram();
    const viaCounts = createRecordingHistogram();
    const alsoCounts = createRecordingHistogram();
    const counts = new BucketCounts();
    // Bucket edges (powers of two and their neighbours), clamping, rounding, and a spread of latencies.
    const edges = [-5, Number.NaN, 0, 0.4, 0.5, 1, 2, 3, Number.POSITIVE_INFINITY, HISTOGRAM_HIGHEST_MICROS, HISTOGRAM_HIGHEST_MICROS * 2];
    for (let p = 1; p < 26; p++) edges.push(2 ** p - 1, 2 ** p, 2 ** p + 1);
    let seed = 7;
    const values = [...edges];
    for (let i = 0; i < 50_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      values.push(Math.exp((seed / 0x7fffffff) * 18) - 1);
    }
    for (const round of [0, 1]) {
      for (const v of values) {
        recordMicros(direct, v + round);
        counts.record(v + round);
      }
      expect(counts.empty).toBe(false);
      counts.flushInto(viaCounts, alsoCounts);
      expect(counts.empty).toBe(true);
      expect(encodeHistogram(viaCounts)).toBe(encodeHistogram(direct));
      expect(encodeHistogram(alsoCounts)).toBe(encodeHistogram(direct));
    }
    // A flush with nothing counted adds nothing.
    counts.flushInto(viaCounts);
    expect(viaCounts.totalCount).toBe(direct.totalCount);
    direct.destroy();
    viaCounts.destroy();
    alsoCounts.destroy();
  });
});
