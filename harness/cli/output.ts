/**
 * Where results.json goes: `--out <dir>`, else
 * `reports/<YYYYMMDD-HHMMSS>-<scenario>/` under the current directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RunError, RunErrorCode } from '../runner/errors.ts';
import type { ResultsV1 } from '../runner/results.ts';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYYMMDD-HHMMSS` in local time. */
export function runStamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** The default results directory of a run. */
export function defaultResultsDir(scenarioName: string, startedAt: Date, cwd = process.cwd()): string {
  return resolve(cwd, 'reports', `${runStamp(startedAt)}-${scenarioName}`);
}

/** Writes results.json into `dir` (created if needed); returns its path. Throws RunError NMT_RUN_OUTPUT. */
export function writeResults(dir: string, results: ResultsV1): string {
  const file = join(dir, 'results.json');
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  } catch (err) {
    throw new RunError(RunErrorCode.OUTPUT, `cannot write ${file}: ${(err as Error).message}`);
  }
  return file;
}
