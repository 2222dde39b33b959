/**
 * When was the load generator itself the bottleneck?
 *
 * Rule (documented in docs/running.md): a worker-second is *saturated* when
 * the worker used more than 90 % of a core, or its event-loop lag p99 was
 * above 50 ms. A worker is reported when at least 2 of its seconds, and at
 * least 10 % of them, were saturated — one slow second (a GC pause, the
 * first second's socket setup) is not a verdict, a pattern is. The thresholds
 * are configurable through {@link SaturationRule}.
 */
import type { SelfSample } from './delta.ts';

/** Limits of the saturation rule. */
export interface SaturationRule {
  /** CPU above this percent of one core counts (default 90). */
  cpuPercent: number;
  /** Event-loop lag p99 above this counts, µs (default 50 ms). */
  loopP99Micros: number;
  /** At least this many saturated seconds per worker (default 2)... */
  minSeconds: number;
  /** ...and at least this fraction of the worker's seconds (default 0.1). */
  minFraction: number;
}

export const DEFAULT_SATURATION_RULE: Readonly<SaturationRule> = Object.freeze({
  cpuPercent: 90,
  loopP99Micros: 50_000,
  minSeconds: 2,
  minFraction: 0.1,
});

/** One saturated worker. */
export interface SaturationFinding {
  worker: number;
  saturatedSeconds: number;
  seconds: number;
  cpuMaxPercent: number;
  loopP99MaxMicros: number;
  message: string;
}

/** True when one sample breaks the rule's CPU or lag limit. */
export function isSaturated(s: SelfSample, rule: SaturationRule = DEFAULT_SATURATION_RULE): boolean {
  return s.cpuPercent > rule.cpuPercent || s.loopP99Micros > rule.loopP99Micros;
}

/** Applies the rule to each worker's samples (one per second); returns the saturated workers. */
export function findSaturation(
  samplesByWorker: ReadonlyMap<number, readonly SelfSample[]>,
  rule: SaturationRule = DEFAULT_SATURATION_RULE,
): SaturationFinding[] {
  const out: SaturationFinding[] = [];
  for (const [worker, samples] of [...samplesByWorker].sort((a, b) => a[0] - b[0])) {
    let saturated = 0;
    let cpuMax = 0;
    let lagMax = 0;
    for (const s of samples) {
      if (isSaturated(s, rule)) saturated++;
      if (s.cpuPercent > cpuMax) cpuMax = s.cpuPercent;
      if (s.loopP99Micros > lagMax) lagMax = s.loopP99Micros;
    }
    if (saturated >= rule.minSeconds && saturated >= rule.minFraction * samples.length) {
      out.push({
        worker,
        saturatedSeconds: saturated,
        seconds: samples.length,
        cpuMaxPercent: cpuMax,
        loopP99MaxMicros: lagMax,
        message:
          `load generator worker ${worker} was saturated in ${saturated} of ${samples.length} s ` +
          `(CPU max ${cpuMax.toFixed(0)}% of a core, event-loop lag p99 max ${(lagMax / 1000).toFixed(1)} ms; ` +
          `limits ${rule.cpuPercent}% / ${rule.loopP99Micros / 1000} ms): latencies may measure the generator, ` +
          `not the server — use more workers, fewer VUs, or a separate load machine`,
      });
    }
  }
  return out;
}
