import { describe, expect, it } from 'vitest';
import { DisconnectReason, PacketId } from '../../protocol/index.ts';
import { EngineMetrics, Limit } from './metrics.ts';
import { renderPrometheus, type ScrapeGauges } from './prometheus.ts';

const gauges: ScrapeGauges = { sessionsConnecting: 1, sessionsConnected: 2, sessionsDisconnecting: 0, pendingRejections: 0, up: 1, uptimeSeconds: 3 };
/** name{labels} value, per the text format. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('renderPrometheus', () => {
  const m = new EngineMetrics();
  m.countIn(PacketId.PingReq, 16);
  m.countIn(PacketId.PingReq, 16);
  m.countOut(PacketId.PongRes, 24);
  m.violation(DisconnectReason.UnknownPacketId);
  m.disconnect(DisconnectReason.RateLimited);
  m.disconnectsByPeer = 4;
  m.hit(Limit.RateLimit);
  m.sessionsOpened = 5;
  const text = renderPrometheus(m, gauges, null);

  it('renders well-formed lines only', () => {
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      expect(line).toMatch(SAMPLE);
    }
  });

  it.each([
    ['nmt_packets_in_total{id="0x0003",name="PingReq"}', 2],
    ['nmt_bytes_in_total{id="0x0003",name="PingReq"}', 32],
    ['nmt_packets_out_total{id="0x0004",name="PongRes"}', 1],
    ['nmt_violations_total{reason="UnknownPacketId"}', 1],
    ['nmt_disconnects_total{reason="RateLimited"}', 1],
    ['nmt_disconnects_total{reason="PeerClosed"}', 4],
    ['nmt_limit_hits_total{limit="rate_limit"}', 1],
    ['nmt_limit_hits_total{limit="max_sessions"}', 0],
    ['nmt_sessions_current{state="connected"}', 2],
    ['nmt_sessions_total', 5],
    ['nmt_up', 1],
  ])('%s = %d', (series, value) => {
    expect(sample(text, series)).toBe(value);
  });

  it('omits ids and reasons never seen', () => {
    expect(text).not.toContain('name="SessionConnectReq"');
    expect(text).not.toContain('nmt_violations_total{reason="NotConnected"}');
  });

  it('declares each family once with HELP and TYPE', () => {
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    const names = types.map((l) => l.split(' ')[2]);
    expect(new Set(names).size).toBe(names.length);
    expect(types).toContain('# TYPE nmt_packets_in_total counter');
    expect(types).toContain('# TYPE nmt_process_resident_memory_bytes gauge');
  });

  it('reports process memory and CPU', () => {
    expect(sample(text, 'nmt_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'nmt_process_cpu_seconds_total{mode="user"}')).toBeGreaterThan(0);
  });
});

describe('renderPrometheus extra families (transports, authenticators)', () => {
  it('appends each family with HELP, TYPE and its samples, labels escaped', () => {
    const text = renderPrometheus(new EngineMetrics(), gauges, null, [
      { name: 'nmt_tls_handshakes_total', type: 'counter', help: 'TLS handshakes completed.', samples: [{ labels: { transport: 'tls' }, value: 4 }] },
      { name: 'nmt_auth_pending', type: 'gauge', help: 'Pending.', samples: [{ value: 2 }, { labels: { odd: 'a"b' }, value: 1 }] },
    ]);
    expect(text).toContain('# TYPE nmt_tls_handshakes_total counter\nnmt_tls_handshakes_total{transport="tls"} 4\n');
    expect(sample(text, 'nmt_auth_pending')).toBe(2);
    expect(text).toContain('nmt_auth_pending{odd="a\\"b"} 1');
    for (const line of text.trimEnd().split('\n')) if (!line.startsWith('#')) expect(line).toMatch(SAMPLE);
  });
});
