import { describe, expect, it } from 'vitest';
import type { MetricUnit } from '../metrics/names.ts';
import { formatQuery, formatValue } from './format.ts';

describe('formatValue', () => {
  it.each<[number, MetricUnit, string]>([
    [0, 'time', '0µs'],
    [850, 'time', '850µs'],
    [12.5, 'time', '12.5µs'],
    [999.6, 'time', '1ms'],
    [1_840, 'time', '1.84ms'],
    [2_000, 'time', '2ms'],
    [18_400, 'time', '18.4ms'],
    [184_000, 'time', '184ms'],
    [999_999, 'time', '1s'],
    [2_500_000, 'time', '2.5s'],
    [59_000_000, 'time', '59s'],
    [60_000_000, 'time', '1m'],
    [90_000_000, 'time', '1m30s'],
    [3_725_000_000, 'time', '62m5s'],
    [512, 'bytes', '512B'],
    [1024, 'bytes', '1KiB'],
    [1536, 'bytes', '1.5KiB'],
    [1023.9, 'bytes', '1KiB'],
    [12.3 * 1024 ** 2, 'bytes', '12.3MiB'],
    [2 * 1024 ** 3, 'bytes', '2GiB'],
    [3 * 1024 ** 4, 'bytes', '3TiB'],
    [0, 'ratio', '0%'],
    [0.001, 'ratio', '0.1%'],
    [0.12345, 'ratio', '12.3%'],
    [1, 'ratio', '100%'],
    [0.000012, 'ratio', '0.0012%'],
    [85.25, 'percent', '85.3%'],
    [850, 'rate', '850/s'],
    [12.5, 'rate', '12.5/s'],
    [12_345, 'rate', '12.3k/s'],
    [1_500_000, 'rate', '1.5M/s'],
    [12_345, 'count', '12345'],
    [2.5, 'count', '2.5'],
    [-1_840, 'time', '-1.84ms'],
    [Number.NaN, 'time', 'NaN'],
    [Number.POSITIVE_INFINITY, 'count', '∞'],
  ])('%d %s → %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });
});

describe('formatQuery', () => {
  it.each([
    [{ metric: 'latency', tags: {}, stat: 'p99' }, 'latency.p99'],
    [{ metric: 'latency', tags: { packet: 'PingReq', phase: 'steady' }, stat: 'p99.9' }, 'latency{packet:PingReq,phase:steady}.p99.9'],
  ])('%j → %s', (query, text) => {
    expect(formatQuery(query)).toBe(text);
  });
});
