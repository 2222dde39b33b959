/**
 * Smooth ramps: the exact instants at which a piecewise-linear ramp reaches
 * each VU count (ramping-vus) or each cumulative iteration (arrival-rate
 * executors). Pure functions of the stages — no per-second steps — so they are
 * unit-tested directly and every worker derives the same global schedule.
 *
 *   rate                                   iterations = area under the rate
 *    │        ____                         iteration k starts where the area
 *    │      /|    |\                       from 0 reaches k:  I(t_k) = k
 *    │    /  |    |  \
 *    │__/    |    |    \___
 *    └──────────────────────── t
 *
 * Times are milliseconds from the phase start; rates are per second.
 */
import type { Stage } from '../scenario/types.ts';
import { owns } from './shares.ts';
import type { ExecutionSegment } from './types.ts';

/** A change of this worker's VU count at an instant. */
export interface CountChange {
  /** ms from the phase start. */
  atMs: number;
  /** This worker's VU count from that instant on. */
  count: number;
}

/** Total length of a stage list in ms. */
export function stagesDurationMs(stages: readonly Stage[]): number {
  let total = 0;
  for (const s of stages) total += s.durationMs;
  return total;
}

/**
 * Every change of this worker's VU count over a ramping-vus phase.
 *
 * The global count changes at the instant the linear ramp *reaches* the new
 * integer: ramping 0 → 10 over 10 s starts VU n at n s; ramping 10 → 0 over
 * 10 s stops one VU each second, the last at 10 s. Global VU j (0-based) is
 * active while the global count is > j and belongs to worker j mod count, so
 * worker counts always sum to the global count. A 0-duration stage jumps at
 * its start. The first entry (at 0 ms) is the worker's share of `startVus`.
 */
export function rampingVuChanges(
  startVus: number,
  stages: readonly Stage[],
  segment: ExecutionSegment,
): CountChange[] {
  const changes: CountChange[] = [{ atMs: 0, count: localCount(startVus, segment) }];
  let from = startVus;
  let t0 = 0;
  for (const stage of stages) {
    const to = stage.target;
    const d = stage.durationMs;
    if (to > from) {
      for (let n = from + 1; n <= to; n++) {
        // Global count goes n-1 → n: VU n-1 starts. Ours only if we own it.
        if (owns(n - 1, segment)) {
          changes.push({ atMs: t0 + (d * (n - from)) / (to - from), count: localCount(n, segment) });
        }
      }
    } else if (to < from) {
      for (let n = from - 1; n >= to; n--) {
        // Global count goes n+1 → n: VU n stops.
        if (owns(n, segment)) {
          changes.push({ atMs: t0 + (d * (from - n)) / (from - to), count: localCount(n, segment) });
        }
      }
    }
    from = to;
    t0 += d;
  }
  return changes;
}

/** This worker's VU count when the global count is `n`. */
function localCount(n: number, segment: ExecutionSegment): number {
  if (n <= segment.index) return 0;
  return Math.floor((n - 1 - segment.index) / segment.count) + 1;
}

/** Tolerance on iteration counts computed from float integrals. */
const EPS = 1e-9;

/**
 * The arrival schedule of an open-model phase: iteration k (0-based, global)
 * starts at the instant t_k where the integral of the rate from the phase
 * start reaches k. A constant rate R gives t_k = k / R exactly; a linear ramp
 * solves the quadratic in closed form. The phase schedules exactly
 * ceil(I(T)) iterations, I(T) being the total area (k < I(T)).
 *
 * A cursor, not a list: {@link next} walks this worker's iterations
 * (k = index, index + count, …) in order in O(1) each, so a long phase never
 * materialises millions of instants.
 */
export class ArrivalSchedule {
  /** Iterations scheduled over the whole phase, all workers together. */
  readonly total: number;
  /** Phase length in ms (the stages' total duration). */
  readonly durationMs: number;

  private readonly fromRate: Float64Array;
  private readonly toRate: Float64Array;
  private readonly stageMs: Float64Array;
  /** Area (iterations) of each stage. */
  private readonly area: Float64Array;
  private readonly step: number;
  private k: number;
  private stage = 0;
  /** Cumulative area and time at the start of `stage`. */
  private areaStart = 0;
  private timeStart = 0;

  /**
   * @param startRate rate (per second) at the phase start
   * @param stages piecewise-linear ramp; each stage's target is a rate per second
   */
  constructor(startRate: number, stages: readonly Stage[], segment: ExecutionSegment) {
    const n = stages.length;
    this.fromRate = new Float64Array(n);
    this.toRate = new Float64Array(n);
    this.stageMs = new Float64Array(n);
    this.area = new Float64Array(n);
    let from = startRate;
    let totalArea = 0;
    let totalMs = 0;
    for (let i = 0; i < n; i++) {
      const s = stages[i]!;
      this.fromRate[i] = from;
      this.toRate[i] = s.target;
      this.stageMs[i] = s.durationMs;
      this.area[i] = ((from + s.target) / 2) * (s.durationMs / 1000);
      totalArea += this.area[i]!;
      totalMs += s.durationMs;
      from = s.target;
    }
    this.total = Math.max(0, Math.ceil(totalArea - EPS));
    this.durationMs = totalMs;
    this.step = segment.count;
    this.k = segment.index;
  }

  /** A constant rate for `durationMs`. */
  static constant(rate: number, durationMs: number, segment: ExecutionSegment): ArrivalSchedule {
    return new ArrivalSchedule(rate, [{ durationMs, target: rate }], segment);
  }

  /** Global index of the iteration {@link next} returns next. */
  get nextIndex(): number {
    return this.k;
  }

  /** Start of this worker's next iteration in ms from the phase start, or -1 when the schedule is over. */
  next(): number {
    const k = this.k;
    if (k >= this.total) return -1;
    this.k += this.step;
    return this.instantOf(k);
  }

  /** Start of global iteration k; k must not decrease between calls. */
  private instantOf(k: number): number {
    const last = this.area.length - 1;
    while (this.stage < last && k >= this.areaStart + this.area[this.stage]! - EPS) {
      this.areaStart += this.area[this.stage]!;
      this.timeStart += this.stageMs[this.stage]!;
      this.stage++;
    }
    const x = k - this.areaStart;
    if (x <= 0) return this.timeStart;
    const i = this.stage;
    const d = this.stageMs[i]!;
    // Rates per ms; the area after τ ms is a·τ + s·τ²/2. The root is written
    // as 2x / (a + √(a² + 2sx)): exact for s = 0 and stable when a ≈ 0.
    const a = this.fromRate[i]! / 1000;
    const s = d > 0 ? (this.toRate[i]! / 1000 - a) / d : 0;
    const disc = a * a + 2 * s * x;
    const tau = (2 * x) / (a + Math.sqrt(disc > 0 ? disc : 0));
    return this.timeStart + Math.min(tau, d);
  }
}
