import { describe, expect, it } from 'vitest';
import { thinkSampler } from './think.ts';

describe('thinkSampler', () => {
  it.each([
    [{ kind: 'fixed', ms: 25 } as const, 0.3, 25],
    [{ kind: 'uniform', minMs: 10, maxMs: 20 } as const, 0, 10],
    [{ kind: 'uniform', minMs: 10, maxMs: 20 } as const, 0.5, 15],
    [{ kind: 'exponential', meanMs: 100 } as const, 0, 0],
    [{ kind: 'exponential', meanMs: 100 } as const, 1 - Math.exp(-1), 100],
  ])('%j with u=%d → %d ms', (think, u, ms) => {
    expect(thinkSampler(think)(() => u)).toBeCloseTo(ms, 9);
  });

  it('exponential pauses average the mean', () => {
    const sample = thinkSampler({ kind: 'exponential', meanMs: 50 });
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += sample(rand);
    expect(sum / 20_000).toBeGreaterThan(47);
    expect(sum / 20_000).toBeLessThan(53);
  });
});
