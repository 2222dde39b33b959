import { describe, expect, it } from 'vitest';
import {
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
