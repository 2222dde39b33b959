import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './defaults.ts';
import { parseDurationMs } from './units.ts';

// The reference tables in docs/scenarios.md state each default; they must be the ones applied.
const doc = readFileSync(resolve(import.meta.dirname, '../../docs/scenarios.md'), 'utf8');
const row = (field: string, section: string): string => {
  const start = doc.indexOf(section);
  const line = doc.slice(start).split('\n').find((l) => l.startsWith(`| \`${field}\` |`));
  if (line === undefined) throw new Error(`no row for ${field} after ${section}`);
  return line.split(/(?<!\\)\|/)[3]?.trim() ?? ''; // `\|` inside a cell is not a separator
};
const ms = (cell: string): number | undefined => parseDurationMs(cell.replace(/`/g, ''));

describe('defaults documented in docs/scenarios.md', () => {
  it.each([
    ['timeout', '## Reference: top-level fields', ms, DEFAULTS.timeoutMs],
    ['readyTimeout', '### `server`', ms, DEFAULTS.server.readyTimeoutMs],
    ['timeout', '### `connect`', ms, DEFAULTS.connect.timeoutMs],
    ['gracefulStop', '## Reference: phases and executors', ms, DEFAULTS.phase.gracefulStopMs],
    ['processes', '### `server`', (c: string) => Number(c.replace(/`/g, '')), DEFAULTS.server.processes],
    ['rate', '### `connect`', (c: string) => Number(c.replace(/`/g, '')), DEFAULTS.connect.ratePerSec],
    ['clientVersion', '### `connect`', (c: string) => Number(c.replace(/`/g, '')), DEFAULTS.connect.clientVersion],
  ])('%s (%s)', (field, section, parse, value) => {
    expect(parse(row(field, section))).toBe(value);
  });

  it.each([
    ['catalogue', '## Reference: top-level fields', `\`${DEFAULTS.catalogue}\``],
    ['workers', '## Reference: top-level fields', `\`${DEFAULTS.workers}\``],
    ['order', '### `feeders`', `\`${DEFAULTS.feederOrder}\``],
    ['onStart', '## Reference: flow and steps', `\`[${DEFAULTS.flow.onStart.join(', ')}]\``],
    ['onStop', '## Reference: flow and steps', `\`[${DEFAULTS.flow.onStop.join(', ')}]\``],
    ['name', '## Reference: phases and executors', `\`${DEFAULTS.phase.namePrefix}<n>\` (n = 1, 2, …)`],
  ])('%s (%s)', (field, section, text) => {
    expect(row(field, section)).toBe(text);
  });
});
