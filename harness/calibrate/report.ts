/**
 * The calibration table of the summary (and of `--calibrate` alone), and the
 * verdict it adds to a run's outcome:
 *
 *   Calibration — ours as a fraction of this machine's limit (median of 3 pairs, 1s warmup + 3s window each)
 *     comparison      ours                 reference               ratio  range      cpu µs/resp  target
 *     server-c100-k1  TestServer 41k/s …   C pong-server 60k/s …   0.683  0.65–0.71  9.1 / 3.0    ≥ 0.75 ✗
 *
 * "cpu µs/resp" is ours / the reference's CPU time per response (the server's
 * for server and handshake comparisons, the generator's for harness ones).
 */
import type { CalibrationReport, ComparisonResult } from './types.ts';
import { formatRate } from './run.ts';

function micros(v: number | null): string {
  if (v === null) return '';
  return v >= 1000 ? ` p99 ${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}ms` : ` p99 ${Math.round(v)}µs`;
}

function side(label: string, rate: number | undefined, p99: number | null): string {
  return rate === undefined ? `${label} —` : `${label} ${formatRate(rate)}${micros(p99)}`;
}

/** The short name of a side label: "C load-client → TestServer" → "TestServer". */
function who(c: ComparisonResult, subject: boolean): string {
  if (c.kind === 'harness') return subject ? 'harness' : 'C load-client';
  const label = subject ? c.subject : c.reference;
  return label.replace(/^C load-client → /, '').replace(/ \(connect.*$/, '');
}

function cpu(v: number | null): string {
  return v === null ? '—' : v.toFixed(v >= 10 ? 0 : 1);
}

/** One line per comparison, then its problem (if any) indented below. */
export function formatCalibration(report: CalibrationReport): string {
  const lines: string[] = [];
  const head =
    report.status === 'skipped'
      ? `Calibration skipped: ${report.message ?? ''}`
      : `Calibration — ours as a fraction of this machine's limit (median of ${report.repeats} pair${report.repeats === 1 ? '' : 's'}, ` +
        `${report.warmupMs / 1000}s warmup + ${report.windowMs / 1000}s window each)` +
        (report.status === 'measured' ? '' : ` — ${report.status}: ${(report.message ?? '').split('\n')[0]}`);
  lines.push(head);
  if (report.status === 'skipped' && report.comparisons.every((c) => c.minRatio === null)) return `${lines.join('\n')}\n`;
  const rows = report.comparisons.map((c) => [
    c.name,
    side(who(c, true), c.subjectRate?.median, c.subjectP99Micros),
    side(who(c, false), c.referenceRate?.median, c.referenceP99Micros),
    c.ratio === null ? 'n/a' : c.ratio.median.toFixed(3),
    c.ratio === null ? '' : `${c.ratio.min.toFixed(2)}–${c.ratio.max.toFixed(2)}`,
    `${cpu(c.subjectCpuMicrosPerResponse)} / ${cpu(c.referenceCpuMicrosPerResponse)}`,
    c.minRatio === null ? '' : `≥ ${c.minRatio} ${c.ok === true ? '✓' : '✗'}`,
  ]);
  const header = ['comparison', 'ours', 'reference', 'ratio', 'range', 'cpu µs/resp', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => `  ${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  lines.push(fmt(header));
  report.comparisons.forEach((c, i) => {
    lines.push(fmt(rows[i]!));
    if (c.problem !== null) lines.push(`      ! ${c.problem.split('\n')[0]}`);
  });
  return `${lines.join('\n')}\n`;
}

/** Comparisons whose target failed (or could not be checked). */
export function failedTargets(report: CalibrationReport): ComparisonResult[] {
  return report.comparisons.filter((c) => c.ok === false);
}
