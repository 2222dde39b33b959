import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultsV1 } from '../runner/results.ts';
import { BenchReporter, combineExitCodes, uniqueRunDir, type FinishedRun } from './bench-report.ts';
import { makeResults, parseXml } from './test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'nmt-bench-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function finished(dir: string, r: ResultsV1, exitCode = r.exitCode): FinishedRun {
  mkdirSync(dir, { recursive: true });
  const resultsPath = join(dir, 'results.json');
  writeFileSync(resultsPath, JSON.stringify(r));
  return { dir, resultsPath, results: r, exitCode };
}

describe('combineExitCodes', () => {
  it.each([
    [[], 0],
    [[0, 0], 0],
    [[0, 98], 98],
    [[98, 99], 99],
    [[99, 130], 130],
    [[130, 105, 0], 105],
    [[0, 7], 7],
  ])('%j → %s', (codes, out) => {
    expect(combineExitCodes(codes)).toBe(out);
  });
});

describe('uniqueRunDir', () => {
  it('appends -2, -3 when runs start in the same second', () => {
    const at = new Date(2026, 0, 2, 3, 4, 5);
    const a = uniqueRunDir(root, 'ping', at);
    expect(a).toBe(join(root, '20260102-030405-ping'));
    mkdirSync(a);
    expect(uniqueRunDir(root, 'ping', at)).toBe(`${a}-2`);
    mkdirSync(`${a}-2`);
    expect(uniqueRunDir(root, 'ping', at)).toBe(`${a}-3`);
    expect(uniqueRunDir(root, 'ping', at, '-x3')).toBe(join(root, '20260102-030405-ping-x3'));
  });
});

describe('BenchReporter', () => {
  it('without a baseline: report files per run, index.html, exit code of the run', () => {
    const reports = join(root, 'plain');
    const rep = new BenchReporter({ baseline: null, tolerancePercent: null, reportsDir: reports });
    expect(rep.resolveBaseline('ping')).toEqual([]);
    const run = finished(join(reports, 'r1'), makeResults({ status: 'thresholds-failed', exitCode: 99 }));
    const one = rep.reportRun(run);
    expect(one.comparison).toBeNull();
    expect(one.written.map((f) => f.slice(run.dir.length + 1))).toEqual(['report.html', 'junit.xml', 'summary.md']);
    const done = rep.finish([run], null);
    expect(done.exitCode).toBe(99);
    expect(done.text).toBe('');
    expect(done.written).toEqual([join(reports, 'index.html')]);
    expect(readFileSync(join(reports, 'index.html'), 'utf8')).toContain('href="r1/report.html"');
  });

  it('latest with no earlier run: says so and gates nothing', () => {
    const rep = new BenchReporter({ baseline: 'latest', tolerancePercent: 10, reportsDir: join(root, 'empty') });
    expect(rep.resolveBaseline('ping')[0]).toMatch(/no earlier finished run of scenario 'ping'.*the regression gate is skipped/);
    expect(rep.hasBaseline).toBe(false);
  });

  it('a regression beyond the tolerance turns exit 0 into 98, and never hides 99', () => {
    const reports = join(root, 'gate');
    finished(join(reports, 'base'), makeResults({ name: 'g', startedAt: '2026-01-01T00:00:00.000Z' }));
    const rep = new BenchReporter({ baseline: 'latest', tolerancePercent: 20, reportsDir: reports });
    expect(rep.resolveBaseline('g')[0]).toBe(`baseline: latest: ${join(reports, 'base', 'results.json')}`);
    const slow = finished(join(reports, 'slow'), makeResults({ name: 'g', latencyFactor: 2, startedAt: '2026-01-01T00:01:00.000Z' }));
    const one = rep.reportRun(slow);
    expect(one.comparison!.regressions).toHaveLength(3);
    const junit = parseXml(readFileSync(join(slow.dir, 'junit.xml'), 'utf8'));
    expect(junit.children.map((s) => s.attrs.name)).toContain('g: regression vs baseline (tolerance 20%)');
    const done = rep.finish([slow], null);
    expect(done.exitCode).toBe(98);
    expect(done.text).toMatch(/regression gate \(tolerance 20%\): FAILED/);
    expect(rep.finish([{ ...slow, exitCode: 99 }], null).exitCode).toBe(99);
  });

  it('--repeat: gates on the medians, prints the spread and writes the set files', () => {
    const reports = join(root, 'repeat');
    const base = finished(join(reports, 'base'), makeResults({ name: 'm' }));
    const rep = new BenchReporter({ baseline: base.resultsPath, tolerancePercent: 30, reportsDir: reports });
    rep.resolveBaseline('m');
    const setDir = join(reports, 'set-x3');
    // One noisy run (4×) among two normal ones: the median is normal, the gate passes.
    const runs = [1, 4, 1.1].map((f, i) => finished(join(setDir, `run-${i + 1}`), makeResults({ name: 'm', latencyFactor: f })));
    for (const r of runs) rep.reportRun(r);
    const done = rep.finish(runs, setDir);
    expect(done.exitCode).toBe(0);
    expect(done.text).toContain('spread over 3 runs');
    expect(done.text).toContain('median of 3 runs');
    expect(done.text).toMatch(/regression gate \(tolerance 30%\): passed/);
    expect(existsSync(join(setDir, 'summary.md'))).toBe(true);
    const junit = parseXml(readFileSync(join(setDir, 'junit.xml'), 'utf8'));
    expect(junit.children).toHaveLength(4);
    const index = readFileSync(join(reports, 'index.html'), 'utf8');
    expect(index).toContain('href="set-x3/run-2/report.html"');
  });

  it('reports a report file it cannot write as an error, exit 105', () => {
    const reports = join(root, 'unwritable');
    const rep = new BenchReporter({ baseline: null, tolerancePercent: null, reportsDir: reports });
    const run = finished(join(reports, 'r'), makeResults());
    // A folder where report.html should go makes the rename fail.
    mkdirSync(join(run.dir, 'report.html', 'x'), { recursive: true });
    const one = rep.reportRun(run);
    expect(one.error).toMatchObject({ code: 'NMT_REPORT_WRITE', exitCode: 105 });
    expect(one.error!.message).toContain(join(run.dir, 'report.html'));
  });
});
