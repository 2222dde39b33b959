import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultsV1 } from '../runner/results.ts';
import { findLatestRun, LATEST, resolveBaseline } from './baseline.ts';
import { ReportErrorCode } from './errors.ts';
import { checkResults, loadRuns, readResultsFile } from './load-results.ts';
import { scanRuns } from './run-scan.ts';
import { makeResults } from './test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'nmt-report-scan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function save(dir: string, r: ResultsV1 | string, mtimeSec?: number): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'results.json');
  writeFileSync(file, typeof r === 'string' ? r : JSON.stringify(r));
  const t = mtimeSec ?? 1_700_000_000 + n++;
  utimesSync(file, t, t);
  return file;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('reading results', () => {
  const dir = join(root, 'read');

  it.each([
    ['not JSON', '{', ReportErrorCode.INVALID],
    ['another schema', JSON.stringify({ schemaVersion: 2 }), ReportErrorCode.INVALID],
    ['missing fields', JSON.stringify({ schemaVersion: 1, scenario: { name: 'x' } }), ReportErrorCode.INVALID],
  ])('rejects %s as %s', (_what, text, code) => {
    const f = save(join(dir, String(n)), text);
    expect(codeOf(() => readResultsFile(f))).toBe(code);
  });

  it('names the missing field', () => {
    const r = makeResults() as unknown as Record<string, unknown>;
    delete r['series'];
    expect(() => checkResults(r, 'f.json')).toThrow(/f\.json: field 'series' is missing/);
  });

  it('says what is wrong with a path that is not there, or holds no results', () => {
    expect(codeOf(() => loadRuns(join(dir, 'nope')))).toBe(ReportErrorCode.READ);
    mkdirSync(join(dir, 'empty'), { recursive: true });
    expect(() => loadRuns(join(dir, 'empty'))).toThrow(/no results\.json there/);
  });

  it('loads a file, a run folder, and a repeat set folder in run order', () => {
    const f = save(join(dir, 'one'), makeResults({ rps: 1 }));
    expect(loadRuns(f).map((x) => x.results.summary.overall.rps)).toEqual([1]);
    expect(loadRuns(join(dir, 'one')).map((x) => x.path)).toEqual([f]);
    for (const i of [10, 2, 1]) save(join(dir, 'set', `run-${i}`), makeResults({ rps: i }));
    expect(loadRuns(join(dir, 'set')).map((x) => x.results.summary.overall.rps)).toEqual([1, 2, 10]);
  });
});

describe('scanRuns and latest', () => {
  const reports = join(root, 'reports');
  save(join(reports, 'r1'), makeResults({ name: 'ping', startedAt: '2026-01-01T00:00:01.000Z', rps: 1 }));
  save(join(reports, 'r2'), makeResults({ name: 'ping', startedAt: '2026-01-01T00:00:02.000Z', rps: 2 }));
  save(join(reports, 'r3'), makeResults({ name: 'ping', startedAt: '2026-01-01T00:00:03.000Z', rps: 3, status: 'interrupted' }));
  save(join(reports, 'r4'), makeResults({ name: 'other', startedAt: '2026-01-01T00:00:04.000Z', rps: 4 }));
  save(join(reports, 'set-x2', 'run-1'), makeResults({ name: 'ping', startedAt: '2026-01-01T00:00:00.500Z', rps: 5 }));
  save(join(reports, 'broken'), '{"schemaVersion":1}');
  save(join(reports, 'a', 'b', 'c', 'd'), makeResults({ name: 'deep' }));
  save(join(reports, 'test-artifacts', 'x'), makeResults({ name: 'artifact' }));

  it('finds runs up to three levels down, newest first, and lists unreadable ones', () => {
    const s = scanRuns(reports);
    expect(s.runs.map((r) => r.results.summary.overall.rps)).toEqual([4, 3, 2, 1, 5]);
    expect(s.skipped).toHaveLength(1);
    expect(s.skipped[0]!.path).toBe(join(reports, 'broken', 'results.json'));
    expect(s.truncated).toBe(0);
  });

  it('reads only the newest files when limited', () => {
    const s = scanRuns(reports, { maxRuns: 2 });
    expect(s.runs.length + s.skipped.length).toBe(2);
    expect(s.truncated).toBe(4);
  });

  it('treats a missing folder as no runs', () => {
    expect(scanRuns(join(root, 'missing')).runs).toEqual([]);
  });

  it('latest: the newest finished run of the same scenario', () => {
    expect(findLatestRun(reports, 'ping')!.results.summary.overall.rps).toBe(2);
    expect(findLatestRun(reports, 'ping', [join(reports, 'r2', 'results.json')])!.results.summary.overall.rps).toBe(1);
    expect(findLatestRun(reports, 'nobody')).toBeNull();
  });

  it('resolveBaseline: latest, a path, or nothing', () => {
    expect(resolveBaseline(LATEST, { reportsDir: reports, scenario: 'other' })!.label).toBe(`latest: ${join(reports, 'r4', 'results.json')}`);
    expect(resolveBaseline(LATEST, { reportsDir: reports, scenario: 'new' })).toBeNull();
    expect(resolveBaseline(join(reports, 'set-x2'), { reportsDir: reports, scenario: 'x' })!.runs).toHaveLength(1);
    expect(codeOf(() => resolveBaseline(join(reports, 'nope'), { reportsDir: reports, scenario: 'x' }))).toBe(ReportErrorCode.READ);
  });
});
