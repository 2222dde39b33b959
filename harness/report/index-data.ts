/**
 * What reports/index.html shows, from a scan of the reports folder: every
 * run newest first with its key figures, and per scenario the trend of
 * rps, p99 and errors across its runs (oldest to newest).
 */
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { ResultsV1 } from '../runner/results.ts';
import { formatValue } from '../thresholds/format.ts';
import { overallLatency } from './overall-latency.ts';
import type { Tone } from './report-data.ts';
import type { ScanResult } from './run-scan.ts';

/** One row of the run list. */
export interface IndexRun {
  /** Link to the run's report.html (or results.json when it has no report), relative to the index. */
  href: string;
  hasReport: boolean;
  scenario: string;
  description: string;
  /** `YYYY-MM-DD HH:MM:SS` UTC. */
  started: string;
  status: string;
  tone: Tone;
  exitCode: number;
  rps: string;
  p99: string;
  errors: string;
  maxOpen: string;
  duration: string;
  revision: string;
  host: string;
}

/** One point of a scenario's trend. */
export interface TrendPoint {
  label: string;
  rps: number;
  /** Corrected p99 of all requests, ms; null without latency samples. */
  p99Ms: number | null;
  /** errors / (requests + connection attempts), percent; null when nothing was attempted. */
  errorPercent: number | null;
}

/** Everything the index shows. */
export interface IndexData {
  dir: string;
  runs: IndexRun[];
  trends: { scenario: string; points: TrendPoint[] }[];
  skipped: { path: string; reason: string }[];
  truncated: number;
}

/** A relative filesystem path as a URL path (each segment percent-encoded). */
export function hrefOf(fromDir: string, file: string): string {
  return relative(fromDir, file).split(sep).map(encodeURIComponent).join('/');
}

const utc = (iso: string): string => iso.slice(0, 19).replace('T', ' ');

const TONE: Record<string, Tone> = { passed: 'pass', 'thresholds-failed': 'fail', error: 'fail', interrupted: 'warn' };

function row(r: ResultsV1, dir: string, indexDir: string, p99: number | null): IndexRun {
  const o = r.summary.overall;
  const report = join(dir, 'report.html');
  const hasReport = existsSync(report);
  return {
    href: hrefOf(indexDir, hasReport ? report : join(dir, 'results.json')),
    hasReport,
    scenario: r.scenario.name,
    description: r.scenario.description,
    started: utc(r.run.startedAt),
    status: r.run.status,
    tone: TONE[r.run.status] ?? 'neutral',
    exitCode: r.exitCode,
    rps: formatValue(o.rps, 'rate'),
    p99: p99 === null ? '-' : formatValue(p99, 'time'),
    errors: `${o.errors.count}${o.errors.rate === null ? '' : ` (${formatValue(o.errors.rate, 'ratio')})`}`,
    maxOpen: o.connections.maxOpen === null ? '-' : String(o.connections.maxOpen),
    duration: formatValue(o.durationMs * 1000, 'time'),
    revision: r.environment.gitRevision === null ? '-' : `${r.environment.gitRevision.slice(0, 10)}${r.environment.gitDirty === true ? '+' : ''}`,
    host: r.environment.hostname,
  };
}

/** Builds the index data of `indexDir` from a scan of it. */
export function buildIndexData(scan: ScanResult, indexDir: string): IndexData {
  const p99s = scan.runs.map((s) => overallLatency(s.results.histograms.overall)?.p99 ?? null);
  const runs = scan.runs.map((s, i) => row(s.results, s.dir, indexDir, p99s[i]!));
  const byScenario = new Map<string, TrendPoint[]>();
  // scan.runs is newest first; trends read oldest → newest.
  for (let i = scan.runs.length - 1; i >= 0; i--) {
    const r = scan.runs[i]!.results;
    const o = r.summary.overall;
    let pts = byScenario.get(r.scenario.name);
    if (pts === undefined) {
      pts = [];
      byScenario.set(r.scenario.name, pts);
    }
    pts.push({
      label: utc(r.run.startedAt),
      rps: o.rps,
      p99Ms: p99s[i] === null ? null : p99s[i]! / 1000,
      errorPercent: o.errors.rate === null ? null : o.errors.rate * 100,
    });
  }
  return {
    dir: indexDir,
    runs,
    trends: [...byScenario].sort((a, b) => a[0].localeCompare(b[0])).map(([scenario, points]) => ({ scenario, points })),
    skipped: scan.skipped,
    truncated: scan.truncated,
  };
}
