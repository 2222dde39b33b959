/**
 * Calibration end to end: the build (and its failures), a very short
 * calibration of every comparison kind with real processes, the harness
 * probe in-process, and `npm run bench` with a `calibrate:` block. Values
 * are checked for shape and sanity only — never timings (a shared machine).
 * Skipped, with the reason, when this machine has no C compiler.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../runner/coordinator.ts';
import type { ResultsV1 } from '../runner/results.ts';
import { defaultCalibrateConfig } from '../scenario/calibrate.ts';
import type { CalibrateConfig } from '../scenario/types.ts';
import { buildCalibrationTools, type CalibrationTools } from './build.ts';
import { CalibrationError, CalibrationErrorCode } from './errors.ts';
import { measureHarness } from './probe.ts';
import { runCalibration } from './run.ts';
import { startCalibrationServer } from './server-process.ts';

let tools: CalibrationTools | null = null;
try {
  tools = await buildCalibrationTools({ projectRoot: PROJECT_ROOT });
} catch (err) {
  if (!(err instanceof CalibrationError) || err.code !== CalibrationErrorCode.NO_COMPILER) throw err;
  console.warn(`[calibrate.int.test] skipped: ${err.message}`);
}

const tmp = mkdtempSync(join(tmpdir(), 'nmt-calibrate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Is a process alive? (signal 0) */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('building the calibration programs', () => {
  it('says calibration is skipped when no C compiler can be found', async () => {
    const err = await buildCalibrationTools({ projectRoot: PROJECT_ROOT, env: { PATH: '/nonexistent' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalibrationError);
    expect((err as CalibrationError).code).toBe(CalibrationErrorCode.NO_COMPILER);
    expect((err as CalibrationError).message).toMatch(/^calibration skipped: no C compiler found \(tried \$CC, cc, gcc, clang\)/);
  });

  it.skipIf(tools === null)('reports a failed compile with the compiler output, leaving the built programs intact', async () => {
    const err = await buildCalibrationTools({ projectRoot: PROJECT_ROOT, force: true, env: { ...process.env, CC: 'false' } }).catch((e: unknown) => e);
    expect((err as CalibrationError).code).toBe(CalibrationErrorCode.BUILD_FAILED);
    expect((err as CalibrationError).message).toMatch(/compiling .*pong-server\.c with false failed/);
    const help = spawnSync(tools!.pongServer, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
  });
});

describe.skipIf(tools === null)('a short calibration', () => {
  const config = (compare: CalibrateConfig['compare']): CalibrateConfig => ({ warmupMs: 200, durationMs: 600, repeats: 2, compare });

  it('measures every kind of comparison as pairs with ratios, then stops its servers', async () => {
    const defaults = defaultCalibrateConfig(8).compare;
    const logged: string[] = [];
    const report = await runCalibration({
      config: config([defaults[0]!, defaults[3]!, { ...defaults[4]!, minRatio: 0.000001 }]),
      projectRoot: PROJECT_ROOT,
      tools: tools!,
      log: (l) => logged.push(l),
    });
    expect(report.status).toBe('measured');
    expect(report.code).toBeNull();
    expect(report.servers.map((s) => s.what)).toEqual(['C pong-server', 'TestServer']);
    expect(report.comparisons.map((c) => c.name)).toEqual(['server-c8-k1', 'harness-c8-k16', 'handshake-c8']);
    for (const c of report.comparisons) {
      expect(c.problem).toBeNull();
      expect(c.pairs.map((p) => p.firstSide)).toEqual(['reference', 'subject']);
      expect(c.ratio!.values).toHaveLength(2);
      expect(c.ratio!.median).toBeGreaterThan(0);
      expect(c.subjectRate!.median).toBeGreaterThan(0);
      expect(c.referenceRate!.median).toBeGreaterThan(0);
    }
    expect(report.comparisons[1]!.pairs[0]!.subject.generator).toBe('harness');
    expect(report.comparisons[2]!.ok).toBe(true);
    expect(logged.filter((l) => /^calibrate \S+ pair \d\/2: /.test(l))).toHaveLength(6);
    for (const s of report.servers) expect(alive(s.pid)).toBe(false);
  });

  it('stops at once when interrupted, reporting what it had and stopping its servers', async () => {
    const abort = new AbortController();
    const pending = runCalibration({
      config: { ...config(defaultCalibrateConfig(4).compare.slice(0, 2)), durationMs: 60_000 },
      projectRoot: PROJECT_ROOT,
      tools: tools!,
      signal: abort.signal,
      log: (l) => {
        if (l.startsWith('calibration: C pong-server')) setTimeout(() => abort.abort(), 300);
      },
    });
    const report = await pending;
    expect(report.status).toBe('interrupted');
    expect(report.code).toBe(CalibrationErrorCode.INTERRUPTED);
    expect(report.message).toBe('calibration interrupted (Ctrl-C / SIGTERM)');
    expect(report.comparisons.map((c) => c.problem)).toEqual(['interrupted after 0 of 2 pair(s)', 'not run: calibration interrupted']);
    for (const s of report.servers) expect(alive(s.pid)).toBe(false);
  });

  it('the harness probe measures in-process against the C pong-server', async () => {
    const server = await startCalibrationServer({ what: 'C pong-server', command: tools!.pongServer, args: ['--port', '0'], cwd: PROJECT_ROOT, readyTimeoutMs: 10_000 });
    try {
      const base = { host: server.host, port: server.port, connections: 3, inflight: 1, size: 16, warmupMs: 100, durationMs: 400, connectTimeoutMs: 10_000, sourceAddresses: [] };
      const ping = await measureHarness({ ...base, mode: 'ping' }, 'C pong-server', new AbortController().signal);
      const echo = await measureHarness({ ...base, mode: 'echo', size: 1024, inflight: 4 }, 'C pong-server', new AbortController().signal);
      const hs = await measureHarness({ ...base, mode: 'handshake' }, 'C pong-server', new AbortController().signal);
      for (const m of [ping, echo, hs]) {
        expect(m.generator).toBe('harness');
        expect(m.responses).toBeGreaterThan(0);
        expect(m.errors).toEqual({});
        expect(m.latencyMicros!.count).toBe(m.responses);
        expect(m.rate).toBeCloseTo((m.responses / m.windowMs) * 1000, 6);
      }
      expect(ping.connected).toBe(3);
    } finally {
      await server.stop();
    }
  });
});

describe.skipIf(tools === null)('npm run bench with calibrate:', () => {
  it('calibrates before the load and puts the fractions and their verdict into results.json and the summary', () => {
    const scenario = join(tmp, 'cal.yaml');
    writeFileSync(
      scenario,
      `name: cal
calibrate:
  warmup: 100ms
  duration: 300ms
  repeats: 1
  compare:
    - { kind: server, connections: 4, minRatio: 1000 }
flow: [ping]
phases:
  - { executor: constant-vus, vus: 2, duration: 1s }
`,
    );
    const out = join(tmp, 'out');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'harness/cli/main.ts'), scenario, '--out', out, '--quiet'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    // An unreachable target (1000× the C server): the run itself passes, the calibrated check fails.
    expect(r.status).toBe(99);
    expect(r.stdout).toMatch(/Calibration — ours as a fraction of this machine's limit[^]*server-c4-k1 .* ≥ 1000 ✗/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsV1;
    expect(results.exitCode).toBe(99);
    expect(results.run.status).toBe('thresholds-failed');
    expect(results.thresholds).toEqual([]);
    const cal = results.calibration!;
    expect(cal.status).toBe('measured');
    expect(cal.comparisons[0]!.ok).toBe(false);
    expect(cal.comparisons[0]!.ratio!.median).toBeGreaterThan(0);
    expect(results.summary.overall.responses).toBeGreaterThan(0);
  });
});
