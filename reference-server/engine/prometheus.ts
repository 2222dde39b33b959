/**
 * Renders engine metrics in the Prometheus text exposition format (0.0.4).
 * Runs only on scrape; cost is proportional to the number of packet ids
 * seen, never to traffic.
 */
import type { IntervalHistogram } from 'node:perf_hooks';
import { disconnectReasonName, packetName } from '../../protocol/index.ts';
import { LIMIT_LABELS, type EngineMetrics } from './metrics.ts';

/** Content-Type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Values sampled at scrape time besides the counters. */
export interface ScrapeGauges {
  /** Admitted sessions per state. */
  sessionsConnecting: number;
  sessionsConnected: number;
  sessionsDisconnecting: number;
  /** Over-capacity connections waiting for their SERVER_FULL answer. */
  pendingRejections: number;
  /** 1 while listening, 0 while shutting down. */
  up: number;
  uptimeSeconds: number;
}

type Labels = Record<string, string>;

/** One sample of a {@link MetricFamily}. */
export interface MetricSample {
  labels?: Readonly<Labels>;
  value: number;
}

/**
 * A metric family contributed by a part outside the engine's own counters
 * (a transport's TLS handshake counters, the JWT authenticator's failures).
 * Providers build these on scrape only; label values must come from a
 * fixed set, never from peer input, so a hostile peer cannot grow the series.
 */
export interface MetricFamily {
  /** `nmt_...`; `_total` for counters. */
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: readonly MetricSample[];
}

/** Returns families to append to each scrape. Called only when scraped. */
export type MetricsProvider = () => readonly MetricFamily[];

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Accumulates one exposition; families are written HELP, TYPE, samples. */
class Exposition {
  private readonly out: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string): this {
    this.out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels?: Labels): this {
    if (labels === undefined) {
      this.out.push(`${name} ${fmt(value)}`);
    } else {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      this.out.push(`${name}{${l}} ${fmt(value)}`);
    }
    return this;
  }

  text(): string {
    return this.out.join('\n') + '\n';
  }
}

function idLabels(id: number): Labels {
  return { id: `0x${id.toString(16).padStart(4, '0')}`, name: packetName(id) };
}

function perId(x: Exposition, name: string, help: string, counts: Float64Array): void {
  x.family(name, 'counter', help);
  for (let id = 0; id < counts.length; id++) {
    const v = counts[id]!;
    if (v !== 0) x.sample(name, v, idLabels(id));
  }
}

function perReason(x: Exposition, name: string, help: string, counts: Float64Array, extra: [string, number][] = []): void {
  x.family(name, 'counter', help);
  for (let r = 0; r < counts.length; r++) {
    const v = counts[r]!;
    if (v !== 0) x.sample(name, v, { reason: disconnectReasonName(r) });
  }
  for (const [label, v] of extra) x.sample(name, v, { reason: label });
}

/**
 * Renders everything. `loopDelay` is reset afterwards by the caller so each
 * scrape reports the lag since the previous one. `extra` families (from
 * transports and applications) are appended after the engine's own.
 */
