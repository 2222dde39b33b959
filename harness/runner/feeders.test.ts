import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsvRows, loadFeeders, parseCsv } from './feeders.ts';
import { RunErrorCode } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-feeders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('parseCsv', () => {
  it.each([
    ['a,b\n1,2\n', [['a', 'b'], ['1', '2']]],
    ['a,b\r\n1,2\r\n', [['a', 'b'], ['1', '2']]],
    ['a,b\n1,2', [['a', 'b'], ['1', '2']]],
    ['\ufeffa\nx\n', [['a'], ['x']]],
    ['a,b\n"x, y","say ""hi"""\n', [['a', 'b'], ['x, y', 'say "hi"']]],
    ['a\n"two\nlines"\n', [['a'], ['two\nlines']]],
    ['a,b\n\n1,2\n\n', [['a', 'b'], ['1', '2']]],
    ['a,b\n1,\n', [['a', 'b'], ['1', '']]],
  ])('%j', (text, expected) => {
    expect(parseCsv(text)).toEqual(expected);
  });

  it('reports an unterminated quote with its line', () => {
    expect(() => parseCsv('a\nb\n"open\n')).toThrow(/line 3/);
  });
});

describe('loadCsvRows / loadFeeders', () => {
  it('maps records onto the header columns', () => {
    const p = file('players.csv', 'name, id\nalice,1\nbob\n');
    expect(loadCsvRows(p)).toEqual([
      { name: 'alice', id: '1' },
      { name: 'bob', id: '' },
    ]);
    expect(loadFeeders([{ name: 'players', file: p, order: 'sequential' }])).toEqual({
      players: [
        { name: 'alice', id: '1' },
        { name: 'bob', id: '' },
      ],
    });
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.csv'), /cannot read feeder file/],
    ['an empty file', () => file('empty.csv', ''), /is empty/],
    ['too many fields', () => file('wide.csv', 'a\n1,2\n'), /record 2 has 2 fields/],
    ['a broken quote', () => file('q.csv', 'a\n"x\n'), /unterminated/],
  ])('%s → NMT_RUN_FEEDER', (_what, make, message) => {
    const p = make();
    expect(() => loadCsvRows(p)).toThrow(expect.objectContaining({ code: RunErrorCode.FEEDER, exitCode: 104 }));
    expect(() => loadCsvRows(p)).toThrow(message);
  });

  it('enforces the size limit', () => {
    const p = file('big.csv', 'a\n' + '1\n'.repeat(100));
    expect(() => loadCsvRows(p, { maxFileBytes: 10 })).toThrow(/limit is 10 bytes/);
  });
});
