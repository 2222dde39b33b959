/**
 * Writing the report files. Each file is written to a temporary name and
 * renamed into place, so a reader (a browser, CI, a second bench updating
 * the same index) never sees half a file.
 *
 *   <run>/report.html  junit.xml  summary.md      (next to results.json)
 *   <set>/junit.xml  summary.md                    (a --repeat set: medians, gate)
 *   <reports>/index.html                           (every run under the folder)
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultsV1 } from '../runner/results.ts';
import type { Comparison } from './compare.ts';
import { ReportError, ReportErrorCode } from './errors.ts';
import { buildIndexData } from './index-data.ts';
import { renderIndexHtml } from './index-html.ts';
import { renderJUnit } from './junit.ts';
import { renderRunMarkdown, renderSetMarkdown } from './markdown.ts';
import type { MetricValue } from './metric-set.ts';
import { buildReportData } from './report-data.ts';
import { renderReportHtml } from './report-html.ts';
import { scanRuns, type ScanOptions } from './run-scan.ts';

/** The page of a run, next to its results.json. */
export const REPORT_FILE = 'report.html';
/** JUnit XML of a run or a set. */
export const JUNIT_FILE = 'junit.xml';
/** Markdown summary of a run or a set. */
export const SUMMARY_FILE = 'summary.md';
/** The run history, in the reports folder. */
export const INDEX_FILE = 'index.html';

/** Writes `text` to `file` via a temporary file and a rename. Throws ReportError NMT_REPORT_WRITE. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new ReportError(ReportErrorCode.WRITE, `cannot write ${file}: ${(err as Error).message}`);
  }
}

/** report.html alone (`npm run report -- html`). Returns its path. */
export function writeReportHtml(file: string, results: ResultsV1, comparison: Comparison | null = null): string {
  writeFileAtomic(file, renderReportHtml(buildReportData(results, comparison)));
  return file;
}

/** report.html, junit.xml and summary.md of one run into `dir`. Returns the paths written. */
export function writeRunArtifacts(dir: string, results: ResultsV1, comparison: Comparison | null = null): string[] {
  const html = writeReportHtml(join(dir, REPORT_FILE), results, comparison);
  const junit = join(dir, JUNIT_FILE);
  writeFileAtomic(junit, renderJUnit([results], comparison));
  const md = join(dir, SUMMARY_FILE);
  writeFileAtomic(md, renderRunMarkdown(results, comparison));
  return [html, junit, md];
}

/** junit.xml and summary.md of a `--repeat` set into its folder. Returns the paths written. */
export function writeSetArtifacts(dir: string, runs: readonly ResultsV1[], medians: readonly MetricValue[], comparison: Comparison | null, exitCode: number): string[] {
  const junit = join(dir, JUNIT_FILE);
  writeFileAtomic(junit, renderJUnit(runs, comparison));
  const md = join(dir, SUMMARY_FILE);
  writeFileAtomic(md, renderSetMarkdown(runs, medians, comparison, exitCode));
  return [junit, md];
}

/** Regenerates `<reportsDir>/index.html` from every run under it. Returns its path. */
export function writeIndex(reportsDir: string, options: ScanOptions = {}): string {
  const file = join(reportsDir, INDEX_FILE);
  writeFileAtomic(file, renderIndexHtml(buildIndexData(scanRuns(reportsDir, options), reportsDir)));
  return file;
}
