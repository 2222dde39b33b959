/**
 * summary.md: the run (or a `--repeat` set) in GitHub-flavoured Markdown,
 * short enough for a CI job summary page (`cat summary.md >> $GITHUB_STEP_SUMMARY`):
 * verdict, key figures, thresholds, requests, the baseline comparison and
 * the gate, warnings. Text from the results is escaped (scenario names and
 * descriptions are user input; a table cell must not break its row).
 */
import type { ResultsV1 } from '../runner/results.ts';
import type { Comparison } from './compare.ts';
import { formatMetric } from './format-comparison.ts';
import type { MetricValue } from './metric-set.ts';
import { buildTables, type ReportTables } from './report-data.ts';

/** Escapes text for a Markdown paragraph or table cell (one line, no markup, no HTML). */
export function mdText(value: unknown): string {
  return String(value)
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#!])/g, '\\$1');
}

function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${headers.map(mdText).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(mdText).join(' | ')} |`)];
}

const ICON: Record<string, string> = { pass: '✅', fail: '❌', warn: '⚠️', neutral: 'ℹ️' };

function runSection(t: ReportTables, heading: string): string[] {
  const out: string[] = [];
  out.push(`## ${ICON[t.verdict.tone]} ${mdText(heading)} — ${mdText(t.verdict.text)} (exit ${t.verdict.exitCode})`);
  if (t.scenario.description !== '') out.push('', mdText(t.scenario.description));
  out.push('', ...t.verdict.details.map((d) => `- ${mdText(d)}`));
  out.push('', ...mdTable(t.headline.map((h) => h.key), [t.headline.map((h) => h.value)]));
  if (t.thresholds.length > 0) {
    out.push('', '### Thresholds', '', ...mdTable(['', 'threshold', 'measured', 'target', 'note'], t.thresholds.map((x) => [x.ok ? '✅' : '❌', x.expr, x.measured, x.target, x.note])));
  }
  if (t.requests.length > 0) {
    out.push(
      '',
      '### Requests (corrected latency)',
      '',
      ...mdTable(['request', 'sent', 'responses', 'rps', 'errors', 'p50', 'p90', 'p99', 'p99.9', 'max'], t.requests.map((q) => [q.name, q.sent, q.responses, q.rps, q.errors, ...q.corrected])),
    );
  }
  if (t.warnings.length > 0) out.push('', '### Warnings', '', ...t.warnings.map((w) => `- ⚠️ **${mdText(w.code)}** ${mdText(w.message)}`));
  return out;
}

function comparisonSection(t: ReportTables['comparison']): string[] {
  if (t === null) return [];
  return [
    '',
    '### Comparison with baseline',
    '',
    `${ICON[t.tone]} ${mdText(t.gate)}`,
    '',
    `- baseline: ${mdText(t.baseline)}`,
    `- current: ${mdText(t.current)}`,
    ...t.notes.map((n) => `- ⚠️ ${mdText(n)}`),
    '',
    ...mdTable(['metric', 'baseline', 'current', 'change', 'verdict'], t.rows.map((r) => [r.metric, r.baseline, r.current, r.change, r.verdict])),
  ];
}

/** summary.md of one run. */
export function renderRunMarkdown(r: ResultsV1, comparison: Comparison | null = null): string {
  const t = buildTables(r, comparison);
  return `${[...runSection(t, t.scenario.name), ...comparisonSection(t.comparison)].join('\n')}\n`;
}

/** summary.md of a `--repeat` set: one line per run, the spread, the median comparison. */
export function renderSetMarkdown(runs: readonly ResultsV1[], medians: readonly MetricValue[], comparison: Comparison | null, exitCode: number): string {
  const first = runs[0]!;
  const bad = runs.some((r) => r.run.status !== 'passed') || exitCode !== 0;
  const out: string[] = [`## ${bad ? ICON.fail : ICON.pass} ${mdText(first.scenario.name)} — ${runs.length} runs (exit ${exitCode})`];
  if (first.scenario.description !== '') out.push('', mdText(first.scenario.description));
  const rows = runs.map((r, i) => {
    const t = buildTables(r);
    const h = Object.fromEntries(t.headline.map((x) => [x.key, x.value]));
    return [String(i + 1), r.run.startedAt, t.verdict.text, h['responses/s'] ?? '-', h['latency p99'] ?? '-', h['errors'] ?? '-'];
  });
  out.push('', ...mdTable(['run', 'started', 'result', 'responses/s', 'p99', 'errors'], rows));
  const varied = medians.filter((m) => m.spread !== undefined);
  if (varied.length > 0) {
    out.push(
      '',
      '### Spread over the runs',
      '',
      'range = (max − min) / median; a regression tolerance should be above it.',
      '',
      ...mdTable(
        ['metric', 'median', 'min', 'max', 'range'],
        varied.map((m) => [m.label, formatMetric(m.value, m.unit), formatMetric(m.spread!.min, m.unit), formatMetric(m.spread!.max, m.unit), m.spread!.rangePercent === null ? 'n/a' : `${m.spread!.rangePercent.toFixed(1)}%`]),
      ),
    );
  }
  out.push(...comparisonSection(buildTables(first, comparison).comparison));
  return `${out.join('\n')}\n`;
}
