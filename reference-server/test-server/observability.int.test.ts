import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodePingReq } from '../../protocol/index.ts';
import { ServerErrorCode, ServerListenError } from '../engine/index.ts';
import { PeerPool, startQuietServer, waitFor } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';

/** Value of one series in a Prometheus text body. */
function metric(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics and /healthz', () => {
  let server: RunningTestServer;
  let base: string;
  const pool = new PeerPool();

  beforeAll(async () => {
    server = await startQuietServer({ metrics: { port: 0 } });
    base = `http://127.0.0.1:${server.metricsPort}`;
  });
  afterEach(() => pool.destroyAll());
  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
  });

  it('reports traffic, sessions, violations and process stats after real traffic', async () => {
    const a = await pool.connected(server.port);
    for (let i = 0; i < 10; i++) await a.ping(i);
    const bad = await pool.connect(server.port);
    await bad.write(encodePingReq({ clientTime: 1, seq: 1 })); // NotConnected
    await bad.waitClosed();
    await waitFor(() => server.engine.sessions.count === 1, 'the violating session to close');

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await res.text();
    expect(metric(body, 'nmt_packets_in_total{id="0x0003",name="PingReq"}')).toBe(10);
    expect(metric(body, 'nmt_bytes_in_total{id="0x0003",name="PingReq"}')).toBe(160);
    expect(metric(body, 'nmt_packets_out_total{id="0x0004",name="PongRes"}')).toBe(10);
    expect(metric(body, 'nmt_packets_in_total{id="0x0001",name="SessionConnectReq"}')).toBe(1);
    expect(metric(body, 'nmt_packets_out_total{id="0x0005",name="DisconnectNotice"}')).toBe(1);
    expect(metric(body, 'nmt_sessions_current{state="connected"}')).toBe(1);
    expect(metric(body, 'nmt_sessions_total')).toBe(2);
    expect(metric(body, 'nmt_violations_total{reason="NotConnected"}')).toBe(1);
    expect(metric(body, 'nmt_disconnects_total{reason="NotConnected"}')).toBe(1);
    expect(metric(body, 'nmt_limit_hits_total{limit="rate_limit"}')).toBe(0);
    expect(metric(body, 'nmt_up')).toBe(1);
    expect(metric(body, 'nmt_eventloop_lag_seconds{quantile="0.99"}')).toBeGreaterThanOrEqual(0);
    expect(metric(body, 'nmt_process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(metric(body, 'nmt_process_cpu_seconds_total{mode="user"}')).toBeGreaterThan(0);
    expect(metric(body, 'nmt_socket_writes_total')).toBeGreaterThan(0);
  });

  it('/healthz is 200 with a JSON status while listening', async () => {
    await pool.connected(server.port);
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { status: string; sessions: number; port: number; name: string };
    expect(body).toMatchObject({ status: 'ok', name: 'TestServer', port: server.port });
    expect(body.sessions).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['GET', '/nope', 404],
    ['POST', '/metrics', 405],
    ['HEAD', '/metrics', 200],
  ])('%s %s → %d', async (method, path, status) => {
    expect((await fetch(`${base}${path}`, { method })).status).toBe(status);
  });
});

describe('listen errors', () => {
  it('game port in use → NMT_SERVER_ADDRESS_IN_USE naming the port', async () => {
    const first = await startQuietServer();
    try {
      const err = await startQuietServer({ port: first.port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServerListenError);
      expect(err).toMatchObject({ code: ServerErrorCode.ADDRESS_IN_USE, role: 'game', port: first.port });
    } finally {
      await first.shutdown();
    }
  });

  it('metrics port in use → role metrics', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const err = await startQuietServer({ metrics: { port } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ServerErrorCode.ADDRESS_IN_USE, role: 'metrics', port });
    } finally {
      holder.close();
    }
  });

  it('metrics disabled → no metrics port', async () => {
    const s = await startQuietServer({ metrics: false });
    expect(s.metricsPort).toBeNull();
    await s.shutdown();
  });
});
