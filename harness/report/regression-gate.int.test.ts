/**
 * The regression gate end to end: real benches against embedded
 * TestServers, one of them deliberately slow (`injectDelayMs`), through the
 * bench CLI as a child process. Timings are noisy here, so the slow server
 * is 20 ms slower per ping against a sub-millisecond baseline, and the
 * same-speed rerun gets a generous tolerance (that still catches the delay).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults, runBench, writeScenario } from '../cli/test-support.ts';
import { runReportCli } from './cli.ts';
import { parseXml } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-gate-'));
const reports = join(dir, 'reports');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = (delayMs: number): string => `
name: gate
description: regression-gate test${delayMs > 0 ? ` (server delays pongs by ${delayMs} ms)` : ''}
server: { processes: 1${delayMs > 0 ? `, options: { injectDelayMs: ${delayMs} }` : ''} }
flow: [ping]
phases:
  - { name: steady, executor: constant-request-rate, connections: 4, rate: 200, duration: 2s, request: ping }
thresholds:
  - errors.count == 0
`;

/** The run folders under the reports dir, oldest first (names start with the start time). */
const runDirs = (): string[] => readdirSync(reports, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(reports, d.name)).sort();

describe('--baseline / --fail-on-regression (end to end)', () => {
  const fast = writeScenario(dir, 'gate-fast', scenario(0));
  const slow = writeScenario(dir, 'gate-slow', scenario(20));
  let first = '';
  let second = '';

  it('a first run has nothing to compare with: it passes and says so', async () => {
    const r = await runBench([fast, '--reports-dir', reports, '--baseline', 'latest', '--fail-on-regression', '20']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toMatch(/no earlier finished run of scenario 'gate'.*regression gate is skipped/);
    first = join(runDirs()[0]!, 'results.json');
    expect(readResults(runDirs()[0]!).summary.overall.requests[0]!.latency.p50).toBeLessThan(5000);
  }, 120_000);

  it('a server 20 ms slower trips the gate: exit 98, deltas in the terminal, junit and the report', async () => {
    const r = await runBench([slow, '--reports-dir', reports, '--baseline', 'latest', '--fail-on-regression', '20']);
    expect(r.code, r.stderr + r.stdout).toBe(98);
    expect(r.stderr).toContain(`baseline: latest: ${first}`);
    expect(r.stdout).toMatch(/PingReq p50 .* ✗ regression \(worse by more than 20%\)/);
    expect(r.stdout).toMatch(/regression gate \(tolerance 20%\): FAILED/);
    const runDir = runDirs()[1]!;
    second = join(runDir, 'results.json');
    // The run itself passed its thresholds; the gate decided the exit code.
    const res = readResults(runDir);
    expect(res.run.status).toBe('passed');
    expect(res.exitCode).toBe(0);
    expect(res.summary.overall.requests[0]!.latency.p50).toBeGreaterThanOrEqual(20_000);
    const junit = parseXml(readFileSync(join(runDir, 'junit.xml'), 'utf8'));
    const regression = junit.children.find((s) => s.attrs.name!.includes('regression vs baseline'))!;
    const failed = regression.children.filter((c) => c.children.some((x) => x.name === 'failure')).map((c) => c.attrs.name);
    expect(failed).toContain('PingReq p50 (lower is better)');
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain('regression gate FAILED');
    expect(readFileSync(join(runDir, 'summary.md'), 'utf8')).toContain('### Comparison with baseline');
  }, 120_000);

  it('a same-speed rerun passes a generous tolerance — which still catches the slow run', async () => {
    const r = await runBench([fast, '--reports-dir', reports, '--baseline', first, '--fail-on-regression', '1000']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/regression gate \(tolerance 1000%\): passed/);
    // The same tolerance on the saved slow run: `npm run report -- compare` exits 98.
    let out = '';
    const code = runReportCli(['compare', first, second, '--fail-on-regression', '1000'], { out: (t) => (out += t), err: (t) => (out += t), cwd: dir });
    expect(code, out).toBe(98);
    expect(out).toMatch(/PingReq p50 .* ✗ regression/);
  }, 120_000);

  it('--repeat 2: one set folder, medians compared with the baseline, spread printed, set files written', async () => {
    const set = join(dir, 'set');
    const r = await runBench([fast, '--reports-dir', reports, '--out', set, '--repeat', '2', '--duration', '1s', '--baseline', first, '--fail-on-regression', '1000']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('spread over 2 runs');
    expect(r.stdout).toMatch(/current +gate · .* · median of 2 runs/);
    expect(r.stdout).toContain(`set: ${set} (2 runs)`);
    for (const run of ['run-1', 'run-2']) expect(readResults(join(set, run)).scenario.name).toBe('gate');
    const junit = parseXml(readFileSync(join(set, 'junit.xml'), 'utf8'));
    expect(junit.children.map((x) => x.attrs.name)).toEqual(['gate run 1: thresholds', 'gate run 2: thresholds', 'gate: regression vs baseline (tolerance 1000%)']);
    expect(readFileSync(join(set, 'summary.md'), 'utf8')).toContain('## ✅ gate — 2 runs (exit 0)');
  }, 180_000);

  it('a --baseline that holds no results is exit 104 before anything runs', async () => {
    const r = await runBench([fast, '--reports-dir', reports, '--baseline', join(dir, 'nothing-here')]);
    expect(r.code).toBe(104);
    expect(r.stderr).toMatch(/error \(NMT_REPORT_READ\): cannot read .*nothing-here: ENOENT/);
    expect(r.stderr).not.toMatch(/starting .* server/);
  }, 60_000);

  it('keeps reports/index.html listing every run with its trend', () => {
    const index = readFileSync(join(reports, 'index.html'), 'utf8');
    // Three single runs; the --repeat set went to --out, outside the reports dir.
    expect(index).toContain('3 runs under');
    expect(index.match(/href="[^"]+\/report\.html"/g)).toHaveLength(3);
    expect(index).toContain('id="chart-trend-0-p99"');
  });
});
