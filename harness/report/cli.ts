/**
 * `npm run report -- <command>`: reports from saved runs.
 *
 *   html <results.json|run folder> [--baseline <b>] [--fail-on-regression <p>] [--out <file>]
 *   compare <baseline> <current> [--fail-on-regression <p>]
 *   index [dir] [--max-runs <n>]
 *
 * `runReportCli` does the work against injected output streams, so tests
 * run it in-process; main.ts binds it to the process.
 */
import { dirname, join, resolve } from 'node:path';
import { writeIndex, writeReportHtml, REPORT_FILE } from './artifacts.ts';
import { describeRuns } from './baseline.ts';
import { compareSets, type Comparison } from './compare.ts';
import { REGRESSION_EXIT_CODE, ReportError, ReportErrorCode } from './errors.ts';
import { formatComparison, formatSpread } from './format-comparison.ts';
import { loadRuns } from './load-results.ts';
import { DEFAULT_SCAN_MAX_RUNS } from './run-scan.ts';

/** The `--help` text. */
export const REPORT_USAGE = `Usage: npm run report -- <command> [options]

Commands:
  html <results.json | run folder>
        (re)generate report.html next to the results (or --out <file>);
        --baseline <b> adds a comparison table (b: a results.json, a run
        folder, or a --repeat set folder, whose medians are used)
  compare <baseline> <current>
        print the metric-by-metric comparison of two saved runs (each a
        results.json, a run folder, or a --repeat set folder: medians)
  index [dir]
        regenerate <dir>/index.html (default dir: reports) listing every run
        under it, newest first, with trend charts per scenario

Options:
  --fail-on-regression <percent>   compare/html: exit 98 when a gated metric
                                   is worse than the baseline by more than this
  --baseline <b>                   html: compare with this baseline
  --out <file>                     html: where to write (default: next to results.json)
  --max-runs <n>                   index: newest results.json files to read (default ${DEFAULT_SCAN_MAX_RUNS})
  --help, -h                       show this help

Exit codes: 0 done · 98 regression beyond --fail-on-regression · 104 bad
arguments or unreadable/invalid results · 105 a file could not be written.
Docs: docs/reports.md
`;

/** Output sinks of the CLI. */
export interface ReportIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

/** A parsed command line. */
export type ReportCommand =
  | { command: 'help' }
  | { command: 'html'; input: string; baseline: string | null; tolerance: number | null; out: string | null }
  | { command: 'compare'; baseline: string; current: string; tolerance: number | null }
  | { command: 'index'; dir: string | null; maxRuns: number };

const FLAGS = new Set(['--fail-on-regression', '--baseline', '--out', '--max-runs']);

/** Parses argv (after `npm run report --`). Throws ReportError NMT_REPORT_USAGE listing every problem. */
export function parseReportArgs(argv: readonly string[]): ReportCommand {
  const issues: string[] = [];
  const positional: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return { command: 'help' };
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!FLAGS.has(name)) {
      issues.push(`unknown option ${name} (options: ${[...FLAGS].join(', ')}, --help)`);
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[i + 1];
    if (eq < 0 && value !== undefined && !value.startsWith('--')) i++;
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) issues.push(`${name} needs a value`);
    else values.set(name, value);
  }
  let tolerance: number | null = null;
  const tol = values.get('--fail-on-regression');
  if (tol !== undefined) {
    if (!/^\d+(\.\d+)?%?$/.test(tol)) issues.push(`--fail-on-regression must be a percent ≥ 0 (e.g. 20 or 20%), got '${tol}'`);
    else tolerance = Number(tol.replace(/%$/, ''));
  }
  let maxRuns = DEFAULT_SCAN_MAX_RUNS;
  const mr = values.get('--max-runs');
  if (mr !== undefined) {
    if (!/^\d+$/.test(mr) || Number(mr) < 1) issues.push(`--max-runs must be an integer ≥ 1, got '${mr}'`);
    else maxRuns = Number(mr);
  }
  const [command, ...rest] = positional;
  const only = (allowed: string[]): void => {
    for (const f of values.keys()) if (!allowed.includes(f)) issues.push(`${f} does not apply to '${command}'`);
  };
  let result: ReportCommand | null = null;
  switch (command) {
    case 'html':
      only(['--baseline', '--fail-on-regression', '--out']);
      if (rest.length !== 1) issues.push(`html takes one results.json or run folder, got ${rest.length}`);
      if (tolerance !== null && !values.has('--baseline')) issues.push('--fail-on-regression needs --baseline');
      result = { command: 'html', input: rest[0] ?? '', baseline: values.get('--baseline') ?? null, tolerance, out: values.get('--out') ?? null };
      break;
    case 'compare':
      only(['--fail-on-regression']);
      if (rest.length !== 2) issues.push(`compare takes a baseline and a current run, got ${rest.length} argument(s)`);
      result = { command: 'compare', baseline: rest[0] ?? '', current: rest[1] ?? '', tolerance };
      break;
    case 'index':
      only(['--max-runs']);
      if (rest.length > 1) issues.push(`index takes at most one folder, got ${rest.length}`);
      result = { command: 'index', dir: rest[0] ?? null, maxRuns };
      break;
    case undefined:
      issues.push('missing the command: html, compare or index');
      break;
    default:
      issues.push(`unknown command '${command}' (commands: html, compare, index)`);
  }
  if (issues.length > 0 || result === null) throw new ReportError(ReportErrorCode.USAGE, issues.map((i) => `error: ${i}`).join('\n'));
  return result;
}

