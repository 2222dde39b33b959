import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultsV1 } from '../runner/results.ts';
import { parseReportArgs, runReportCli } from './cli.ts';
import { ReportErrorCode } from './errors.ts';
import { makeResults } from './test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'nmt-report-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function save(rel: string, r: ResultsV1): string {
  const dir = join(root, rel);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(r));
  return join(dir, 'results.json');
}

function run(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runReportCli(argv, { out: (t) => (out += t), err: (t) => (err += t), cwd: root });
  return { code, out, err };
}

describe('parseReportArgs', () => {
  it.each([
    [['compare', 'a', 'b'], { command: 'compare', baseline: 'a', current: 'b', tolerance: null }],
    [['compare', 'a', 'b', '--fail-on-regression', '15%'], { command: 'compare', tolerance: 15 }],
    [['html', 'r.json'], { command: 'html', input: 'r.json', baseline: null, out: null }],
    [['html', 'r.json', '--baseline=b.json', '--out', 'x.html'], { baseline: 'b.json', out: 'x.html' }],
    [['index'], { command: 'index', dir: null, maxRuns: 1000 }],
    [['index', 'some/dir', '--max-runs', '5'], { dir: 'some/dir', maxRuns: 5 }],
    [['--help'], { command: 'help' }],
  ])('%j', (argv, expected) => {
    expect(parseReportArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [[], /missing the command/],
    [['bogus'], /unknown command 'bogus'/],
    [['compare', 'a'], /compare takes a baseline and a current run, got 1/],
    [['html'], /html takes one results\.json/],
    [['html', 'a', '--fail-on-regression', '5'], /--fail-on-regression needs --baseline/],
    [['compare', 'a', 'b', '--fail-on-regression', 'x'], /must be a percent/],
    [['compare', 'a', 'b', '--out', 'f'], /--out does not apply to 'compare'/],
    [['index', '--max-runs', '0'], /--max-runs must be an integer/],
    [['index', '--nope'], /unknown option --nope/],
    [['compare', 'a', 'b', '--fail-on-regression'], /--fail-on-regression needs a value/],
  ])('%j → NMT_REPORT_USAGE', (argv, message) => {
    expect(() => parseReportArgs(argv)).toThrow(expect.objectContaining({ code: ReportErrorCode.USAGE, exitCode: 104 }));
    expect(() => parseReportArgs(argv)).toThrow(message);
  });
});

describe('runReportCli', () => {
  const base = save('base', makeResults({ name: 'cli', startedAt: '2026-01-01T00:00:00.000Z' }));
  const same = save('same', makeResults({ name: 'cli', startedAt: '2026-01-01T00:01:00.000Z' }));
  const slow = save('slow', makeResults({ name: 'cli', latencyFactor: 3, startedAt: '2026-01-01T00:02:00.000Z' }));

  it('compare prints the table and exits 98 on a regression beyond the tolerance', () => {
    const r = run(['compare', base, slow, '--fail-on-regression', '20']);
    expect(r.code).toBe(98);
    expect(r.out).toContain(`comparison with baseline ${base}`);
    expect(r.out).toMatch(/PingReq p99 +1\.09ms +3\.2\dms +\+200% +✗ regression/);
    expect(r.out).toMatch(/regression gate \(tolerance 20%\): FAILED — 3 regressions/);
  });

  it('compare exits 0 within tolerance, and without a gate', () => {
    expect(run(['compare', base, same, '--fail-on-regression', '20']).code).toBe(0);
    const r = run(['compare', 'base', 'slow']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('regression gate: off');
  });

  it('compare of repeat sets prints their spread', () => {
    for (const [i, f] of [1, 1.2, 1.1].entries()) save(join('set', `run-${i + 1}`), makeResults({ name: 'cli', latencyFactor: f }));
    const r = run(['compare', 'base', 'set', '--fail-on-regression', '50']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('current spread over 3 runs');
    expect(r.out).toContain('median of 3 runs');
  });

  it('html writes report.html next to the results, with a comparison when asked', () => {
    const r = run(['html', 'slow', '--baseline', 'base', '--fail-on-regression', '20']);
    expect(r.code).toBe(98);
    const file = join(root, 'slow', 'report.html');
    expect(r.out).toContain(`report: ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('Comparison with baseline');
    expect(html).toContain('REGRESSION');
  });

  it('html --out writes elsewhere; a set folder is refused', () => {
    expect(run(['html', base, '--out', 'elsewhere/r.html']).code).toBe(0);
    expect(existsSync(join(root, 'elsewhere', 'r.html'))).toBe(true);
    const r = run(['html', 'set']);
    expect(r.code).toBe(104);
    expect(r.err).toMatch(/is a --repeat set of 3 runs/);
  });

  it('index writes index.html of a folder', () => {
    const r = run(['index', '.']);
    expect(r.code).toBe(0);
    const html = readFileSync(join(root, 'index.html'), 'utf8');
    expect(html).toContain('Benchmark runs');
    expect(html.match(/<tr><td>2026-/g)!.length).toBeGreaterThanOrEqual(6);
  });

  it('exits 104 with the file named for unreadable input, and prints usage for bad arguments', () => {
    const r = run(['compare', 'nope', base]);
    expect(r.code).toBe(104);
    expect(r.err).toMatch(/^error \(NMT_REPORT_READ\): cannot read \/.*\/nope: ENOENT/);
    const u = run(['frobnicate']);
    expect(u.code).toBe(104);
    expect(u.err).toContain('Usage: npm run report');
  });

  it('--help prints the usage', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const s of ['html', 'compare', 'index', '--fail-on-regression', '98', '104', '105']) expect(r.out).toContain(s);
  });
});
