/**
 * Think times: how long a VU pauses at a `think` step. Compiled once per
 * step into a sampler; sampling allocates nothing.
 */
import type { ThinkConfig } from '../scenario/types.ts';

/** Returns the next pause in ms; `random` yields [0, 1). */
export type ThinkSampler = (random: () => number) => number;

/**
 * Builds the sampler of a think config:
 * - fixed: always `ms`;
 * - uniform: evenly distributed in [minMs, maxMs);
 * - exponential: mean `meanMs` (memoryless pauses, a Poisson process of
 *   actions per VU), by inversion: −mean · ln(1 − u).
 */
export function thinkSampler(think: ThinkConfig): ThinkSampler {
  switch (think.kind) {
    case 'fixed': {
      const ms = think.ms;
      return () => ms;
    }
    case 'uniform': {
      const min = think.minMs;
      const span = think.maxMs - think.minMs;
      return (random) => min + random() * span;
    }
    case 'exponential': {
      const mean = think.meanMs;
      return (random) => -mean * Math.log(1 - random());
    }
  }
}
