/**
 * `npm run bench -- <scenario.yaml> [options]`: the harness's command line.
 * See `--help` (usage.ts) and docs/running.md.
 *
 *   args ─▶ Coordinator.prepare() ─▶ baseline resolved (--baseline) ─▶ progress attaches
 *        ─▶ Coordinator.execute() ─▶ results.json ─▶ report.html, junit.xml, summary.md
 *        ─▶ summary (or --json)   ─▶ (again for --repeat N) ─▶ comparison, gate, index.html ─▶ exit code
 *
 * Ctrl-C / SIGTERM: the first stops the run in order (grace period, final
 * metrics, results written, exit 130); a second one, at least half a second
 * later, kills workers and servers at once (results still written). Signals
 * closer together than that count as one: a terminal's Ctrl-C reaches every
 * process of the foreground group and wrappers (npm, tsx) relay it again.
 */
import { join, resolve } from 'node:path';
import { CatalogueError, formatIssues as formatCatalogueIssues } from '../../protocol/catalogue/index.ts';
import { ScenarioError } from '../scenario/errors.ts';
import { formatIssues } from '../scenario/format-issues.ts';
import { Coordinator } from '../runner/coordinator.ts';
import { RunError } from '../runner/errors.ts';
import { ExitCode } from '../runner/exit-codes.ts';
import { phaseDurationMs, plannedDurationMs } from '../runner/phase-plan.ts';
import { parseArgs, type BenchArgs } from './args.ts';
import { writeResults } from './output.ts';
import { ProgressTracker } from './progress.ts';
import { formatSummary } from './summary.ts';
import { USAGE } from './usage.ts';
import { runStamp } from './output.ts';
import { calibrateForScenario, calibrationCommand, calibrationFor } from '../calibrate/command.ts';
import type { CalibrationReport } from '../calibrate/types.ts';
import { PROJECT_ROOT } from '../runner/coordinator.ts';
import { attachCalibration } from '../runner/results.ts';
import { BenchReporter, combineExitCodes, uniqueRunDir, type FinishedRun } from '../report/bench-report.ts';
import { ReportError } from '../report/errors.ts';

/** Signals closer together than this are one interrupt. */
const SIGNAL_DEBOUNCE_MS = 500;

/** Set once per command when it calibrates (`--calibrate` / `calibrate:`); every run's results carry it. */
let calibrationReport: CalibrationReport | null = null;

