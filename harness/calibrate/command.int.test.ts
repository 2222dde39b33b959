/**
 * `npm run bench -- --calibrate` without a scenario (calibrationCommand),
 * in-process with a tiny configuration; and the calibration servers' start
 * failures. Skipped, with the reason, when there is no C compiler.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../runner/coordinator.ts';
import { defaultCalibrateConfig } from '../scenario/calibrate.ts';
import { buildCalibrationTools, type CalibrationTools } from './build.ts';
import { calibrationCommand } from './command.ts';
import { CalibrationError, CalibrationErrorCode } from './errors.ts';
import { startCalibrationServer } from './server-process.ts';
import type { CalibrationReport } from './types.ts';

let tools: CalibrationTools | null = null;
try {
  tools = await buildCalibrationTools({ projectRoot: PROJECT_ROOT });
} catch (err) {
  if (!(err instanceof CalibrationError) || err.code !== CalibrationErrorCode.NO_COMPILER) throw err;
  console.warn(`[command.int.test] skipped: ${err.message}`);
}

const tmp = mkdtempSync(join(tmpdir(), 'nmt-calcmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = { ...defaultCalibrateConfig(2), warmupMs: 100, durationMs: 300, repeats: 1 };
tiny.compare = [{ ...tiny.compare[0]!, minRatio: null }];

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
}

describe.skipIf(tools === null)('calibrationCommand (--calibrate alone)', () => {
  it('writes calibration.json, prints the table and exits 0', async () => {
    const o = io();
    const outDir = join(tmp, 'a');
    const code = await calibrationCommand({ projectRoot: PROJECT_ROOT, log: () => undefined, signal: new AbortController().signal, outDir, json: false, config: tiny, tools: tools!, ...o });
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(outDir, 'calibration.json'), 'utf8')) as CalibrationReport;
    expect(report.status).toBe('measured');
    expect(report.comparisons.map((c) => c.name)).toEqual(['server-c2-k1']);
    expect(o.out.join('')).toMatch(/^Calibration — [^]*server-c2-k1 [^]*calibration\.json: .*calibration\.json\n$/);
  });

  it('prints the report as JSON with --json, and exits 99 when a target is missed', async () => {
    const o = io();
    const config = { ...tiny, compare: [{ ...tiny.compare[0]!, minRatio: 1000 }] };
    const code = await calibrationCommand({ projectRoot: PROJECT_ROOT, log: () => undefined, signal: new AbortController().signal, outDir: join(tmp, 'b'), json: true, config, tools: tools!, ...o });
    expect(code).toBe(99);
    const printed = JSON.parse(o.out.join('')) as CalibrationReport;
    expect(printed.comparisons[0]!.ok).toBe(false);
  });

  it('exits 105 with NMT_RUN_OUTPUT when calibration.json cannot be written', async () => {
    const o = io();
    const file = join(tmp, 'not-a-dir');
    writeFileSync(file, 'x');
    const code = await calibrationCommand({ projectRoot: PROJECT_ROOT, log: () => undefined, signal: new AbortController().signal, outDir: file, json: false, config: tiny, tools: tools!, ...o });
    expect(code).toBe(105);
    expect(o.err.join('')).toMatch(/^error \(NMT_RUN_OUTPUT\): cannot write .*not-a-dir\/calibration\.json/);
  });
});

describe('starting a calibration server', () => {
  const script = (name: string, body: string): string => {
    const f = join(tmp, name);
    writeFileSync(f, `#!/bin/sh\n${body}\n`);
    chmodSync(f, 0o755);
    return f;
  };

  it.each([
    ['exits before it is ready', script('exits.sh', 'echo "boom: cannot bind" >&2; exit 3'), /exited with code 3 before it was ready; its last output:\nboom: cannot bind/],
    ['never prints its ready line', script('silent.sh', 'sleep 30'), /was not ready within 300 ms \(it wrote nothing to stderr\)/],
    ['cannot be spawned', join(tmp, 'missing-binary'), /could not be started \(spawn .*ENOENT\)/],
  ])('rejects with NMT_CAL_START_FAILED when it %s', async (_what, command, message) => {
    const err = await startCalibrationServer({ what: 'test server', command, args: [], cwd: tmp, readyTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalibrationError);
    expect((err as CalibrationError).code).toBe(CalibrationErrorCode.START_FAILED);
    expect((err as CalibrationError).message).toMatch(message);
  });

  it('reads the ready line among other output, and stops the process group', async () => {
    const s = await startCalibrationServer({
      what: 'test server',
      command: script('ok.sh', 'echo "starting"; echo "{not json"; echo \'{"event":"ready","host":"127.0.0.1","port":4321}\'; exec sleep 30'),
      args: [],
      cwd: tmp,
      readyTimeoutMs: 5000,
    });
    expect([s.host, s.port]).toEqual(['127.0.0.1', 4321]);
    expect(s.isExited).toBe(false);
    await s.stop(2000);
    expect(s.isExited).toBe(true);
  });
});