function comparisonOf(baselinePath: string, currentPath: string, tolerance: number | null, cwd: string): { comparison: Comparison; spread: string } {
  const b = describeRuns(loadRuns(resolve(cwd, baselinePath)), resolve(cwd, baselinePath));
  const c = describeRuns(loadRuns(resolve(cwd, currentPath)), resolve(cwd, currentPath));
  const spread = [b.side.runs > 1 ? `baseline ${formatSpread(b.metrics)}` : '', c.side.runs > 1 ? `current ${formatSpread(c.metrics)}` : ''].filter((x) => x !== '').join('\n');
  return { comparison: compareSets(b, c, tolerance), spread };
}

function execute(cmd: Exclude<ReportCommand, { command: 'help' }>, io: ReportIo): number {
  switch (cmd.command) {
    case 'compare': {
      const { comparison, spread } = comparisonOf(cmd.baseline, cmd.current, cmd.tolerance, io.cwd);
      if (spread !== '') io.out(`${spread}\n`);
      io.out(formatComparison(comparison));
      return comparison.regressions.length > 0 ? REGRESSION_EXIT_CODE : 0;
    }
    case 'html': {
      const runs = loadRuns(resolve(io.cwd, cmd.input));
      if (runs.length > 1) {
        throw new ReportError(ReportErrorCode.USAGE, `${cmd.input} is a --repeat set of ${runs.length} runs; pass one of its run-N folders`);
      }
      const run = runs[0]!;
      const comparison = cmd.baseline === null ? null : comparisonOf(cmd.baseline, run.path, cmd.tolerance, io.cwd).comparison;
      const file = writeReportHtml(cmd.out === null ? join(dirname(run.path), REPORT_FILE) : resolve(io.cwd, cmd.out), run.results, comparison);
      io.out(`report: ${file}\n`);
      if (comparison !== null) io.out(formatComparison(comparison));
      return comparison !== null && comparison.regressions.length > 0 ? REGRESSION_EXIT_CODE : 0;
    }
    case 'index': {
      const file = writeIndex(resolve(io.cwd, cmd.dir ?? 'reports'), { maxRuns: cmd.maxRuns });
      io.out(`index: ${file}\n`);
      return 0;
    }
  }
}

/** Runs one `npm run report` command; returns the exit code. */
export function runReportCli(argv: readonly string[], io: ReportIo): number {
  try {
    const cmd = parseReportArgs(argv);
    if (cmd.command === 'help') {
      io.out(REPORT_USAGE);
      return 0;
    }
    return execute(cmd, io);
  } catch (err) {
    if (!(err instanceof ReportError)) throw err;
    io.err(err.code === ReportErrorCode.USAGE ? `${err.message}\n\n${REPORT_USAGE}` : `error (${err.code}): ${err.message}\n`);
    return err.exitCode;
  }
}
