import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../metrics/names.ts';

// docs/scenarios.md repeats the metric contract for readers; keep the two in step.
const doc = readFileSync(resolve(import.meta.dirname, '../../docs/scenarios.md'), 'utf8');
const rows = new Map(
  doc
    .split('\n')
    .filter((l) => /^\| `[a-zA-Z.]+` \| (time|count|rate|ratio|bytes|percent)/.test(l))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return [cells[1]?.replace(/`/g, '') ?? '', cells] as const;
    }),
);

describe('docs/scenarios.md metric table', () => {
  it('lists exactly the metrics of names.ts', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(METRICS).sort());
  });

  it.each(Object.entries(METRICS))('%s: unit, stats and tags match', (name, info) => {
    const cells = rows.get(name) as readonly string[];
    expect(cells[2]?.startsWith(info.unit)).toBe(true);
    expect(cells[3]?.split(' ').map((s) => s.replace(/`/g, ''))).toEqual([...info.stats]);
    const tags = cells[4] === '—' ? [] : (cells[4] ?? '').split(' ').map((s) => s.replace(/`/g, ''));
    expect(tags).toEqual([...info.tags]);
  });
});
