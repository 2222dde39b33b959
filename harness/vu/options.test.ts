import { describe, expect, it } from 'vitest';
import { VuErrorCode } from './errors.ts';
import { DEFAULT_LOAD_OPTIONS, dedupeWarnings, resolveLoadOptions } from './options.ts';

describe('resolveLoadOptions', () => {
  it('fills defaults', () => {
    const o = resolveLoadOptions({ maxInFlightPerConnection: 8 });
    expect(o.maxInFlightPerConnection).toBe(8);
    expect(o.sweepIntervalMs).toBe(DEFAULT_LOAD_OPTIONS.sweepIntervalMs);
  });

  it.each([
    ['sweepIntervalMs', 0],
    ['maxInFlightPerConnection', 0],
    ['closeGraceMs', -1],
    ['syncStepBudget', Number.NaN],
    ['maxArrivalBurst', Infinity],
  ])('rejects %s = %d with NMT_VU_INVALID_CONFIG naming the option', (key, value) => {
    expect(() => resolveLoadOptions({ [key]: value })).toThrow(
      expect.objectContaining({ code: VuErrorCode.INVALID_CONFIG, path: `options.${key}` }),
    );
  });
});

describe('dedupeWarnings', () => {
  it('reports each distinct message once and caps the number of distinct ones', () => {
    const out: string[] = [];
    const warn = dedupeWarnings((m) => out.push(m));
    warn('a');
    warn('a');
    warn('b');
    expect(out).toEqual(['a', 'b']);
    for (let i = 0; i < 100; i++) warn(`m${i}`);
    expect(out.length).toBe(51); // 50 distinct + one "more than 50" notice
    expect(out[50]).toMatch(/more than 50/);
  });
});
