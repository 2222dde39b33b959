/**
 * The self-contained HTML page shared by report.html and index.html.
 *
 *   <meta http-equiv="Content-Security-Policy"
 *         content="default-src 'none'; script-src 'sha256-<chart.js>' 'sha256-<charts.js>';
 *                  style-src 'sha256-<style>'; img-src data:; base-uri 'none'; form-action 'none'">
 *   <style>…</style>                             (hashed)
 *   body: server-rendered, every text escaped
 *   <script type="application/json" id="nmt-data">  (data, never executed; '<' escaped)
 *   <script>Chart.js UMD</script>                 (hashed, from node_modules)
 *   <script>client/charts.js</script>             (hashed)
 *
 * The hashes are computed here, at generation time, from the exact text
 * inlined, so the page runs under a CSP that allows nothing else: no
 * network, no other scripts or styles, no inline handlers or style
 * attributes (the markup has none), no eval.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReportError, ReportErrorCode } from './errors.ts';
import { PAGE_STYLE } from './page-style.ts';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` are
 * written as \u escapes, so no `</script>` or `<!--` can end or change the
 * block whatever the strings hold; JSON.parse reads them back unchanged.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** CSP source expression of an inline script or style. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

let chartJsCache: string | null = null;
let clientCache: string | null = null;

/**
 * Checks an asset can be inlined, and normalises its line ends: the HTML
 * parser turns CRLF into LF before the browser hashes an inline script, so
 * the CSP hash must be computed on LF text (a CRLF checkout would otherwise
 * block the charts).
 */
function inlineSafe(raw: string, what: string): string {
  const text = raw.replace(/\r\n?/g, '\n');
  if (/<\/script/i.test(text) || /<!--/.test(text)) {
    throw new ReportError(ReportErrorCode.ASSET, `${what} contains '</script' or '<!--' and cannot be inlined safely`);
  }
  return text;
}

/** The Chart.js UMD build from node_modules, without its source-map comment (nothing may be fetched). */
export function chartJsSource(): string {
  if (chartJsCache !== null) return chartJsCache;
  let file: string;
  try {
    // The package's exports hide dist/; resolve its main entry and take the UMD build beside it.
    file = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
    chartJsCache = inlineSafe(readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'), file);
  } catch (err) {
    if (err instanceof ReportError) throw err;
    throw new ReportError(
      ReportErrorCode.ASSET,
      `cannot load chart.js (${(err as Error).message}); it is a dependency of this project: run npm ci`,
    );
  }
  return chartJsCache;
}

/** The browser script that draws the charts (client/charts.js). */
export function clientScriptSource(): string {
  if (clientCache !== null) return clientCache;
  const file = join(dirname(fileURLToPath(import.meta.url)), 'client', 'charts.js');
  try {
    clientCache = inlineSafe(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if (err instanceof ReportError) throw err;
    throw new ReportError(ReportErrorCode.ASSET, `cannot read ${file}: ${(err as Error).message}`);
  }
  return clientCache;
}

/** What a page is made of. */
export interface PageParts {
  title: string;
  /** Body markup; every piece of data in it must already be escaped. */
  body: string;
  /** Serialised into the `#nmt-data` block for client/charts.js. */
  data: unknown;
}

/** The Content-Security-Policy of a page with these inline scripts and style. */
export function contentSecurityPolicy(scripts: readonly string[], style: string): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map(cspHash).join(' ')}`,
    `style-src ${cspHash(style)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** A complete, self-contained HTML document. */
export function renderPage(parts: PageParts): string {
  const scripts = [chartJsSource(), clientScriptSource()];
  const csp = contentSecurityPolicy(scripts, PAGE_STYLE);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(parts.title)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    parts.body,
    `<script type="application/json" id="nmt-data">${jsonForScript(parts.data)}</script>`,
    ...scripts.map((s) => `<script>${s}</script>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
