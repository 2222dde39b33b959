import { describe, expect, it } from 'vitest';
import { DEFAULT_SATURATION_RULE, findSaturation, isSaturated } from './saturation.ts';
import type { SelfSample } from './delta.ts';

const s = (cpuPercent: number, loopP99Micros = 0): SelfSample => ({
  cpuPercent,
  loopP99Micros,
  loopMaxMicros: loopP99Micros,
  loopMeanMicros: 0,
});

describe('isSaturated', () => {
  it.each([
    [s(50), false],
    [s(90), false],
    [s(90.1), true],
    [s(10, 50_000), false],
    [s(10, 50_001), true],
  ])('%j → %s', (sample, expected) => {
    expect(isSaturated(sample)).toBe(expected);
  });
});

describe('findSaturation', () => {
  it.each([
    ['one slow second is not a verdict', [s(99), s(10), s(10)], 0],
    ['two saturated seconds of three', [s(99), s(99), s(10)], 1],
    ['2 of 30 seconds is under 10 %', [s(99), s(99), ...Array(28).fill(s(10))], 0],
    ['4 of 30 seconds', [...Array(4).fill(s(10, 80_000)), ...Array(26).fill(s(10))], 1],
    ['no samples', [], 0],
  ])('%s', (_name, samples, expected) => {
    const found = findSaturation(new Map([[1, samples as SelfSample[]]]));
    expect(found).toHaveLength(expected);
    if (expected === 1) {
      expect(found[0]!.worker).toBe(1);
      expect(found[0]!.message).toMatch(/worker 1 was saturated/);
    }
  });

  it('applies a custom rule', () => {
    const rule = { ...DEFAULT_SATURATION_RULE, cpuPercent: 40 };
    expect(findSaturation(new Map([[0, [s(50), s(50)]]]), rule)).toHaveLength(1);
  });
});
