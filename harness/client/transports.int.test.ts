/**
 * The TestClient over every transport against the real TestServer
 * (in-process, loopback, port 0): tcp, tls, ws and wss pings; a server
 * certificate from an untrusted CA or for another name → NMT_CLIENT_TLS_FAILED;
 * a wrong WebSocket path → NMT_CLIENT_WS_UPGRADE_FAILED; WebSocket
 * backpressure seen through `send`'s return value and `waitForDrain`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { hasOpenssl } from '../../fixtures/tls/make-certs.ts';
import { startQuietServer } from '../../reference-server/testing/server-fixture.ts';
import type { RunningTestServer } from '../../reference-server/test-server/app.ts';
import { type SecureServers, startSecureServers } from './cli-test-support.ts';
import type { ClientTlsOptions, ClientTransport } from './client-options.ts';
import { type ClientError, ClientErrorCode } from './errors.ts';
import { TestClient } from './test-client.ts';

const clients: TestClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(): TestClient {
  const c = new TestClient({ requestTimeoutMs: 5000 });
  clients.push(c);
  return c;
}

async function connectError(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (err) {
    return err as ClientError;
  }
  throw new Error('connect resolved; expected a rejection');
}

describe('TestClient over plain WebSocket', () => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startQuietServer({ transport: { kind: 'ws', ws: { path: '/game' } } });
  });
  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
  });

  it('handshakes and pings; timings have no TLS part', async () => {
    const c = client();
    await c.connect({ host: '127.0.0.1', port: server.port, transport: 'ws', wsPath: '/game' });
    expect(c.transport).toBe('ws');
    expect((await c.handshake()).result).toBe(0);
    expect((await c.ping()).seq).toBe(0);
    const run = await c.pingMany(200, { inFlight: 8 });
    expect(run.count).toBe(200);
    const t = c.connectTimings!;
    expect(t.tlsHandshakeMs).toBeNull();
    expect(t.readyMs).toBeGreaterThanOrEqual(t.tcpMs);
    await c.close();
    expect(await c.closed).toBeNull();
  });

  it('a wrong path is NMT_CLIENT_WS_UPGRADE_FAILED naming the path', async () => {
    const c = client();
    const err = await connectError(c.connect({ host: '127.0.0.1', port: server.port, transport: 'ws', wsPath: '/nope' }));
    expect(err.code).toBe(ClientErrorCode.WS_UPGRADE_FAILED);
    expect(err.message).toContain("'/nope'");
    expect(err.message).toContain('404');
    expect((await c.closed)?.code).toBe(ClientErrorCode.WS_UPGRADE_FAILED);
  });

  it('a WebSocket client at a plain TCP server fails to connect with a typed error', async () => {
    const tcp = await startQuietServer();
    try {
      const c = client();
      const err = await connectError(c.connect({ host: '127.0.0.1', port: tcp.port, transport: 'ws', timeoutMs: 2000 }));
      expect([ClientErrorCode.CONNECT_FAILED, ClientErrorCode.WS_UPGRADE_FAILED, ClientErrorCode.CONNECT_TIMEOUT]).toContain(err.code);
    } finally {
      await tcp.shutdown({ deadlineMs: 2000 });
    }
  });
});

describe('WebSocket writes and backpressure', () => {
  let wss: WebSocketServer;
  let port = 0;
  const messages: Buffer[] = [];
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/raw' });
    wss.on('connection', (ws) => ws.on('message', (data: Buffer) => messages.push(data)));
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    port = (wss.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('a write past the high-water mark returns false, needs a drain, and arrives as one message', async () => {
    const c = client();
    await c.connect({ host: '127.0.0.1', port, transport: 'ws', wsPath: '/raw' });
    expect(c.sendRaw(Buffer.alloc(64 * 1024, 1))).toBe(false);
    await c.waitForDrain();
    expect(c.sendRaw(Buffer.from([1, 2, 3, 4]))).toBe(true);
    await c.waitForDrain(); // not blocked: resolves at once
    const deadline = Date.now() + 5000;
    while (messages.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(messages.map((m) => m.length)).toEqual([64 * 1024, 4]);
    expect(c.stats.bytesOut).toBe(64 * 1024 + 4);
  });

  it('a text message from the server is a protocol error', async () => {
    const c = client();
    wss.once('connection', (ws) => ws.send('hello'));
    await c.connect({ host: '127.0.0.1', port, transport: 'ws', wsPath: '/raw' });
    const err = await c.closed;
    expect(err?.code).toBe(ClientErrorCode.PROTOCOL_ERROR);
    expect(err?.message).toContain('text message');
  });
});

describe.runIf(hasOpenssl())('TestClient over TLS and secure WebSocket', () => {
  let secure: SecureServers;
  let certs: SecureServers['certs'];
  let tls: RunningTestServer;
  let wss: RunningTestServer;
  let trusted: ClientTlsOptions;

  beforeAll(async () => {
    secure = await startSecureServers();
    ({ certs, tls, wss } = secure);
    trusted = { ca: certs.read(certs.caCert) };
  });
  afterAll(() => secure.stop());

  it.each<[ClientTransport, () => RunningTestServer]>([
    ['tls', () => tls],
    ['wss', () => wss],
  ])('%s: handshakes, pings, and reports the TLS handshake time', async (transport, server) => {
    const c = client();
    const wsPath = transport === 'wss' ? '/game' : undefined;
    await c.connect({ host: '127.0.0.1', port: server().port, transport, tls: trusted, ...(wsPath === undefined ? {} : { wsPath }) });
    expect((await c.handshake()).result).toBe(0);
    const run = await c.pingMany(300, { inFlight: 16 });
    expect(run.count).toBe(300);
    const t = c.connectTimings!;
    expect(t.tlsHandshakeMs).toBeGreaterThan(0);
    // tls is ready at the end of the TLS handshake (equal up to float rounding), wss after the upgrade.
    expect(t.readyMs + 1e-9).toBeGreaterThanOrEqual(t.tcpMs + t.tlsHandshakeMs!);
    await c.close();
    expect(await c.closed).toBeNull();
  });

  it.each<[string, ClientTransport, () => ClientTlsOptions, string]>([
    ['a certificate from an untrusted CA', 'tls', () => ({ ca: certs.read(certs.rogueCaCert) }), '--ca'],
    ['no CA at all (Node default CAs)', 'tls', () => ({}), '--ca'],
    ['a name the certificate does not carry', 'tls', () => ({ ...trusted, servername: 'db.example.test' }), '--server-name'],
    ['an untrusted CA over wss', 'wss', () => ({ ca: certs.read(certs.rogueCaCert) }), '--ca'],
  ])('%s → NMT_CLIENT_TLS_FAILED with what to check (%s)', async (_name, transport, options, hint) => {
    const c = client();
    const port = transport === 'tls' ? tls.port : wss.port;
    const err = await connectError(
      c.connect({ host: '127.0.0.1', port, transport, tls: options(), ...(transport === 'wss' ? { wsPath: '/game' } : {}) }),
    );
    expect(err.code).toBe(ClientErrorCode.TLS_FAILED);
    expect(err.errno).toMatch(/^(UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_CERT_ALTNAME_INVALID)/);
    expect(err.message).toContain(hint);
  });

  it('rejectUnauthorized false connects to an untrusted server (throw-away servers only)', async () => {
    const c = client();
    await c.connect({ host: '127.0.0.1', port: tls.port, transport: 'tls', tls: { rejectUnauthorized: false } });
    expect((await c.handshake()).result).toBe(0);
  });

  it('TLS to a plain TCP server is a typed connect error, never a hang past the timeout', async () => {
    const tcp = await startQuietServer();
    try {
      const c = client();
      const err = await connectError(c.connect({ host: '127.0.0.1', port: tcp.port, transport: 'tls', tls: trusted, timeoutMs: 500 }));
      expect([ClientErrorCode.CONNECT_FAILED, ClientErrorCode.TLS_FAILED, ClientErrorCode.CONNECT_TIMEOUT]).toContain(err.code);
    } finally {
      await tcp.shutdown({ deadlineMs: 2000 });
    }
  });
});
