/**
 * reports/index.html: the run history (newest first, each linking to its
 * report.html) and per-scenario trend charts. Same self-contained page and
 * escaping rules as report.html.
 */
import { escapeHtml, renderPage } from './html.ts';
import type { IndexData } from './index-data.ts';
import { chartFigure } from './report-html.ts';

const e = escapeHtml;

/** The whole index.html. */
export function renderIndexHtml(d: IndexData): string {
  const runRows = d.runs
    .map(
      (r) =>
        `<tr><td>${e(r.started)}</td><td><a href="${e(r.href)}">${e(r.scenario)}</a>${r.description === '' ? '' : `<br><span class="muted">${e(r.description)}</span>`}</td>` +
        `<td class="tone-${e(r.tone)}">${e(r.status)}</td><td class="num">${e(r.exitCode)}</td><td class="num">${e(r.rps)}</td><td class="num">${e(r.p99)}</td>` +
        `<td class="num">${e(r.errors)}</td><td class="num">${e(r.maxOpen)}</td><td class="num">${e(r.duration)}</td><td><code>${e(r.revision)}</code></td><td>${e(r.host)}</td></tr>`,
    )
    .join('\n');
  const trends = d.trends
    .map(
      (t, i) =>
        `<h3>${e(t.scenario)} <span class="muted">(${t.points.length} run${t.points.length === 1 ? '' : 's'})</span></h3><div class="charts small">` +
        chartFigure(`chart-trend-${i}-rps`, 'responses/s') +
        chartFigure(`chart-trend-${i}-p99`, 'latency p99 (corrected, all requests)') +
        chartFigure(`chart-trend-${i}-errors`, 'error rate') +
        '</div>',
    )
    .join('\n');
  const body = [
    '<h1>Benchmark runs</h1>',
    `<p class="muted">${d.runs.length} run${d.runs.length === 1 ? '' : 's'} under <code>${e(d.dir)}</code>, newest first. Times are UTC. Regenerated after every bench run and by <code>npm run report -- index</code>.</p>`,
    d.truncated > 0 ? `<div class="warning">${e(d.truncated)} older results.json files were left out (limit of runs read).</div>` : '',
    d.skipped.map((s) => `<div class="warning">skipped ${e(s.path)}: ${e(s.reason)}</div>`).join(''),
    d.runs.length === 0
      ? '<p>No runs yet: <code>npm run bench -- scenarios/ping.yaml</code> writes one.</p>'
      : [
          '<h2>Trends per scenario</h2>',
          trends,
          '<h2>Runs</h2>',
          `<table><tr><th>started (UTC)</th><th>scenario</th><th>status</th><th class="num">exit</th><th class="num">rps</th><th class="num">p99</th><th class="num">errors</th><th class="num">max open</th><th class="num">measured</th><th>revision</th><th>host</th></tr>${runRows}</table>`,
        ].join('\n'),
  ].join('\n');
  return renderPage({ title: 'Benchmark runs', body, data: { kind: 'index', trends: d.trends } });
}
