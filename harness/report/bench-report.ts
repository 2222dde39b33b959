/**
 * The report step of `npm run bench`: what happens after each run and after
 * the last one, kept here so the CLI only calls it.
 *
 *   before the first run   resolveBaseline()      --baseline path|latest (bad path: exit 104, nothing runs)
 *   after each run         reportRun()            comparison vs baseline, report.html, junit.xml, summary.md
 *   after the last run     finish()               gate (this run, or medians of --repeat N), set files, index.html
 *
 * Exit codes combine by precedence 105 > 130 > 99 > 98 > 0: a regression
 * (98) never hides a failed threshold or an interrupted or broken run.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ResultsV1 } from '../runner/results.ts';
import { writeIndex, writeRunArtifacts, writeSetArtifacts } from './artifacts.ts';
import { describeRuns, LATEST, resolveBaseline, type ComparisonInput } from './baseline.ts';
import { compareSets, type Comparison } from './compare.ts';
import { REGRESSION_EXIT_CODE, ReportError } from './errors.ts';
import { formatComparison, formatSpread } from './format-comparison.ts';
import type { MetricValue } from './metric-set.ts';

/** Report options of a bench command line. */
export interface BenchReportOptions {
  /** `--baseline`: a results.json, run folder, set folder, or `latest`; null = no comparison. */
  baseline: string | null;
  /** `--fail-on-regression <percent>`; null = compare without gating. */
  tolerancePercent: number | null;
  /** Where runs go by default, `latest` looks and index.html is kept (`--reports-dir`, default ./reports). */
  reportsDir: string;
}

/** A finished run whose results.json was written (or not: `resultsPath` null). */
export interface FinishedRun {
  dir: string;
  resultsPath: string | null;
  results: ResultsV1;
  exitCode: number;
}

/** What the caller prints and exits with. */
export interface ReportStepOutcome {
  /** Text for the terminal (comparison, spread, gate); may be ''. */
  text: string;
  exitCode: number;
  /** Files written. */
  written: string[];
  /** Problems writing report files (the run's results are safe; exit 105 when nothing worse happened). */
  errors: ReportError[];
  /** Non-fatal remarks (index could not be updated, …). */
  notes: string[];
}

const PRECEDENCE = [105, 130, 99, REGRESSION_EXIT_CODE, 0];

/** The exit code that wins among several (105 > 130 > 99 > 98 > 0; unknown codes rank first). */
export function combineExitCodes(codes: readonly number[]): number {
  const rank = (c: number): number => {
    const i = PRECEDENCE.indexOf(c);
    return i < 0 ? -1 : i;
  };
  return codes.reduce((best, c) => (rank(c) < rank(best) ? c : best), 0);
}

const pad = (n: number): string => String(n).padStart(2, '0');
const stamp = (d: Date): string =>
  `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;

/**
 * `<reportsDir>/<YYYYMMDD-HHMMSS>-<name><suffix>` (local time), with `-2`,
 * `-3`… appended when that folder already exists (two runs in one second).
 */
export function uniqueRunDir(reportsDir: string, name: string, at: Date, suffix = ''): string {
  const base = join(resolve(reportsDir), `${stamp(at)}-${name}${suffix}`);
  if (!existsSync(base)) return base;
  for (let i = 2; ; i++) if (!existsSync(`${base}-${i}`)) return `${base}-${i}`;
}

/** See the module comment. */
export class BenchReporter {
  private readonly options: BenchReportOptions;
  private baselineInput: ComparisonInput | null = null;

  constructor(options: BenchReportOptions) {
    this.options = options;
  }

  /** True when a baseline was resolved. */
  get hasBaseline(): boolean {
    return this.baselineInput !== null;
  }

  /**
   * Resolves `--baseline` for `scenario`. Returns remarks to print (e.g.
   * `latest` found no earlier run: the run goes on without a comparison).
   * Throws ReportError (exit 104) for a path that holds no results.
   */
  resolveBaseline(scenario: string): string[] {
    const spec = this.options.baseline;
    if (spec === null) return [];
    const b = resolveBaseline(spec, { reportsDir: this.options.reportsDir, scenario });
    if (b === null) {
      return [
        `--baseline latest: no earlier finished run of scenario '${scenario}' under ${resolve(this.options.reportsDir)}; ` +
          'nothing to compare with this time (the regression gate is skipped)',
      ];
    }
    this.baselineInput = describeRuns(b.runs, b.label);
    return spec === LATEST ? [`baseline: ${b.label}`] : [];
  }

  private compare(current: ComparisonInput): Comparison | null {
    if (this.baselineInput === null) return null;
    return compareSets(this.baselineInput, current, this.options.tolerancePercent);
  }

  /** After one run: its comparison with the baseline and its report files. */
  reportRun(run: FinishedRun): { comparison: Comparison | null; written: string[]; error: ReportError | null } {
    const comparison = this.compare(describeRuns([{ path: run.resultsPath ?? join(run.dir, 'results.json'), results: run.results }], run.dir));
    try {
      return { comparison, written: writeRunArtifacts(run.dir, run.results, comparison), error: null };
    } catch (err) {
      if (!(err instanceof ReportError)) throw err;
      return { comparison, written: [], error: err };
    }
  }

  /**
   * After the last run: the gate on this run (or on the medians of a
   * `--repeat` set, written into `setDir`), and index.html.
   */
  finish(runs: readonly FinishedRun[], setDir: string | null): ReportStepOutcome {
    const out: ReportStepOutcome = { text: '', exitCode: combineExitCodes(runs.map((r) => r.exitCode)), written: [], errors: [], notes: [] };
    const text: string[] = [];
    let comparison: Comparison | null = null;
    let medians: MetricValue[] | null = null;
    if (runs.length > 0) {
      const current = describeRuns(
        runs.map((r) => ({ path: r.resultsPath ?? join(r.dir, 'results.json'), results: r.results })),
        setDir ?? runs[0]!.dir,
      );
      if (runs.length > 1) {
        medians = current.metrics;
        text.push(formatSpread(medians));
      }
      comparison = this.compare(current);
      if (comparison !== null) text.push(formatComparison(comparison));
      if (comparison !== null && comparison.regressions.length > 0) out.exitCode = combineExitCodes([out.exitCode, REGRESSION_EXIT_CODE]);
    }
    if (setDir !== null && runs.length > 1) {
      try {
        out.written.push(...writeSetArtifacts(setDir, runs.map((r) => r.results), medians ?? [], comparison, out.exitCode));
      } catch (err) {
        if (!(err instanceof ReportError)) throw err;
        out.errors.push(err);
      }
    }
    try {
      out.written.push(writeIndex(this.options.reportsDir));
    } catch (err) {
      if (!(err instanceof ReportError)) throw err;
      // The index is a convenience over many runs: failing to refresh it does not fail this one.
      out.notes.push(`index not updated: ${err.message}`);
    }
    if (out.errors.length > 0 && (out.exitCode === 0 || out.exitCode === 99 || out.exitCode === REGRESSION_EXIT_CODE)) out.exitCode = 105;
    out.text = text.filter((t) => t !== '').join('\n');
    return out;
  }
}
