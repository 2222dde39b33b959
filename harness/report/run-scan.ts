/**
 * Finds the saved runs under a reports folder: every `results.json` up to a
 * few levels down (`<run>/results.json`, `<set>/run-N/results.json`).
 * Used by `reports/index.html` and by `--baseline latest`.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { ResultsV1 } from '../runner/results.ts';
import { ReportError } from './errors.ts';
import { readResultsFile } from './load-results.ts';

/** A run found under the reports folder. */
export interface ScannedRun {
  /** Absolute path of its results.json. */
  path: string;
  /** Its folder. */
  dir: string;
  results: ResultsV1;
}

/** Limits of a scan. */
export interface ScanOptions {
  /** Folder levels below the reports folder to look into (default 3: set/run-N/results.json is 2). */
  maxDepth?: number;
  /** Newest runs to read, by file time (default 1000): an old pile of runs cannot make the index slow. */
  maxRuns?: number;
}

/** What a scan found, newest run first (by `run.startedAt`). */
export interface ScanResult {
  runs: ScannedRun[];
  /** results.json files that could not be read, with why (the index lists them). */
  skipped: { path: string; reason: string }[];
  /** Files left out by `maxRuns`. */
  truncated: number;
}

/** Default {@link ScanOptions.maxDepth}. */
export const DEFAULT_SCAN_DEPTH = 3;
/** Default {@link ScanOptions.maxRuns}. */
export const DEFAULT_SCAN_MAX_RUNS = 1000;

/** Folders never looked into: artefacts, dependencies, hidden folders. */
function skipDir(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules' || name === 'test-artifacts';
}

function findFiles(dir: string, depth: number, out: { path: string; mtimeMs: number }[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isFile() && e.name === 'results.json') {
      try {
        out.push({ path: p, mtimeMs: statSync(p).mtimeMs });
      } catch {
        // Removed between readdir and stat: not a run any more.
      }
    } else if (e.isDirectory() && depth > 0 && !skipDir(e.name)) {
      findFiles(p, depth - 1, out);
    }
  }
}

/** Scans `reportsDir`; a missing folder is an empty result, not an error. */
export function scanRuns(reportsDir: string, options: ScanOptions = {}): ScanResult {
  const maxDepth = options.maxDepth ?? DEFAULT_SCAN_DEPTH;
  const maxRuns = options.maxRuns ?? DEFAULT_SCAN_MAX_RUNS;
  const files: { path: string; mtimeMs: number }[] = [];
  findFiles(reportsDir, maxDepth, files);
  files.sort((a, b) => b.mtimeMs - a.mtimeMs);
  const kept = files.slice(0, maxRuns);
  const runs: ScannedRun[] = [];
  const skipped: ScanResult['skipped'] = [];
  for (const f of kept) {
    try {
      runs.push({ path: f.path, dir: join(f.path, '..'), results: readResultsFile(f.path) });
    } catch (err) {
      if (!(err instanceof ReportError)) throw err;
      skipped.push({ path: f.path, reason: err.message });
    }
  }
  runs.sort((a, b) => b.results.run.startedAt.localeCompare(a.results.run.startedAt));
  return { runs, skipped, truncated: files.length - kept.length };
}
