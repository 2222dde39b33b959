import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCount, parseDurationMicros, parseDurationMs, parseSize } from './units.ts';

describe('parseDurationMicros', () => {
  it.each([
    ['500ms', 500_000],
    ['30s', 30_000_000],
    ['2m', 120_000_000],
    ['1h', 3_600_000_000],
    ['1h30m', 5_400_000_000],
    ['1m30s', 90_000_000],
    ['2s500ms', 2_500_000],
    ['1.5s', 1_500_000],
    ['.5s', 500_000],
    ['250us', 250],
    ['250µs', 250],
    ['250μs', 250], // Greek mu
    ['0', 0],
    [0, 0],
    ['  10ms  ', 10_000],
  ])('%j → %d µs', (input, micros) => {
    expect(parseDurationMicros(input)).toBe(micros);
  });

  it.each([
    ['10 seconds'],
    ['10'],
    [10],
    [''],
    ['ms'],
    ['10 ms'],
    ['1d'],
    ['-5s'],
    ['5s '.repeat(2)],
    [null],
    [true],
    [['5s']],
  ])('%j is not a duration', (input) => {
    expect(parseDurationMicros(input)).toBeUndefined();
  });

  it('parseDurationMs divides by 1000 (µs inputs give fractional ms)', () => {
    expect(parseDurationMs('250us')).toBe(0.25);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('nope')).toBeUndefined();
  });

  it('round-trips any whole number of each unit', () => {
    const units = { h: 3_600_000_000, m: 60_000_000, s: 1_000_000, ms: 1_000, us: 1 } as const;
    fc.assert(
      fc.property(fc.nat(100_000), fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])), (n, unit) => {
        expect(parseDurationMicros(`${n}${unit}`)).toBe(n * units[unit]);
      }),
    );
  });

  it('sums arbitrary combinations of parts', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        expect(parseDurationMicros(`${h}h${m}m${s}s${ms}ms`)).toBe(((h * 60 + m) * 60 + s) * 1_000_000 + ms * 1_000);
      }),
    );
  });
});

describe('parseCount', () => {
  it.each([
    [100, 100],
    ['100', 100],
    ['10k', 10_000],
    ['10K', 10_000],
    ['1.5k', 1_500],
    ['2M', 2_000_000],
    ['0.5', 0.5],
    [0, 0],
  ])('%j → %d', (input, n) => {
    expect(parseCount(input)).toBe(n);
  });

  it.each([['10m'], ['k'], ['-1'], [-1], ['1e3'], ['ten'], [null], [Number.NaN], [Number.POSITIVE_INFINITY]])('%j is not a count', (input) => {
    expect(parseCount(input)).toBeUndefined();
  });
});

describe('parseSize', () => {
  it.each([
    ['512', 512],
    [512, 512],
    ['512B', 512],
    ['1KB', 1024],
    ['1kb', 1024],
    ['1KiB', 1024],
    ['1.5MB', 1.5 * 1024 ** 2],
    ['2MiB', 2 * 1024 ** 2],
    ['2GB', 2 * 1024 ** 3],
    ['2 GiB', 2 * 1024 ** 3],
    ['1TB', 1024 ** 4],
  ])('%j → %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each([['2XB'], ['GB'], ['-1KB'], [''], [null]])('%j is not a size', (input) => {
    expect(parseSize(input)).toBeUndefined();
  });
});
