import { describe, expect, it } from 'vitest';
import { FeederCursor, FeederSet } from './feeders.ts';

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i) }));
const segmentsOf = (count: number) => Array.from({ length: count }, (_, index) => ({ index, count }));

describe('FeederCursor', () => {
  it('sequential: a worker takes rows index, index + count, … and wraps', () => {
    const c = new FeederCursor('p', 'sequential', rows(5), { index: 1, count: 2 }, () => {});
    const got = Array.from({ length: 5 }, () => c.take(Math.random)?.id);
    expect(got).toEqual(['1', '3', '0', '2', '4']);
  });

  it('unique: never repeats a row across workers, and warns once when exhausted', () => {
    const warnings: string[] = [];
    const data = rows(10);
    const cursors = segmentsOf(3).map((s) => new FeederCursor('players', 'unique', data, s, (m) => warnings.push(m)));
    const used: string[] = [];
    for (let round = 0; round < 6; round++) {
      for (const c of cursors) {
        const r = c.take(Math.random);
        if (r !== undefined) used.push(r.id!);
      }
    }
    expect(used.sort()).toEqual(data.map((r) => r.id).sort());
    expect(new Set(used).size).toBe(10);
    expect(warnings.length).toBe(3); // once per worker cursor
    expect(warnings[0] ?? '').toMatch(/players.*unique.*10 rows/);
  });

  it('random: uses the injected source', () => {
    const c = new FeederCursor('p', 'random', rows(4), { index: 0, count: 1 }, () => {});
    expect(c.take(() => 0.99)?.id).toBe('3');
    expect(c.take(() => 0)?.id).toBe('0');
  });

  it('an empty feeder yields no row', () => {
    expect(new FeederCursor('p', 'sequential', [], { index: 0, count: 1 }, () => {}).take(Math.random)).toBeUndefined();
  });
});

describe('FeederSet', () => {
  it('indexes feeders by name and tolerates missing rows', () => {
    const set = new FeederSet(
      [
        { name: 'a', file: '/a.csv', order: 'sequential' },
        { name: 'b', file: '/b.csv', order: 'random' },
      ],
      { a: rows(2) },
      { index: 0, count: 1 },
      () => {},
    );
    expect(set.indexOf('b')).toBe(1);
    expect(set.indexOf('zzz')).toBe(-1);
    expect(set.cursors[1]!.take(Math.random)).toBeUndefined();
  });
});
