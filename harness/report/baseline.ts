/**
 * `--baseline <results.json | run folder | set folder | latest>`: what the
 * current run is compared with, and the figures of each side (medians
 * when a side has several runs).
 */
import { resolve } from 'node:path';
import type { RunStatus } from '../runner/results.ts';
import type { ComparedSide } from './compare.ts';
import { loadRuns, type SavedRun } from './load-results.ts';
import { extractMetrics, medianMetrics, type MetricValue } from './metric-set.ts';
import { scanRuns, type ScanOptions } from './run-scan.ts';

/** The keyword for "the newest earlier run of the same scenario". */
export const LATEST = 'latest';

/** Runs that measured something complete enough to compare with. */
const COMPARABLE: readonly RunStatus[] = ['passed', 'thresholds-failed'];

/** One side of a comparison, ready for {@link compareSets}. */
export interface ComparisonInput {
  side: ComparedSide;
  metrics: MetricValue[];
}

/** A resolved baseline. */
export interface Baseline {
  runs: SavedRun[];
  /** How to name it to people: the path, or `latest: <path>`. */
  label: string;
}

/** The figures of one run, or the medians of several. */
export function describeRuns(runs: readonly SavedRun[], label: string): ComparisonInput {
  if (runs.length === 0) throw new RangeError('describeRuns needs at least one run');
  const sets = runs.map((r) => extractMetrics(r.results));
  const first = runs[0]!.results;
  const last = runs[runs.length - 1]!.results;
  return {
    side: {
      label: runs.length === 1 ? label : `median of ${runs.length} runs — ${label}`,
      scenario: first.scenario.name,
      startedAt: last.run.startedAt,
      runs: runs.length,
      gitRevision: last.environment.gitRevision,
      environment: first.environment,
    },
    metrics: runs.length === 1 ? sets[0]! : medianMetrics(sets),
  };
}

/**
 * The newest run of `scenario` under `reportsDir` that finished (passed or
 * failed thresholds — interrupted and errored runs are incomplete), or null.
 * `exclude` holds results.json paths not to pick (the current run's).
 */
export function findLatestRun(reportsDir: string, scenario: string, exclude: readonly string[] = [], options: ScanOptions = {}): SavedRun | null {
  const skip = new Set(exclude.map((p) => resolve(p)));
  for (const r of scanRuns(reportsDir, options).runs) {
    if (r.results.scenario.name !== scenario || skip.has(resolve(r.path))) continue;
    if (!COMPARABLE.includes(r.results.run.status)) continue;
    return { path: r.path, results: r.results };
  }
  return null;
}

/**
 * Resolves `spec`: `latest` (may be null: there is no earlier run — the
 * caller says so and carries on) or a path (throws ReportError
 * NMT_REPORT_READ / NMT_REPORT_INVALID when it holds no usable results).
 */
export function resolveBaseline(spec: string, context: { reportsDir: string; scenario: string; exclude?: readonly string[] }): Baseline | null {
  if (spec === LATEST) {
    const run = findLatestRun(context.reportsDir, context.scenario, context.exclude ?? []);
    return run === null ? null : { runs: [run], label: `latest: ${run.path}` };
  }
  return { runs: loadRuns(spec), label: resolve(spec) };
}
