import { describe, expect, it } from 'vitest';
import { parseArgs } from '../cli/args.ts';
import { ExitCode } from '../runner/exit-codes.ts';
import { attachCalibration, WarningCode, type ResultsV1 } from '../runner/results.ts';
import { calibrationExitCode, calibrationFor } from './command.ts';
import { summariseComparison } from './fractions.ts';
import { failedTargets, formatCalibration } from './report.ts';
import { formatRate } from './run.ts';
import type { CalibrationReport, ComparisonResult, PairResult, SideMeasurement } from './types.ts';
import { parseScenario } from '../scenario/load.ts';

function side(rate: number, server: string, generator = 'C load-client'): SideMeasurement {
  return {
    generator,
    server,
    rate,
    responses: rate * 3,
    windowMs: 3000,
    connected: 100,
    latencyMicros: { count: 1, p50: 900, p90: 1500, p99: 2500, max: 9000, mean: 1000 },
    errors: {},
    generatorCpuPercent: 40,
    serverCpuPercent: 90,
    serverRssBytes: 60_000_000,
  };
}

function comparison(name: string, ratios: [number, number][], minRatio: number | null, problem: string | null = null): ComparisonResult {
  const pairs: PairResult[] = ratios.map(([s, r], i) => ({
    repeat: i,
    firstSide: i % 2 === 0 ? 'reference' : 'subject',
    reference: side(r, 'C pong-server'),
    subject: side(s, 'TestServer'),
    ratio: s / r,
  }));
  return summariseComparison(
    { name, kind: 'server', connections: 100, inflight: 1, size: 16, minRatio },
    { subject: 'C load-client → TestServer', reference: 'C load-client → C pong-server' },
    pairs,
    problem,
  );
}

function report(status: CalibrationReport['status'], comparisons: ComparisonResult[], message: string | null = null): CalibrationReport {
  return {
    status,
    code: status === 'measured' ? null : status === 'skipped' ? 'NMT_CAL_NO_COMPILER' : 'NMT_CAL_START_FAILED',
    message,
    startedAt: '2026-11-28T12:00:00.000Z',
    durationMs: 1000,
    warmupMs: 1000,
    windowMs: 3000,
    repeats: 3,
    servers: [],
    comparisons,
  };
}

function results(exitCode: number): ResultsV1 {
  const status = exitCode === 0 ? 'passed' : exitCode === 99 ? 'thresholds-failed' : exitCode === 130 ? 'interrupted' : 'error';
  return { exitCode, run: { status, error: null }, warnings: [] } as unknown as ResultsV1;
}

const pass = comparison('server-c100-k1', [[80_000, 100_000], [78_000, 100_000], [90_000, 100_000]], 0.75);
const miss = comparison('server-c100-k16', [[60_000, 100_000], [70_000, 100_000], [50_000, 100_000]], 0.65);
const info = comparison('harness-c100-k1', [[45_000, 100_000]], null);

describe('attachCalibration: the run outcome with calibration (precedence 105 > 130 > 99 > 0)', () => {
  it.each([
    ['a met target keeps a pass', report('measured', [pass, info]), 0, 0, 'passed'],
    ['a missed target fails like a threshold', report('measured', [pass, miss]), 0, 99, 'thresholds-failed'],
    ['a missed target does not hide a run error', report('measured', [miss]), 105, 105, 'error'],
    ['a missed target does not hide an interrupt', report('measured', [miss]), 130, 130, 'interrupted'],
    ['calibration that failed is a run error', report('error', [], 'C pong-server exited'), 0, 105, 'error'],
    ['an interrupted calibration is an interrupt', report('interrupted', []), 99, 130, 'interrupted'],
    ['skipped without targets passes', report('skipped', [info], 'no C compiler'), 0, 0, 'passed'],
  ])('%s', (_what, rep, before, after, status) => {
    const r = results(before);
    attachCalibration(r, rep);
    expect(r.exitCode).toBe(after);
    expect(r.run.status).toBe(status);
    expect(r.calibration).toBe(rep);
  });

  it('a skipped calibration warns, and its targets fail (a check not made is not a pass)', () => {
    const skipped = report('skipped', [comparison('server-c100-k1', [], 0.75, 'calibration skipped: no C compiler found')], 'calibration skipped: no C compiler found');
    const r = results(0);
    attachCalibration(r, skipped);
    expect(r.warnings).toEqual([{ code: WarningCode.CALIBRATION_SKIPPED, message: 'calibration skipped: no C compiler found' }]);
    expect(r.exitCode).toBe(ExitCode.ThresholdsFailed);
  });

  it('a calibration error fills run.error with its code when the run had none', () => {
    const r = results(0);
    attachCalibration(r, report('error', [], 'C pong-server exited with code 1 before it was ready'));
    expect(r.run.error).toEqual({ code: 'NMT_CAL_START_FAILED', message: 'C pong-server exited with code 1 before it was ready', stderrTail: null });
  });
});

