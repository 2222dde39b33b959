/**
 * The one stylesheet of report.html and index.html, inlined and allowed by
 * its CSP hash. System fonts only: a web font would be a network request.
 * Chart containers have fixed heights because Chart.js sizes a responsive
 * canvas to its parent.
 */
export const PAGE_STYLE = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --pass: #15803d; --fail: #b91c1c; --warn: #b45309; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 16px 24px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
p, li { margin: 4px 0; }
.muted { color: var(--muted); }
.verdict { display: inline-block; padding: 4px 12px; border-radius: 4px; font-weight: 700; color: #fff; margin-right: 8px; }
.verdict.pass { background: var(--pass); } .verdict.fail { background: var(--fail); } .verdict.warn { background: var(--warn); } .verdict.neutral { background: var(--muted); }
.tone-pass { color: var(--pass); font-weight: 600; } .tone-fail { color: var(--fail); font-weight: 600; } .tone-warn { color: var(--warn); font-weight: 600; }
.headline { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; padding: 0; list-style: none; }
.headline li { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 140px; }
.headline .k { display: block; font-size: 12px; color: var(--muted); }
.headline .v { display: block; font-size: 20px; font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td { background: #fef2f2; } tr.pass td { background: #f0fdf4; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 18px; }
.charts.small { grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart { position: relative; height: 300px; }
.charts.small .chart { height: 220px; }
.warning { border-left: 4px solid var(--warn); background: #fffbeb; padding: 6px 10px; margin: 6px 0; white-space: pre-wrap; }
.warning.saturation { border-left-color: var(--fail); background: #fef2f2; }
pre { background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; font-size: 12px; }
code { font-size: 12px; }
.chart-error { color: var(--fail); }
a { color: #1d4ed8; }
`;