export function renderPrometheus(
  m: EngineMetrics,
  g: ScrapeGauges,
  loopDelay: IntervalHistogram | null,
  extra: readonly MetricFamily[] = [],
): string {
  const x = new Exposition();
  x.family('nmt_up', 'gauge', '1 while the server accepts sessions, 0 while shutting down.').sample('nmt_up', g.up);
  x.family('nmt_uptime_seconds', 'gauge', 'Seconds since the server started listening.').sample('nmt_uptime_seconds', g.uptimeSeconds);

  x.family('nmt_sessions_current', 'gauge', 'Admitted sessions open now, by state.');
  x.sample('nmt_sessions_current', g.sessionsConnecting, { state: 'connecting' });
  x.sample('nmt_sessions_current', g.sessionsConnected, { state: 'connected' });
  x.sample('nmt_sessions_current', g.sessionsDisconnecting, { state: 'disconnecting' });
  x.family('nmt_sessions_total', 'counter', 'Sessions admitted since start.').sample('nmt_sessions_total', m.sessionsOpened);
  x.family('nmt_sessions_connected_total', 'counter', 'Sessions whose handshake succeeded since start.').sample('nmt_sessions_connected_total', m.sessionsConnected);
  x.family('nmt_connections_accepted_total', 'counter', 'TCP connections accepted, admitted or not.').sample('nmt_connections_accepted_total', m.connectionsAccepted);
  x.family('nmt_pending_rejections', 'gauge', 'Over-capacity connections waiting for their SERVER_FULL answer.').sample('nmt_pending_rejections', g.pendingRejections);
  x.family('nmt_sessions_paused', 'gauge', 'Sessions whose reading is paused for backpressure now.').sample('nmt_sessions_paused', m.sessionsPaused);
  x.family('nmt_outbound_peak_bytes', 'gauge', 'Largest unsent output of any one session since start.').sample('nmt_outbound_peak_bytes', m.outboundPeakBytes);

  perId(x, 'nmt_packets_in_total', 'Packets received, by packet id.', m.packetsIn);
  perId(x, 'nmt_bytes_in_total', 'Packet bytes received (header included), by packet id.', m.bytesIn);
  perId(x, 'nmt_packets_out_total', 'Packets sent, by packet id.', m.packetsOut);
  perId(x, 'nmt_bytes_out_total', 'Packet bytes sent (header included), by packet id.', m.bytesOut);
  x.family('nmt_socket_bytes_received_total', 'counter', 'Raw bytes read from sockets.').sample('nmt_socket_bytes_received_total', m.bytesReceived);
  x.family('nmt_socket_bytes_sent_total', 'counter', 'Raw bytes written to sockets.').sample('nmt_socket_bytes_sent_total', m.bytesSent);
  x.family('nmt_socket_bytes_discarded_total', 'counter', 'Bytes read and dropped from closing sessions.').sample('nmt_socket_bytes_discarded_total', m.bytesDiscarded);
  x.family('nmt_socket_writes_total', 'counter', 'Socket writes (one per session per event-loop turn with output).').sample('nmt_socket_writes_total', m.socketWrites);

  perReason(x, 'nmt_violations_total', 'Protocol violations by peers, by DisconnectReason.', m.violations);
  perReason(x, 'nmt_disconnects_total', 'Sessions closed, by DisconnectReason sent, or PeerClosed / TransportError.', m.disconnects, [
    ['PeerClosed', m.disconnectsByPeer],
    ['TransportError', m.disconnectsByTransportError],
  ]);
  x.family('nmt_limit_hits_total', 'counter', 'Times each configured limit fired.');
  for (let i = 0; i < LIMIT_LABELS.length; i++) x.sample('nmt_limit_hits_total', m.limitHits[i]!, { limit: LIMIT_LABELS[i]! });
  x.family('nmt_handler_errors_total', 'counter', 'Handler exceptions that were server bugs (session closed with InternalError).').sample('nmt_handler_errors_total', m.handlerErrors);
  x.family('nmt_hook_errors_total', 'counter', 'Exceptions thrown by session hooks.').sample('nmt_hook_errors_total', m.hookErrors);

  if (loopDelay !== null) {
    const hasSamples = loopDelay.count > 0;
    const s = (ns: number): number => (hasSamples ? ns / 1e9 : 0);
    x.family('nmt_eventloop_lag_seconds', 'gauge', 'Event-loop delay since the previous scrape, by quantile (perf_hooks.monitorEventLoopDelay).');
    for (const q of [0.5, 0.9, 0.99]) x.sample('nmt_eventloop_lag_seconds', s(loopDelay.percentile(q * 100)), { quantile: String(q) });
    x.family('nmt_eventloop_lag_max_seconds', 'gauge', 'Largest event-loop delay since the previous scrape.').sample('nmt_eventloop_lag_max_seconds', s(loopDelay.max));
    x.family('nmt_eventloop_lag_mean_seconds', 'gauge', 'Mean event-loop delay since the previous scrape.').sample('nmt_eventloop_lag_mean_seconds', s(loopDelay.mean));
  }

  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  x.family('nmt_process_resident_memory_bytes', 'gauge', 'Resident set size.').sample('nmt_process_resident_memory_bytes', mem.rss);
  x.family('nmt_process_heap_used_bytes', 'gauge', 'V8 heap in use.').sample('nmt_process_heap_used_bytes', mem.heapUsed);
  x.family('nmt_process_external_memory_bytes', 'gauge', 'Memory outside the V8 heap (Buffers included).').sample('nmt_process_external_memory_bytes', mem.external);
  x.family('nmt_process_cpu_seconds_total', 'counter', 'CPU time used by the process, by mode.');
  x.sample('nmt_process_cpu_seconds_total', cpu.user / 1e6, { mode: 'user' });
  x.sample('nmt_process_cpu_seconds_total', cpu.system / 1e6, { mode: 'system' });
  for (const f of extra) {
    x.family(f.name, f.type, f.help);
    for (const s of f.samples) x.sample(f.name, s.value, s.labels);
  }
  return x.text();
}