describe('calibrationExitCode (calibration alone)', () => {
  it.each([
    [report('measured', [pass, info]), 0],
    [report('measured', [miss]), 99],
    [report('skipped', [info], 'no compiler'), 0],
    [report('error', []), 105],
    [report('interrupted', []), 130],
  ])('%#', (rep, code) => {
    expect(calibrationExitCode(rep)).toBe(code);
  });
});

describe('formatCalibration', () => {
  it('prints one row per comparison: ours, the reference, the median ratio, its range and the target verdict', () => {
    const text = formatCalibration(report('measured', [pass, miss, info]));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe("Calibration — ours as a fraction of this machine's limit (median of 3 pairs, 1s warmup + 3s window each)");
    expect(lines[1]).toMatch(/^ {2}comparison\s+ours\s+reference\s+ratio\s+range\s+cpu µs\/resp\s+target$/);
    // Server CPU 90 % of a core: median 11.25 µs per response (at 80k/s), 9 µs at 100k/s.
    expect(lines[2]).toMatch(/^ {2}server-c100-k1\s+TestServer 80k\/s p99 2\.5ms\s+C pong-server 100k\/s p99 2\.5ms\s+0\.800\s+0\.78–0\.90\s+11 \/ 9\.0\s+≥ 0\.75 ✓$/);
    expect(lines[3]).toMatch(/server-c100-k16 .* 0\.600 .* ≥ 0\.65 ✗$/);
    expect(lines[4]).toMatch(/harness-c100-k1 .* 0\.450 +0\.45–0\.45 +20 \/ 9\.0$/);
    expect(failedTargets(report('measured', [pass, miss, info])).map((c) => c.name)).toEqual(['server-c100-k16']);
  });

  it('shows a comparison problem under its row and a skipped calibration in one line', () => {
    const broken = comparison('server-c100-k1', [], 0.75, 'C load-client exited with code 1\nmore');
    expect(formatCalibration(report('error', [broken], 'C pong-server exited'))).toMatch(/— error: C pong-server exited\n[^]*n\/a[^]*≥ 0\.75 ✗\n {6}! C load-client exited with code 1\n$/);
    expect(formatCalibration(report('skipped', [info], 'calibration skipped: no C compiler found'))).toBe('Calibration skipped: calibration skipped: no C compiler found\n');
  });

  it.each([
    [950, '950/s'],
    [1234, '1.2k/s'],
    [48_000, '48k/s'],
    [1_234_567, '1.23M/s'],
  ])('formatRate(%d) = %s', (v, text) => {
    expect(formatRate(v)).toBe(text);
  });
});

describe('--calibrate on the command line', () => {
  it.each([
    [['--calibrate'], { calibrate: true, scenario: '' }],
    [['--calibrate', '--out', 'x', '--json'], { calibrate: true, scenario: '', out: 'x', json: true }],
    [['s.yaml', '--calibrate'], { calibrate: true, scenario: 's.yaml' }],
    [['s.yaml'], { calibrate: false }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toMatchObject(expected);
  });

  it('still needs a scenario without --calibrate', () => {
    expect(() => parseArgs([])).toThrow(/missing the scenario file/);
  });

  it('a scenario block wins over the flag; the flag alone runs the defaults; neither runs nothing', () => {
    const base = 'name: t\nflow: [ping]\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n';
    const plain = parseScenario(base, 'inline.yaml');
    const block = parseScenario(`${base}calibrate: { compare: [harness] }\n`, 'inline.yaml');
    expect(calibrationFor(plain, false)).toBeNull();
    expect(calibrationFor(plain, true)?.compare).toHaveLength(5);
    expect(calibrationFor(block, true)?.compare.map((c) => c.name)).toEqual(['harness-c100-k1']);
  });
});
