/**
 * report.html of one run: {@link ReportData} laid out as one self-contained
 * page (html.ts). Every string from the results — scenario names and
 * descriptions are user input — goes through {@link escapeHtml}; charts are
 * drawn from the JSON data block by client/charts.js.
 */
import { escapeHtml, renderPage } from './html.ts';
import { LATENCY_COLUMNS, type KeyValue, type ReportData, type Tone } from './report-data.ts';

const e = escapeHtml;

/** `<table>` of key/value rows. */
export function kvTable(rows: readonly KeyValue[]): string {
  return `<table>${rows.map((r) => `<tr><th>${e(r.key)}</th><td>${e(r.value)}</td></tr>`).join('')}</table>`;
}

/** `<table>` with a header row; `num` marks right-aligned columns; `rowClass` tints rows. */
export function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[], num: (col: number) => boolean = () => false, rowClass: (row: number) => string = () => ''): string {
  const cls = (i: number): string => (num(i) ? ' class="num"' : '');
  const head = `<tr>${headers.map((h, i) => `<th${cls(i)}>${e(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r, ri) => {
      const rc = rowClass(ri);
      return `<tr${rc === '' ? '' : ` class="${e(rc)}"`}>${r.map((c, i) => `<td${cls(i)}>${e(c)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<table>${head}${body}</table>`;
}

/** A chart slot: a captioned figure with a canvas client/charts.js draws into. */
export function chartFigure(id: string, caption: string, note = ''): string {
  return `<figure><figcaption>${e(caption)}</figcaption><div class="chart"><canvas id="${e(id)}" role="img" aria-label="${e(caption)}"></canvas></div>${note === '' ? '' : `<p class="muted">${e(note)}</p>`}</figure>`;
}

const toneClass = (t: Tone): string => (t === 'neutral' ? '' : `tone-${t}`);

function header(d: ReportData): string {
  const t = d.tables;
  const v = t.verdict;
  const cmp = t.comparison;
  const regressionBadge = cmp !== null && cmp.tone === 'fail' ? `<span class="verdict fail">REGRESSION</span>` : '';
  return [
    `<h1>${e(t.scenario.name)}</h1>`,
    t.scenario.description === '' ? '' : `<p class="muted">${e(t.scenario.description)}</p>`,
    `<p><span class="verdict ${e(v.tone)}" id="verdict">${e(v.text)}</span>${regressionBadge}exit code ${e(v.exitCode)} · ${e(t.run[0]?.value ?? '')}</p>`,
    v.details.map((x) => `<p>${e(x)}</p>`).join(''),
    `<ul class="headline">${t.headline.map((h) => `<li><span class="k">${e(h.key)}</span><span class="v">${e(h.value)}</span></li>`).join('')}</ul>`,
  ].join('\n');
}

function warnings(d: ReportData): string {
  const w = d.tables.warnings;
  if (w.length === 0) return '';
  // Saturation first: it changes how every latency on the page should be read.
  const sorted = [...w].sort((a, b) => Number(b.saturation) - Number(a.saturation));
  return `<h2>Warnings</h2>${sorted.map((x) => `<div class="warning${x.saturation ? ' saturation' : ''}"><strong>${e(x.code)}</strong> ${e(x.message)}</div>`).join('')}`;
}

function thresholds(d: ReportData): string {
  const rows = d.tables.thresholds;
  if (rows.length === 0) return '<h2>Thresholds</h2><p class="muted">The scenario has no thresholds.</p>';
  return `<h2>Thresholds</h2>${htmlTable(
    ['', 'threshold', 'measured', 'target', 'note'],
    rows.map((r) => [r.ok ? '✓ pass' : '✗ fail', r.expr, r.measured, r.target, r.note]),
    () => false,
    (i) => (rows[i]!.ok ? 'pass' : 'fail'),
  )}`;
}

function comparison(d: ReportData): string {
  const c = d.tables.comparison;
  if (c === null) return '';
  return [
    '<h2 id="comparison">Comparison with baseline</h2>',
    `<p class="${toneClass(c.tone)}">${e(c.gate)}</p>`,
    `<p>baseline: ${e(c.baseline)}<br>current: ${e(c.current)}</p>`,
    c.notes.map((n) => `<div class="warning">${e(n)}</div>`).join(''),
    htmlTable(
      ['metric', 'baseline', 'current', 'change', 'verdict'],
      c.rows.map((r) => [r.metric, r.baseline, r.current, r.change, r.verdict]),
      (i) => i >= 1 && i <= 3,
      (i) => c.rows[i]!.tone === 'fail' ? 'fail' : '',
    ),
  ].join('\n');
}

function timeCharts(d: ReportData): string {
  const c = d.charts;
  const sat = c.harness !== null && c.harness.saturatedSeconds.length > 0;
  return [
    '<h2>Over time</h2>',
    c.phases.length > 1 ? '<p class="muted">Dashed vertical lines mark phase starts.</p>' : '',
    '<div class="charts">',
    chartFigure('chart-throughput', 'Requests per second'),
    chartFigure('chart-latency', 'Latency per second: p50 / p90 / p99 / max (corrected)'),
    chartFigure('chart-connections', 'Connections: open, established, failed, closed'),
    chartFigure('chart-errors', 'Errors per second by kind', c.errors.length === 0 ? 'No errors.' : ''),
    c.server === null
      ? '<figure><figcaption>Server RSS and CPU</figcaption><p class="muted">Not monitored: no embedded server and no target metrics URL.</p></figure>'
      : chartFigure('chart-server', 'Server RSS and CPU'),
    c.harness === null
      ? '<figure><figcaption>Load generator CPU and event-loop lag</figcaption><p class="muted">No self-monitoring samples.</p></figure>'
      : chartFigure(
          'chart-harness',
          'Load generator (harness) CPU and event-loop lag',
          sat ? `Red bands: seconds in which a worker was saturated (CPU above ${c.harness!.cpuLimitPercent}% or lag p99 above ${c.harness!.lagLimitMs} ms).` : 'No saturated seconds.',
        ),
    '</div>',
  ].join('\n');
}

function curves(d: ReportData): string {
  const list = d.charts.curves;
  if (list.length === 0) return '<h2>Latency distribution</h2><p class="muted">No latency samples (no request expected a response).</p>';
  return [
    '<h2>Latency distribution (percentile curves)</h2>',
    '<p class="muted">HdrHistogram style: the x axis is logarithmic in 1/(1 − percentile), so each step right is one more nine. Corrected latency counts from the intended send time (open models); uncorrected from the actual send.</p>',
    '<div class="charts">',
    list.map((c, i) => chartFigure(`chart-curve-${i}`, `${c.request}: latency by percentile`)).join('\n'),
    '</div>',
  ].join('\n');
}

function details(d: ReportData): string {
  const t = d.tables;
  const lat = LATENCY_COLUMNS.map((c) => c);
  const reqRows = t.requests.flatMap((q) => [
    [q.name, q.sent, q.responses, q.rps, q.errors, 'corrected', ...q.corrected],
    ['', '', '', '', '', 'uncorrected', ...q.uncorrected],
  ]);
  return [
    '<h2>Requests</h2>',
    t.requests.length === 0 ? '<p class="muted">No requests.</p>' : htmlTable(['request', 'sent', 'responses', 'rps', 'errors', 'latency', ...lat], reqRows, (i) => (i >= 1 && i <= 4) || i >= 6),
    '<h2>Connections and errors</h2>',
    kvTable(t.connections),
    t.errorsByKind.length === 0 ? '<p>No errors.</p>' : `<h3>Errors by kind</h3>${kvTable(t.errorsByKind)}`,
    '<h2>Resources</h2>',
    kvTable(t.resources),
    '<h2>Phases</h2>',
    htmlTable(['phase', 'executor', 'planned', 'started at', 'ended at'], t.phases.map((p) => [p.name, p.executor, p.planned, p.start, p.end])),
    '<h2>Scenario as run</h2>',
    `<p>source: <code>${e(t.scenario.source)}</code> (after defaults and command-line overrides; durations in ms)</p>`,
    `<details><summary>show the scenario (YAML)</summary><pre>${e(t.scenario.yaml)}</pre></details>`,
    '<h2>Run</h2>',
    kvTable(t.run),
    '<h2>Environment</h2>',
    kvTable(t.environment),
  ].join('\n');
}

/** The whole report.html. */
export function renderReportHtml(d: ReportData): string {
  const body = [
    header(d),
    warnings(d),
    thresholds(d),
    comparison(d),
    timeCharts(d),
    curves(d),
    details(d),
    `<p class="muted">Generated by network-module-test (npm run report). Self-contained: opens offline, makes no requests.</p>`,
  ].join('\n');
  return renderPage({ title: `${d.tables.scenario.name} — ${d.tables.verdict.text} — bench report`, body, data: { kind: 'run', charts: d.charts } });
}
