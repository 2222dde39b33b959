import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../scenario/types.ts';
import { ArrivalSchedule, rampingVuChanges, stagesDurationMs } from './schedule.ts';

const ONE = { index: 0, count: 1 };
const segmentsOf = (count: number) => Array.from({ length: count }, (_, index) => ({ index, count }));

/** Global VU count at `t` according to one worker's change list. */
function countAt(changes: { atMs: number; count: number }[], t: number): number {
  let c = 0;
  for (const ch of changes) if (ch.atMs <= t) c = ch.count;
  return c;
}

/** All instants of a schedule (one worker). */
function instants(s: ArrivalSchedule): number[] {
  const out: number[] = [];
  for (let t = s.next(); t >= 0; t = s.next()) out.push(t);
  return out;
}

describe('rampingVuChanges', () => {
  it('starts VU n when a 0 → 10 ramp over 10 s reaches n', () => {
    const changes = rampingVuChanges(0, [{ durationMs: 10_000, target: 10 }], ONE);
    expect(changes).toEqual([
      { atMs: 0, count: 0 },
      ...Array.from({ length: 10 }, (_, i) => ({ atMs: (i + 1) * 1000, count: i + 1 })),
    ]);
  });

  it('stops one VU each time a 10 → 0 ramp reaches the lower count', () => {
    const changes = rampingVuChanges(10, [{ durationMs: 10_000, target: 0 }], ONE);
    expect(changes[0]).toEqual({ atMs: 0, count: 10 });
    expect(changes.slice(1)).toEqual(Array.from({ length: 10 }, (_, i) => ({ atMs: (i + 1) * 1000, count: 9 - i })));
  });

  it('jumps at the start of a 0-duration stage and holds through a flat one', () => {
    const changes = rampingVuChanges(2, [{ durationMs: 0, target: 5 }, { durationMs: 3000, target: 5 }, { durationMs: 1000, target: 4 }], ONE);
    expect(changes).toEqual([
      { atMs: 0, count: 2 },
      { atMs: 0, count: 3 },
      { atMs: 0, count: 4 },
      { atMs: 0, count: 5 },
      { atMs: 4000, count: 4 },
    ]);
  });

  it('is smooth: changes fall at fractional instants, not on whole seconds', () => {
    const changes = rampingVuChanges(0, [{ durationMs: 1000, target: 3 }], ONE);
    expect(changes.map((c) => c.atMs)).toEqual([0, 1000 / 3, 2000 / 3, 1000]);
  });

  it('worker counts always sum to the global ramp count', () => {
    const stage = fc.record({ durationMs: fc.integer({ min: 0, max: 5000 }), target: fc.integer({ min: 0, max: 60 }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.array(stage, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 6 }), (startVus, stages, count) => {
        const global = rampingVuChanges(startVus, stages, ONE);
        const perWorker = segmentsOf(count).map((s) => rampingVuChanges(startVus, stages, s));
        const probe = new Set<number>([0, stagesDurationMs(stages)]);
        for (const c of global) probe.add(c.atMs);
        for (const t of probe) {
          const sum = perWorker.reduce((a, w) => a + countAt(w, t), 0);
          expect(sum).toBe(countAt(global, t));
        }
      }),
    );
  });
});

describe('ArrivalSchedule', () => {
  it('puts iteration k of a constant rate at exactly k / rate', () => {
    const s = ArrivalSchedule.constant(500, 10_000, ONE);
    expect(s.total).toBe(5000);
    const t = instants(s);
    expect(t).toHaveLength(5000);
    t.forEach((v, k) => expect(v).toBe((k * 1000) / 500));
  });

  it('gives each worker every count-th iteration, interleaved', () => {
    const all = instants(ArrivalSchedule.constant(300, 1000, ONE));
    const merged = segmentsOf(3)
      .flatMap((s) => instants(ArrivalSchedule.constant(300, 1000, s)))
      .sort((a, b) => a - b);
    expect(merged).toEqual(all);
    const w1 = instants(ArrivalSchedule.constant(300, 1000, { index: 1, count: 3 }));
    expect(w1.slice(0, 3)).toEqual([all[1], all[4], all[7]]);
  });

  it('solves a linear ramp in closed form: 0 → R over D puts k at √(2kD/R)', () => {
    const R = 1000;
    const D = 2000;
    const s = new ArrivalSchedule(0, [{ durationMs: D, target: R }], ONE);
    expect(s.total).toBe(1000); // area = R/2 · D/1000
    const t = instants(s);
    t.forEach((v, k) => expect(v).toBeCloseTo(Math.sqrt((2 * k * D) / (R / 1000)) / 1, 6));
  });

  it('counts iterations in [0, t) as the integral of the rate, for any stages', () => {
    const stage = fc.record({ durationMs: fc.integer({ min: 0, max: 3000 }), target: fc.integer({ min: 0, max: 800 }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 800 }), fc.array(stage, { minLength: 1, maxLength: 4 }), (startRate, stages: Stage[]) => {
        const s = new ArrivalSchedule(startRate, stages, ONE);
        const t = instants(s);
        expect(t.length).toBe(s.total);
        for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
        if (t.length > 0) expect(t[t.length - 1]!).toBeLessThanOrEqual(s.durationMs);
        // At each iteration's instant the area so far is k (within float tolerance).
        for (let k = 0; k < t.length; k += Math.max(1, Math.floor(t.length / 20))) {
          expect(areaUpTo(startRate, stages, t[k]!)).toBeCloseTo(k, 4);
        }
      }),
    );
  });

  it('skips zero-rate stretches', () => {
    const s = new ArrivalSchedule(0, [{ durationMs: 1000, target: 0 }, { durationMs: 0, target: 10 }, { durationMs: 1000, target: 10 }], ONE);
    expect(instants(s)).toEqual(Array.from({ length: 10 }, (_, k) => 1000 + k * 100));
  });
});

/** Numeric integral of the piecewise-linear rate from 0 to t (ms), in iterations. */
function areaUpTo(startRate: number, stages: Stage[], t: number): number {
  let from = startRate;
  let t0 = 0;
  let area = 0;
  for (const s of stages) {
    const d = s.durationMs;
    const end = Math.min(t, t0 + d);
    if (end > t0 && d > 0) {
      const tau = end - t0;
      const rateAtEnd = from + ((s.target - from) * tau) / d;
      area += ((from + rateAtEnd) / 2) * (tau / 1000);
    }
    if (t <= t0 + d) break;
    from = s.target;
    t0 += d;
  }
  return area;
}
