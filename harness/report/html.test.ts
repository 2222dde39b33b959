import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { buildIndexData, hrefOf } from './index-data.ts';
import { renderIndexHtml } from './index-html.ts';
import { chartJsSource, clientScriptSource, contentSecurityPolicy, cspHash, escapeHtml, jsonForScript } from './html.ts';
import { PAGE_STYLE } from './page-style.ts';
import { buildReportData } from './report-data.ts';
import { renderReportHtml } from './report-html.ts';
import { HOSTILE, makeResults } from './test-support.ts';

describe('escapeHtml', () => {
  it.each([
    ['<b>', '&#60;b&#62;'],
    ['a & b', 'a &#38; b'],
    [`"x" 'y'`, '&#34;x&#34; &#39;y&#39;'],
    ['plain', 'plain'],
    [42, '42'],
  ])('%j → %j', (input, out) => {
    expect(escapeHtml(input)).toBe(out);
  });
});

describe('jsonForScript', () => {
  it('cannot end the script block, and parses back unchanged', () => {
    const data = { s: HOSTILE, t: '</script><!-- -->', u: '\u2028' };
    const text = jsonForScript(data);
    expect(text).not.toMatch(/[<>&]/);
    expect(JSON.parse(text)).toEqual(data);
  });
});

/** Inline <script> and <style> bodies of a page, and its CSP. */
function pageParts(html: string) {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1]!.replaceAll('&#39;', "'");
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
  const data = /<script type="application\/json" id="nmt-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  return { csp, scripts, styles, data };
}

const sha = (t: string): string => `'sha256-${createHash('sha256').update(t).digest('base64')}'`;

describe('report.html', () => {
  const r = makeResults({ name: 'xss-run', description: HOSTILE });
  r.warnings.push({ code: 'NMT_WARN_HARNESS_SATURATED', message: HOSTILE });
  r.thresholds[0]!.expr = `errors.count == 0 ${HOSTILE}`;
  const html = renderReportHtml(buildReportData(r));
  const parts = pageParts(html);

  it('escapes every user string: no markup from the results reaches the page', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    // Exactly the two inline scripts (Chart.js, charts.js) plus the JSON data block.
    expect(html.match(/<script/g)).toHaveLength(3);
  });

  it('has a strict CSP whose hashes match exactly the inline scripts and style', () => {
    expect(parts.scripts).toEqual([chartJsSource(), clientScriptSource()]);
    expect(parts.styles).toEqual([PAGE_STYLE]);
    expect(parts.csp).toBe(contentSecurityPolicy(parts.scripts, PAGE_STYLE));
    expect(parts.csp).toContain("default-src 'none'");
    expect(parts.csp).toContain(`script-src ${sha(parts.scripts[0]!)} ${sha(parts.scripts[1]!)}`);
    expect(parts.csp).toContain(`style-src ${sha(PAGE_STYLE)}`);
    expect(cspHash('x')).toBe(sha('x'));
  });

  it('needs nothing from outside: no external URLs, inline handlers, style attributes or source maps', () => {
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '');
    expect(markup).not.toMatch(/\s(src|href)="https?:/i);
    expect(markup).not.toMatch(/\son[a-z]+="/i);
    expect(markup).not.toMatch(/\sstyle="/i);
    expect(html).not.toContain('sourceMappingURL');
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('carries the chart data for the browser script', () => {
    const data = JSON.parse(parts.data);
    expect(data.kind).toBe('run');
    expect(data.charts.seconds).toEqual([0, 1, 2, 3]);
    expect(data.charts.curves[0].request).toBe('PingReq');
  });

  it('has a canvas for every chart the data can draw', () => {
    const ids = [...html.matchAll(/<canvas id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['chart-throughput', 'chart-latency', 'chart-connections', 'chart-errors', 'chart-server', 'chart-harness', 'chart-curve-0']);
  });

  it('shows the verdict, thresholds, saturation warning first, scenario and environment', () => {
    expect(html).toMatch(/<span class="verdict pass" id="verdict">PASSED<\/span>/);
    expect(html).toContain('<div class="warning saturation"><strong>NMT_WARN_HARNESS_SATURATED</strong>');
    expect(html).toContain('Scenario as run');
    expect(html).toContain('unit-host');
    expect(html).toContain('0123456789abcdef0123456789abcdef01234567');
  });

  it('says when the server was not monitored instead of drawing an empty chart', () => {
    const r2 = makeResults();
    for (const p of r2.series) p.server = null;
    const h2 = renderReportHtml(buildReportData(r2));
    expect(h2).not.toContain('id="chart-server"');
    expect(h2).toContain('Not monitored');
  });
});

describe('index.html', () => {
  const runs = [
    { path: '/reports/b/results.json', dir: '/reports/b', results: makeResults({ name: 'sc', startedAt: '2026-01-02T00:00:00.000Z' }) },
    { path: '/reports/a x/results.json', dir: '/reports/a x', results: makeResults({ name: 'sc', description: HOSTILE, startedAt: '2026-01-01T00:00:00.000Z', rps: 100 }) },
  ];
  const data = buildIndexData({ runs, skipped: [{ path: '/reports/c/results.json', reason: `bad ${HOSTILE}` }], truncated: 0 }, '/reports');
  const html = renderIndexHtml(data);

  it('lists runs newest first with encoded links', () => {
    expect(data.runs.map((x) => x.started)).toEqual(['2026-01-02 00:00:00', '2026-01-01 00:00:00']);
    expect(data.runs[1]!.href).toBe('a%20x/results.json');
    expect(html).toContain('href="a%20x/results.json"');
  });

  it('draws trends oldest → newest per scenario', () => {
    expect(data.trends).toHaveLength(1);
    expect(data.trends[0]!.points.map((p) => p.rps)).toEqual([100, 250]);
    expect(data.trends[0]!.points[0]!.p99Ms).toBeCloseTo(1.089, 2);
    expect(html).toContain('id="chart-trend-0-rps"');
    expect(html).toContain('id="chart-trend-0-errors"');
  });

  it('escapes descriptions and skip reasons', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('skipped /reports/c/results.json: bad &#60;script&#62;');
  });

  it('shows dashes and markers for what a run did not have', () => {
    const r = makeResults({ name: 'bare', status: 'interrupted', exitCode: 130 });
    r.summary.overall.errors.rate = null;
    r.summary.overall.connections.maxOpen = null;
    r.histograms.overall.requests = {};
    r.environment.gitRevision = null;
    const dirty = makeResults({ name: 'dirty' });
    dirty.environment.gitDirty = true;
    const d = buildIndexData({ runs: [{ path: '/r/b/results.json', dir: '/r/b', results: r }, { path: '/r/d/results.json', dir: '/r/d', results: dirty }], skipped: [], truncated: 3 }, '/r');
    expect(d.runs[0]).toMatchObject({ p99: '-', errors: '2', maxOpen: '-', revision: '-', tone: 'warn', hasReport: false });
    expect(d.runs[1]!.revision).toBe('0123456789+');
    expect(d.trends.find((t) => t.scenario === 'bare')!.points[0]).toMatchObject({ p99Ms: null, errorPercent: null });
    const page = renderIndexHtml(d);
    expect(page).toContain('3 older results.json files were left out');
    expect(renderIndexHtml({ ...d, runs: [], trends: [], truncated: 0 })).toContain('No runs yet');
  });

  it('builds relative hrefs segment by segment', () => {
    expect(hrefOf('/r', '/r/x y/#1/report.html')).toBe('x%20y/%231/report.html');
  });
});