function reportPrepareError(err: unknown, args: BenchArgs): number {
  if (err instanceof ScenarioError) {
    process.stderr.write(`${args.scenario}: invalid scenario\n${formatIssues(err.issues, args.scenario)}\n`);
    return ExitCode.Invalid;
  }
  if (err instanceof CatalogueError) {
    const source = err.source ?? 'catalogue';
    process.stderr.write(`${source}: invalid catalogue\n${formatCatalogueIssues(source, err.issues)}\n`);
    return ExitCode.Invalid;
  }
  if (err instanceof RunError) {
    process.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  throw err;
}

/** Runs the scenario once: progress, execute, results.json, report files, summary. */
async function runOnce(
  coordinator: Coordinator,
  args: BenchArgs,
  tty: boolean,
  reporter: BenchReporter,
  reportsDir: string,
  dirOverride: string | null,
): Promise<FinishedRun> {
  const scenario = coordinator.scenario;
  const progress = args.quiet
    ? null
    : new ProgressTracker({
        stream: process.stderr,
        tty,
        phases: scenario.phases.map((p) => ({ name: p.name, durationMs: phaseDurationMs(p) })),
        totalMs: plannedDurationMs(scenario),
      });
  progress?.attach(coordinator.aggregator);

  const outcome = await coordinator.execute();
  progress?.stop();
  const { results } = outcome;
  let exitCode: number = outcome.exitCode;
  if (calibrationReport !== null) {
    attachCalibration(results, calibrationReport);
    exitCode = results.exitCode;
  }
  const dir =
    dirOverride ?? (args.out === undefined ? uniqueRunDir(reportsDir, scenario.name, new Date(results.run.startedAt)) : resolve(args.out));
  let written: string | null = null;
  try {
    written = writeResults(dir, results);
  } catch (err) {
    if (!(err instanceof RunError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    if (exitCode === ExitCode.Pass || exitCode === ExitCode.ThresholdsFailed) exitCode = err.exitCode;
  }
  const run: FinishedRun = { dir, resultsPath: written, results, exitCode };
  const report = written === null ? null : reporter.reportRun(run);
  if (report?.error != null) {
    process.stderr.write(`error (${report.error.code}): ${report.error.message}\n`);
    if (exitCode === ExitCode.Pass || exitCode === ExitCode.ThresholdsFailed) run.exitCode = report.error.exitCode;
  }
  if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else {
    process.stdout.write(formatSummary(results, written));
    if (report !== null && report.written.length > 0) process.stdout.write(`report: ${report.written[0]}\n`);
  }
  return run;
}

async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof RunError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}`);
    return err.exitCode;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return ExitCode.Pass;
  }

  const tty = process.stderr.isTTY === true;
  const log = args.quiet
    ? () => undefined
    : (line: string) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}[bench] ${line}\n`);
  const overrides = {
    ...(args.target === undefined ? {} : { target: args.target }),
    ...(args.transport === undefined ? {} : { transport: args.transport }),
    ...(args.durationMs === undefined ? {} : { durationMs: args.durationMs }),
  };
  const reportsDir = resolve(args.reportsDir ?? 'reports');
  if (args.calibrate && args.scenario === '') {
    // Calibration alone (docs/performance.md): no scenario, no coordinator.
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return calibrationCommand({
      projectRoot: PROJECT_ROOT,
      log,
      signal: abort.signal,
      outDir: args.out === undefined ? resolve(reportsDir, `${runStamp(new Date())}-calibrate`) : resolve(args.out),
      json: args.json,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  }
  const calibrationAbort = new AbortController();
  const reporter = new BenchReporter({ baseline: args.baseline ?? null, tolerancePercent: args.failOnRegression ?? null, reportsDir });

  // Signals go to whichever run is in progress; after the first, no further --repeat run starts.
  let current: Coordinator | null = null;
  let lastSignal = 0;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (interrupts > 0 && now - lastSignal < SIGNAL_DEBOUNCE_MS) return;
    lastSignal = now;
    interrupts++;
    if (interrupts === 1) {
      log(`${signal}: stopping — in-flight requests get their grace period (Ctrl-C again to kill now)`);
      calibrationAbort.abort();
      current?.interrupt();
    } else {
      log(`${signal} again: killing workers and servers now`);
      current?.forceStop();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runs: FinishedRun[] = [];
  let setDir: string | null = null;
  for (let i = 1; i <= args.repeat && interrupts === 0; i++) {
    const coordinator = new Coordinator({
      scenarioPath: args.scenario,
      overrides,
      ...(args.workers === undefined ? {} : { workers: args.workers }),
      log,
    });
    try {
      coordinator.prepare();
    } catch (err) {
      return reportPrepareError(err, args);
    }
    if (i === 1) {
      try {
        for (const note of reporter.resolveBaseline(coordinator.scenario.name)) log(note);
      } catch (err) {
        if (!(err instanceof ReportError)) throw err;
        process.stderr.write(`error (${err.code}): ${err.message}\n`);
        return err.exitCode;
      }
      if (args.repeat > 1) {
        setDir = args.out === undefined ? uniqueRunDir(reportsDir, coordinator.scenario.name, new Date(), `-x${args.repeat}`) : resolve(args.out);
      }
    }
    const calibration = i === 1 ? calibrationFor(coordinator.scenario, args.calibrate) : null;
    if (calibration !== null) {
      // Before the load, once for all --repeat runs; a Ctrl-C meanwhile also stops the run.
      current = coordinator;
      calibrationReport = await calibrateForScenario(coordinator.scenario, calibration, { projectRoot: PROJECT_ROOT, log, signal: calibrationAbort.signal });
    }
    if (args.repeat > 1) log(`run ${i} of ${args.repeat} → ${join(setDir!, `run-${i}`)}`);
    current = coordinator;
    const run = await runOnce(coordinator, args, tty, reporter, reportsDir, setDir === null ? null : join(setDir, `run-${i}`));
    current = null;
    runs.push(run);
    // A broken or interrupted run ends the series: its figures would skew the medians.
    if (run.exitCode === ExitCode.RunError || run.exitCode === ExitCode.Interrupted) break;
  }

  const done = reporter.finish(runs, setDir);
  if (done.text !== '') {
    if (args.json) {
      if (!args.quiet) process.stderr.write(done.text);
    } else process.stdout.write(`\n${done.text}`);
  }
  for (const note of done.notes) log(note);
  for (const err of done.errors) process.stderr.write(`error (${err.code}): ${err.message}\n`);
  if (setDir !== null && !args.json) process.stdout.write(`set: ${setDir} (${runs.length} run${runs.length === 1 ? '' : 's'})\n`);
  if (done.exitCode !== combineExitCodes(runs.map((r) => r.exitCode)) || runs.length > 1) {
    process.stdout.write(`exit code ${done.exitCode}\n`);
  }
  return done.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    // stdout/stderr are synchronous for files, pipes and TTYs on Linux; the callback covers the rest.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`internal error (NMT_RUN_INTERNAL): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(ExitCode.RunError);
  },
);
