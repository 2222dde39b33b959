/**
 * The end-of-run summary printed on stdout: a plain-text rendering of
 * results.json (so the table and the file never disagree).
 *
 *   request    sent  responses    rps    p50    p90     p99     max
 *   PingReq  201240     201234  10.1k  412µs  801µs  1.92ms  12.1ms  corrected
 *                                      410µs  800µs  1.90ms  12.1ms  uncorrected
 */
import type { HistogramSummary } from '../metrics/histogram.ts';
import { formatValue, textTable } from '../thresholds/format.ts';
import type { ResultsV1 } from '../runner/results.ts';
import { formatCalibration } from '../calibrate/report.ts';

const t = (v: number): string => formatValue(v, 'time');

function latencyCells(h: HistogramSummary): string[] {
  return h.count === 0 ? ['-', '-', '-', '-'] : [t(h.p50), t(h.p90), t(h.p99), t(h.max)];
}

const STATUS_TEXT: Record<string, string> = {
  passed: 'PASSED',
  'thresholds-failed': 'THRESHOLDS FAILED',
  interrupted: 'INTERRUPTED',
  error: 'RUN ERROR',
};

/** Renders the summary; `resultsPath` is where results.json was written (null if it was not). */
export function formatSummary(r: ResultsV1, resultsPath: string | null): string {
  const out: string[] = [];
  const o = r.summary.overall;
  const servers =
    r.run.servers.length > 0
      ? `${r.run.servers.length} embedded server(s) (pid ${r.run.servers.map((s) => s.pid).join(', ')})`
      : r.run.endpoints.map((e) => `${e.host}:${e.port}`).join(', ');
  out.push(`scenario ${r.scenario.name}${r.scenario.description === '' ? '' : ` — ${r.scenario.description}`}`);
  out.push(
    `ran ${(o.durationMs / 1000).toFixed(1)} s measured (${(r.run.durationMs / 1000).toFixed(1)} s wall) · ` +
      `${r.run.workers.workers} worker(s) · target ${servers}`,
  );
  out.push('');

  const rows: string[][] = [['request', 'sent', 'responses', 'rps', 'p50', 'p90', 'p99', 'max', '']];
  for (const q of o.requests) {
    if (q.latency.count === 0) {
      // Fire-and-forget (no expect): nothing to time.
      rows.push([q.name, String(q.sent), String(q.responses), formatValue(q.rps, 'rate'), '-', '-', '-', '-', 'no latency samples']);
      continue;
    }
    rows.push([q.name, String(q.sent), String(q.responses), formatValue(q.rps, 'rate'), ...latencyCells(q.latency), 'corrected']);
    rows.push(['', '', '', '', ...latencyCells(q.latencyUncorrected), 'uncorrected']);
  }
  if (o.requests.length === 0) rows.push(['(no requests)', '', '', '', '', '', '', '', '']);
  out.push(...textTable(rows, (i) => i >= 1 && i <= 7));
  out.push('');

  const c = o.connections;
  const conn = [
    `connections: ${c.established} established of ${c.attempted} attempted, ${c.failed} failed, ${c.closed} closed`,
    `max open ${c.maxOpen ?? '-'}`,
    c.ratePerSec === null ? null : `${formatValue(c.ratePerSec, 'rate')} established`,
  ].filter((x) => x !== null);
  out.push(conn.join(', '));
  // A protocol without a handshake opens sessions with a 0 µs "handshake": nothing to show.
  if (c.connectTime.count > 0) out.push(`  connect time   p50 ${t(c.connectTime.p50)}  p99 ${t(c.connectTime.p99)}  max ${t(c.connectTime.max)}`);
  if (c.tlsTime !== undefined && c.tlsTime.count > 0) out.push(`  TLS handshake  p50 ${t(c.tlsTime.p50)}  p99 ${t(c.tlsTime.p99)}  max ${t(c.tlsTime.max)}`);
  if (c.handshakeTime.count > 0 && c.handshakeTime.max > 0) out.push(`  handshake time p50 ${t(c.handshakeTime.p50)}  p99 ${t(c.handshakeTime.p99)}  max ${t(c.handshakeTime.max)}`);
  const kinds = Object.entries(o.errors.byKind).map(([k, n]) => `${k} ${n}`);
  out.push(
    `errors: ${o.errors.count}` +
      (o.errors.rate === null ? '' : ` (${formatValue(o.errors.rate, 'ratio')} of requests + connection attempts)`) +
      (kinds.length > 0 ? ` — ${kinds.join(', ')}` : ''),
  );
  if (o.iterations.completed > 0 || o.iterations.dropped > 0) {
    out.push(`iterations: ${o.iterations.completed} completed, ${o.iterations.dropped} dropped`);
  }
  const s = r.server;
  out.push(
    s.rssBytes === null
      ? 'server: not monitored (no embedded server and no target metrics URL)'
      : `server: RSS max ${formatValue(s.rssBytes.max, 'bytes')} (mean ${formatValue(s.rssBytes.mean, 'bytes')})` +
          (s.cpuPercent === null ? '' : `, CPU max ${formatValue(s.cpuPercent.max, 'percent')} (mean ${formatValue(s.cpuPercent.mean, 'percent')}) of a core`),
  );
  const h = r.harness;
  if (h.cpuPercent !== null) {
    out.push(
      `harness: CPU max ${formatValue(h.cpuPercent.max, 'percent')} per worker` +
        (h.eventLoopLagMicros === null ? '' : `, event-loop lag p99 max ${t(h.eventLoopLagMicros.p99)}`),
    );
  }
  if (r.warnings.length > 0) {
    out.push('');
    out.push('warnings:');
    for (const w of r.warnings) out.push(`  ! ${w.message.replaceAll('\n', '\n    ')}`);
  }
  if (r.run.error !== null) {
    out.push('');
    out.push(`run error (${r.run.error.code}): ${r.run.error.message}`);
  } else if (r.run.stop !== null) {
    out.push('');
    out.push(`stopped early at ${(r.run.stop.atMs / 1000).toFixed(1)} s: ${r.run.stop.detail}`);
  }
  if (r.thresholds.length > 0) {
    out.push('');
    out.push('thresholds:');
    const trows = r.thresholds.map((x) => [
      x.ok ? '  ✓' : '  ✗',
      x.expr,
      `measured ${x.measuredText}`,
      `target ${x.op} ${x.targetText}`,
      x.reason ?? '',
    ]);
    out.push(...textTable(trows, () => false));
  }
  if (r.calibration !== undefined) {
    out.push('');
    out.push(formatCalibration(r.calibration).trimEnd());
  }
  out.push('');
  out.push(`result: ${STATUS_TEXT[r.run.status] ?? r.run.status} (exit ${r.exitCode})${resultsPath === null ? '' : ` — ${resultsPath}`}`);
  return `${out.join('\n')}\n`;
}
