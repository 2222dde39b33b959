/**
 * The comparison as terminal text (`npm run bench -- … --baseline`, and
 * `npm run report -- compare`):
 *
 *   comparison with baseline reports/20260101-120000-ping/results.json
 *     baseline  ping · 2026-01-01T12:00:00.000Z · rev 1a2b3c4 · 1 run
 *     current   ping · 2026-01-01T12:10:00.000Z · rev 1a2b3c4 · 1 run
 *     metric        baseline  current  change
 *     PingReq p99   1.2ms     21ms     +1650%  worse  ✗ regression
 *   regression gate (tolerance 20%): FAILED — 1 regression: PingReq p99 +1650%
 */
import { formatValue, textTable } from '../thresholds/format.ts';
import type { Comparison, ComparisonRow, ComparedSide } from './compare.ts';
import type { MetricValue } from './metric-set.ts';

/** `+12.3%`, `-4.1%`, `0%`, `+∞%`; `-` without a value. */
export function formatDelta(delta: number | null): string {
  if (delta === null) return '-';
  if (delta === 0) return '0%';
  if (!Number.isFinite(delta)) return delta > 0 ? '+∞%' : '-∞%';
  const abs = Math.abs(delta);
  const text = abs >= 100 ? String(Math.round(abs)) : abs >= 10 ? abs.toFixed(1) : abs.toFixed(2);
  return `${delta > 0 ? '+' : '-'}${text}%`;
}

/** A metric value in its unit, `-` for no data. */
export function formatMetric(value: number | null, unit: ComparisonRow['unit']): string {
  return value === null ? '-' : formatValue(value, unit);
}

/** The verdict column of a row. */
export function rowVerdict(row: ComparisonRow, tolerancePercent: number | null): string {
  if (row.change === null) return 'no data';
  if (row.regressed) return `✗ regression (worse by more than ${tolerancePercent}%)`;
  if (!row.gated) return `${row.change} (not gated)`;
  return row.change;
}

/** `ping · 2026-… · rev 1a2b3c4 · 1 run` */
export function describeSide(s: ComparedSide): string {
  const rev = s.gitRevision === null ? 'no git revision' : `rev ${s.gitRevision.slice(0, 10)}`;
  return `${s.scenario} · ${s.startedAt} · ${rev} · ${s.runs === 1 ? '1 run' : `median of ${s.runs} runs`}`;
}

/** One line saying what the gate decided. */
export function gateLine(c: Comparison): string {
  if (c.tolerancePercent === null) return 'regression gate: off (add --fail-on-regression <percent> to fail on regressions)';
  if (c.regressions.length === 0) {
    return `regression gate (tolerance ${c.tolerancePercent}%): passed — no gated metric worse by more than ${c.tolerancePercent}%`;
  }
  const list = c.regressions.map((r) => `${r.label} ${formatDelta(r.deltaPercent)}`).join(', ');
  return `regression gate (tolerance ${c.tolerancePercent}%): FAILED — ${c.regressions.length} regression${c.regressions.length === 1 ? '' : 's'}: ${list}`;
}

/** The whole comparison as terminal lines (ending in a newline). */
export function formatComparison(c: Comparison): string {
  const out: string[] = [];
  out.push(`comparison with baseline ${c.baseline.label}`);
  out.push(...textTable([['  baseline', describeSide(c.baseline)], ['  current', describeSide(c.current)]], () => false));
  for (const n of c.notes) out.push(`  ! ${n}`);
  const rows: string[][] = [['  metric', 'baseline', 'current', 'change', '']];
  for (const r of c.rows) {
    rows.push([`  ${r.label}`, formatMetric(r.baseline, r.unit), formatMetric(r.current, r.unit), formatDelta(r.deltaPercent), rowVerdict(r, c.tolerancePercent)]);
  }
  out.push(...textTable(rows, (i) => i >= 1 && i <= 3));
  out.push(gateLine(c));
  return `${out.join('\n')}\n`;
}

/** How the metrics varied over repeated runs (`--repeat`): median, min … max, range. */
export function formatSpread(metrics: readonly MetricValue[]): string {
  const withSpread = metrics.filter((m) => m.spread !== undefined);
  if (withSpread.length === 0) return '';
  const runs = Math.max(...withSpread.map((m) => m.spread!.runs));
  const rows: string[][] = [['  metric', 'median', 'min', 'max', 'range']];
  for (const m of withSpread) {
    const s = m.spread!;
    rows.push([
      `  ${m.label}`,
      formatMetric(m.value, m.unit),
      formatMetric(s.min, m.unit),
      formatMetric(s.max, m.unit),
      s.rangePercent === null ? 'n/a' : `${s.rangePercent.toFixed(1)}%`,
    ]);
  }
  return `spread over ${runs} runs (range = (max − min) / median; choose a tolerance above it):\n${textTable(rows, (i) => i >= 1).join('\n')}\n`;
}
