import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultResultsDir, runStamp, writeResults } from './output.ts';
import { RunErrorCode } from '../runner/errors.ts';
import type { ResultsV1 } from '../runner/results.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('results location', () => {
  it('stamps runs as YYYYMMDD-HHMMSS in local time', () => {
    expect(runStamp(new Date(2026, 0, 2, 3, 4, 5))).toBe('20260102-030405');
    expect(defaultResultsDir('ping', new Date(2026, 10, 28, 12, 0, 9), '/work')).toBe('/work/reports/20261128-120009-ping');
  });

  it('writes results.json, creating the directory', () => {
    const out = join(dir, 'a', 'b');
    const path = writeResults(out, { schemaVersion: 1, exitCode: 0 } as ResultsV1);
    expect(path).toBe(join(out, 'results.json'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ schemaVersion: 1, exitCode: 0 });
  });

  it('reports an unwritable place as NMT_RUN_OUTPUT (105)', () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    expect(() => writeResults(join(blocker, 'sub'), {} as ResultsV1)).toThrow(
      expect.objectContaining({ code: RunErrorCode.OUTPUT, exitCode: 105, message: expect.stringMatching(/cannot write .*results\.json/) }),
    );
  });
});
