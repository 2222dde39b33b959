import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerWheel, type WheelEntry } from './timer-wheel.ts';

interface Entry extends WheelEntry {
  name: string;
  firedAt: number[];
}

const entry = (name: string): Entry => ({ name, wheelTick: -1, firedAt: [] });

function wheel(tickMs = 10, slotCount = 8, onExpire?: (e: Entry, now: number) => void) {
  const errors: unknown[] = [];
  const w = new TimerWheel<Entry>({
    tickMs,
    slotCount,
    startMs: 0,
    onExpire: onExpire ?? ((e, now) => e.firedAt.push(now)),
    onError: (err) => errors.push(err),
  });
  return { w, errors };
}

describe('TimerWheel', () => {
  it.each([
    // deadline, advance steps, expected fire time
    [25, [10, 20, 30, 40], 30],
    [30, [10, 20, 30, 40], 30],
    [1, [5, 9, 10], 10],
    [0, [5, 10], 10], // past deadlines fire on the next tick, never in the swept one
  ])('deadline %d fires at the first sweep at or after its tick %j → %d', (deadline, steps, expected) => {
    const { w } = wheel();
    const e = entry('a');
    w.schedule(e, deadline);
    for (const t of steps) w.advance(t);
    expect(e.firedAt).toEqual([expected]);
    expect(e.wheelTick).toBe(-1);
    expect(w.size).toBe(0);
  });

  it('keeps entries of a later revolution in place (deadline beyond slotCount × tick)', () => {
    const { w } = wheel(10, 4); // one revolution = 40 ms
    const e = entry('late');
    w.schedule(e, 125);
    for (let t = 10; t <= 120; t += 10) w.advance(t);
    expect(e.firedAt).toEqual([]);
    w.advance(130);
    expect(e.firedAt).toEqual([130]);
  });

  it('a long stall fires everything due exactly once', () => {
    const { w } = wheel(10, 4);
    const es = [5, 15, 35, 75, 500].map((d) => {
      const e = entry(String(d));
      w.schedule(e, d);
      return e;
    });
    w.advance(100);
    expect(es.map((e) => e.firedAt.length)).toEqual([1, 1, 1, 1, 0]);
    w.advance(500);
    expect(es[4]!.firedAt).toEqual([500]);
  });

  it('moves an entry on reschedule and forgets it on cancel', () => {
    const { w } = wheel();
    const a = entry('a');
    const b = entry('b');
    w.schedule(a, 20);
    w.schedule(a, 50);
    w.schedule(b, 20);
    expect(w.size).toBe(2);
    w.cancel(b);
    w.cancel(b);
    expect(w.size).toBe(1);
    w.advance(40);
    expect(a.firedAt).toEqual([]);
    expect(b.firedAt).toEqual([]);
    w.advance(50);
    expect(a.firedAt).toEqual([50]);
  });

  it('lets onExpire reschedule the same entry (lazy idle refresh)', () => {
    let rearm = 2;
    const { w } = wheel(10, 8, (e, now) => {
      e.firedAt.push(now);
      if (rearm-- > 0) w.schedule(e, now + 30);
    });
    const e = entry('idle');
    w.schedule(e, 10);
    for (let t = 10; t <= 200; t += 10) w.advance(t);
    expect(e.firedAt).toEqual([10, 40, 70]);
  });

  it('reports a throwing onExpire and still fires the others', () => {
    const { w, errors } = wheel(10, 8, (e, now) => {
      if (e.name === 'bad') throw new Error('boom');
      e.firedAt.push(now);
    });
    const bad = entry('bad');
    const good = entry('good');
    w.schedule(bad, 10);
    w.schedule(good, 10);
    expect(w.advance(10)).toBe(2);
    expect(good.firedAt).toEqual([10]);
    expect(errors).toHaveLength(1);
  });

  it.each([0, -1, Number.NaN])('rejects tickMs %d', (tickMs) => {
    expect(() => new TimerWheel({ tickMs, startMs: 0, onExpire: () => {}, onError: () => {} })).toThrow(RangeError);
  });

  it('fires each entry once, never early and at most one tick late (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 80 }),
        (deadlines, steps) => {
          const tick = 10;
          const { w } = wheel(tick, 16);
          const es = deadlines.map((d) => {
            const e = entry(String(d));
            w.schedule(e, d);
            return { e, d };
          });
          let now = 0;
          const sweeps: number[] = [];
          for (const s of steps) {
            now += s;
            sweeps.push(now);
            w.advance(now);
          }
          for (const { e, d } of es) {
            const due = Math.max(Math.ceil(d / tick), 1) * tick;
            const firstSweep = sweeps.find((t) => t >= due);
            if (firstSweep === undefined) expect(e.firedAt).toEqual([]);
            else expect(e.firedAt).toEqual([firstSweep]);
          }
        },
      ),
    );
  });
});
