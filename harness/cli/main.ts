/**
 * `npm run bench -- <scenario.yaml> [options]`: the harness's command line.
 * See `--help` (usage.ts) and docs/running.md.
 *
 *   args ─▶ Coordinator.prepare() ─▶ progress attaches to the aggregator
 *        ─▶ Coordinator.execute() ─▶ results.json ─▶ summary (or --json) ─▶ exit code
 *
 * Ctrl-C / SIGTERM: the first stops the run in order (grace period, final
 * metrics, results written, exit 130); a second one, at least half a second
 * later, kills workers and servers at once (results still written). Signals
 * closer together than that count as one: a terminal's Ctrl-C reaches every
 * process of the foreground group and wrappers (npm, tsx) relay it again.
 */
import { resolve } from 'node:path';
import { CatalogueError, formatIssues as formatCatalogueIssues } from '../../protocol/catalogue/index.ts';
import { ScenarioError } from '../scenario/errors.ts';
import { formatIssues } from '../scenario/format-issues.ts';
import { Coordinator } from '../runner/coordinator.ts';
import { RunError } from '../runner/errors.ts';
import { ExitCode } from '../runner/exit-codes.ts';
import { phaseDurationMs, plannedDurationMs } from '../runner/phase-plan.ts';
import { parseArgs, type BenchArgs } from './args.ts';
import { defaultResultsDir, writeResults } from './output.ts';
import { ProgressTracker } from './progress.ts';
import { formatSummary } from './summary.ts';
import { USAGE } from './usage.ts';

/** Signals closer together than this are one interrupt. */
const SIGNAL_DEBOUNCE_MS = 500;

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
    ...(args.durationMs === undefined ? {} : { durationMs: args.durationMs }),
  };
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

  let lastSignal = 0;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (interrupts > 0 && now - lastSignal < SIGNAL_DEBOUNCE_MS) return;
    lastSignal = now;
    interrupts++;
    if (interrupts === 1) {
      log(`${signal}: stopping — in-flight requests get their grace period (Ctrl-C again to kill now)`);
      coordinator.interrupt();
    } else {
      log(`${signal} again: killing workers and servers now`);
      coordinator.forceStop();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const outcome = await coordinator.execute();
  progress?.stop();
  const { results } = outcome;
  let exitCode: number = outcome.exitCode;
  const dir = args.out === undefined ? defaultResultsDir(scenario.name, new Date(results.run.startedAt)) : resolve(args.out);
  let written: string | null = null;
  try {
    written = writeResults(dir, results);
  } catch (err) {
    if (!(err instanceof RunError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    if (exitCode === ExitCode.Pass || exitCode === ExitCode.ThresholdsFailed) exitCode = err.exitCode;
  }
  if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(formatSummary(results, written));
  return exitCode;
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
