/**
 * Reading saved runs back: a results.json, a run folder holding one, or a
 * `--repeat` set folder (`run-1/ … run-N/`, each with its results.json).
 *
 * The check is structural, not a full schema: enough that every report
 * (charts, comparisons, CI files) can rely on the fields it reads, with a
 * message that names the file and the first field that is wrong.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RESULTS_SCHEMA_VERSION, type ResultsV1 } from '../runner/results.ts';
import { ReportError, ReportErrorCode } from './errors.ts';

/** Folder names of the runs of a `--repeat` set. */
export const REPEAT_RUN_DIR = /^run-(\d+)$/;

/** One saved run. */
export interface SavedRun {
  /** Absolute path of its results.json. */
  path: string;
  results: ResultsV1;
}

const REQUIRED: readonly [string, (v: unknown) => boolean][] = [
  ['scenario.name', (v) => typeof v === 'string'],
  ['run.startedAt', (v) => typeof v === 'string'],
  ['run.status', (v) => typeof v === 'string'],
  ['environment', (v) => typeof v === 'object' && v !== null],
  ['phases', Array.isArray],
  ['series', Array.isArray],
  ['summary.overall.requests', Array.isArray],
  ['summary.overall.errors', (v) => typeof v === 'object' && v !== null],
  ['summary.overall.connections', (v) => typeof v === 'object' && v !== null],
  ['histograms.overall.requests', (v) => typeof v === 'object' && v !== null],
  ['server', (v) => typeof v === 'object' && v !== null],
  ['harness', (v) => typeof v === 'object' && v !== null],
  ['thresholds', Array.isArray],
  ['warnings', Array.isArray],
  ['exitCode', (v) => typeof v === 'number'],
];

function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * Checks that `data` looks like a results.json of schema version 1.
 * Throws {@link ReportError} NMT_REPORT_INVALID naming `source` and the field.
 */
export function checkResults(data: unknown, source: string): ResultsV1 {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ReportError(ReportErrorCode.INVALID, `${source}: not a results.json (expected a JSON object)`);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version !== RESULTS_SCHEMA_VERSION) {
    throw new ReportError(
      ReportErrorCode.INVALID,
      `${source}: schemaVersion is ${JSON.stringify(version)}; this tool reads results.json schema version ${RESULTS_SCHEMA_VERSION} (docs/results.md)`,
    );
  }
  for (const [path, ok] of REQUIRED) {
    if (!ok(at(data, path))) {
      throw new ReportError(ReportErrorCode.INVALID, `${source}: field '${path}' is missing or has the wrong type; is this a results.json written by npm run bench?`);
    }
  }
  return data as ResultsV1;
}

/** Reads and checks one results.json. Throws ReportError NMT_REPORT_READ / NMT_REPORT_INVALID. */
export function readResultsFile(file: string): ResultsV1 {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ReportError(ReportErrorCode.READ, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ReportError(ReportErrorCode.INVALID, `${file}: not valid JSON (${(err as Error).message})`);
  }
  return checkResults(data, file);
}

/** The results.json files of a repeat set folder, in run order; empty when `dir` is not one. */
export function repeatRunFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => [n, REPEAT_RUN_DIR.exec(n)] as const)
    .filter((x): x is readonly [string, RegExpExecArray] => x[1] !== null)
    .sort((a, b) => Number(a[1][1]) - Number(b[1][1]))
    .map(([n]) => join(dir, n, 'results.json'))
    .filter((f) => existsSync(f));
}

/**
 * Loads what a user named: a results.json, a run folder (its results.json),
 * or a repeat set folder (every `run-N/results.json`, in order). Throws
 * ReportError NMT_REPORT_READ when the path holds none of these.
 */
export function loadRuns(pathArg: string): SavedRun[] {
  const path = resolve(pathArg);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new ReportError(ReportErrorCode.READ, `cannot read ${pathArg}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!isDir) return [{ path, results: readResultsFile(path) }];
  const own = join(path, 'results.json');
  if (existsSync(own)) return [{ path: own, results: readResultsFile(own) }];
  const runs = repeatRunFiles(path);
  if (runs.length === 0) {
    throw new ReportError(
      ReportErrorCode.READ,
      `${pathArg}: no results.json there (nor run-N/results.json of a --repeat set); pass a results.json or a run folder`,
    );
  }
  return runs.map((f) => ({ path: f, results: readResultsFile(f) }));
}
