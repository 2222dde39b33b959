/**
 * What `npm run bench` does for calibration (harness/cli/main.ts calls these):
 *
 *   npm run bench -- --calibrate                 calibrationCommand(): the default
 *                                                comparisons alone → calibration.json + table
 *   npm run bench -- s.yaml [--calibrate]        calibrateForScenario(): the scenario's
 *                                                `calibrate:` block (or the defaults with
 *                                                --calibrate), run before the scenario's load
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../runner/exit-codes.ts';
import { defaultCalibrateConfig } from '../scenario/calibrate.ts';
import type { CalibrateConfig, Scenario } from '../scenario/types.ts';
import type { CalibrationTools } from './build.ts';
import { failedTargets, formatCalibration } from './report.ts';
import { runCalibration } from './run.ts';
import type { CalibrationReport } from './types.ts';

/** The calibration a scenario run does: its `calibrate:` block, else the defaults when `--calibrate` was given, else none. */
export function calibrationFor(scenario: Scenario, flag: boolean): CalibrateConfig | null {
  return scenario.calibrate ?? (flag ? defaultCalibrateConfig() : null);
}

/** Options shared by both entry points. */
export interface CalibrateRunOptions {
  projectRoot: string;
  log: (line: string) => void;
  signal: AbortSignal;
}

/**
 * Calibrates for a scenario run: `server`/`handshake` comparisons measure the
 * scenario's target when it has one, else a TestServer with its
 * `server.options`; connections come from its `connect.sourceAddresses`.
 */
export async function calibrateForScenario(
  scenario: Scenario,
  config: CalibrateConfig,
  options: CalibrateRunOptions,
): Promise<CalibrationReport> {
  options.log(`calibrating: ${config.compare.map((c) => c.name).join(', ')} (${config.repeats} pair(s) each)`);
  return runCalibration({
    config,
    projectRoot: options.projectRoot,
    target: scenario.target === null ? null : { host: scenario.target.host, port: scenario.target.port },
    serverOptions: scenario.server.options,
    sourceAddresses: scenario.connect.sourceAddresses,
    signal: options.signal,
    log: options.log,
  });
}

/** Exit code of a calibration-only run: 105 error, 130 interrupted, 99 a target missed, else 0 (also when skipped). */
export function calibrationExitCode(report: CalibrationReport): number {
  if (report.status === 'error') return ExitCode.RunError;
  if (report.status === 'interrupted') return ExitCode.Interrupted;
  return failedTargets(report).length > 0 ? ExitCode.ThresholdsFailed : ExitCode.Pass;
}

/** Options of {@link calibrationCommand}. */
export interface CalibrationCommandOptions extends CalibrateRunOptions {
  /** Directory for calibration.json (created if needed). */
  outDir: string;
  /** Print the report as JSON instead of the table. */
  json: boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The comparisons; default: {@link defaultCalibrateConfig} (what `--calibrate` runs). */
  config?: CalibrateConfig;
  /** Already built programs (tests); default: build them. */
  tools?: CalibrationTools;
}

/** `npm run bench -- --calibrate` without a scenario; returns the exit code. */
export async function calibrationCommand(options: CalibrationCommandOptions): Promise<number> {
  const config = options.config ?? defaultCalibrateConfig();
  options.log(`calibrating: ${config.compare.map((c) => c.name).join(', ')} (${config.repeats} pair(s) each)`);
  const report = await runCalibration({
    config,
    projectRoot: options.projectRoot,
    signal: options.signal,
    log: options.log,
    ...(options.tools === undefined ? {} : { tools: options.tools }),
  });
  let exit = calibrationExitCode(report);
  let written: string | null = null;
  try {
    mkdirSync(options.outDir, { recursive: true });
    written = join(options.outDir, 'calibration.json');
    writeFileSync(written, `${JSON.stringify(report, null, 2)}\n`);
  } catch (err) {
    options.stderr(`error (NMT_RUN_OUTPUT): cannot write ${join(options.outDir, 'calibration.json')}: ${(err as Error).message}\n`);
    written = null;
    if (exit === ExitCode.Pass || exit === ExitCode.ThresholdsFailed) exit = ExitCode.RunError;
  }
  if (options.json) options.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else options.stdout(`${formatCalibration(report)}${written === null ? '' : `calibration.json: ${written}\n`}`);
  return exit;
}
