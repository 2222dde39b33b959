import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from '../../fixtures/tls/make-certs.ts';
import { DisconnectReason, PacketId, encodePingReq, encodeSessionConnectReq } from '../../protocol/index.ts';
import { ServerErrorCode } from './errors.ts';
import type { ServerEngine } from './server-engine.ts';
import { TlsFailureReason } from './tls-handshake-stats.ts';
import { TlsTransport, type TlsTransportOptions } from './tls-transport.ts';
import { RawPeer, TlsPeer, startPingEngine } from '../testing/transport-peers.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Resolves with the TLS error a refused client sees (or null if the handshake succeeded). */
async function refusal(port: number, options: Parameters<typeof TlsPeer.connect>[1]): Promise<Error | null> {
  try {
    const peer = await TlsPeer.connect(port, options);
    // TLS 1.3: a refused client certificate is reported after the client's Finished, on the first read.
    await peer.waitClosed(2000);
    const err = peer.socketError;
    peer.destroy();
    return peer.closed ? (err ?? new Error('closed by the server')) : null;
  } catch (err) {
    return err as Error;
  }
}

describe.skipIf(!hasOpenssl())('TlsTransport', () => {
  let certs: TestCertificates;
  const engines: ServerEngine[] = [];
  const peers: TlsPeer[] = [];

  beforeAll(() => {
    certs = makeTestCertificates();
  });
  afterAll(() => certs.remove());

  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await Promise.all(engines.splice(0).map((e) => e.shutdown({ deadlineMs: 1000 })));
  });

  async function start(options: Partial<TlsTransportOptions> = {}, limits = {}): Promise<{ engine: ServerEngine; transport: TlsTransport; port: number }> {
    const transport = new TlsTransport({ cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey), ...options });
    const engine = await startPingEngine({ transport, limits });
    engines.push(engine);
    return { engine, transport, port: engine.address!.port };
  }

  async function connect(port: number, options: Parameters<typeof TlsPeer.connect>[1] = {}): Promise<TlsPeer> {
    const peer = await TlsPeer.connect(port, { ca: certs.read(certs.caCert), ...options });
    peers.push(peer);
    return peer;
  }

  it('serves the protocol over TLS 1.3 and counts the handshake', async () => {
    const { engine, transport, port } = await start();
    expect(transport.kind).toBe('tls');
    const peer = await connect(port);
    expect(peer.protocol).toBe('TLSv1.3');
    expect((await peer.handshake()).result).toBe(0);
    for (let i = 0; i < 20; i++) expect((await peer.ping(i)).seq).toBe(i);
    expect(transport.handshakes.completed).toBe(1);
    expect(transport.handshakes.pending).toBe(0);
    expect(engine.renderMetrics()).toContain('nmt_tls_handshakes_total{transport="tls"} 1');
  });

  it('answers what a half-closing client sent before it closed', async () => {
    const { port } = await start();
    const peer = await connect(port);
    await peer.handshake();
    const pong = peer.expect(PacketId.PongRes);
    await peer.write(encodePingReq({ clientTime: 1, seq: 9 }));
    peer.end();
    expect((await pong).bytes.readUInt32LE(20)).toBe(9);
    expect(await peer.waitClosed()).toBe(true);
  });

  it('refuses a TLS 1.2-only client by default and counts protocol_version', async () => {
    const { transport, port } = await start();
    const err = await refusal(port, { ca: certs.read(certs.caCert), maxVersion: 'TLSv1.2' });
    expect(err).not.toBeNull();
    await waitFor(() => transport.handshakes.failuresFor(TlsFailureReason.ProtocolVersion) === 1, 'the protocol_version failure');
    expect(transport.handshakes.completed).toBe(0);
    expect(transport.handshakes.pending).toBe(0);
  });

  it('accepts TLS 1.2 when configured with minVersion TLSv1.2, still only AEAD suites', async () => {
    const { port } = await start({ minVersion: 'TLSv1.2' });
    const peer = await connect(port, { maxVersion: 'TLSv1.2' });
    expect(peer.protocol).toBe('TLSv1.2');
    expect(peer.socket.getCipher().name).toMatch(/GCM|CHACHA20/);
    await peer.handshake();
    expect((await peer.ping(1)).seq).toBe(1);
  });

  it('counts plain TCP, garbage and a silent peer as failed handshakes; the server keeps serving', async () => {
    const { engine, transport, port } = await start({ handshakeTimeoutMs: 300 });
    const plain = net.connect(port, '127.0.0.1');
    plain.on('error', () => {});
    plain.write(Buffer.from('0a000100010000000000', 'hex'));
    const http = net.connect(port, '127.0.0.1');
    http.on('error', () => {});
    http.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const silent = net.connect(port, '127.0.0.1');
    silent.on('error', () => {});
    const closed = (s: net.Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));
    await Promise.all([closed(plain), closed(http), closed(silent)]);
    const h = transport.handshakes;
    await waitFor(() => h.failed === 3, 'three failures');
    expect(h.failuresFor(TlsFailureReason.NotTls)).toBe(2);
    expect(h.failuresFor(TlsFailureReason.Timeout)).toBe(1);
    expect(h.pending).toBe(0);
    expect(engine.sessions.size).toBe(0);
    const peer = await connect(port);
    await peer.handshake();
    expect((await peer.ping(5)).seq).toBe(5);
    expect(engine.renderMetrics()).toMatch(/nmt_tls_handshake_failures_total\{transport="tls",reason="not_tls"\} 2/);
  });

  it('refuses connections over maxPendingHandshakes at accept and counts pending_limit', async () => {
    const { transport, port } = await start({ maxPendingHandshakes: 3, handshakeTimeoutMs: 5000 });
    const idle: net.Socket[] = [];
    for (let i = 0; i < 6; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      idle.push(s);
    }
    await waitFor(() => transport.handshakes.failuresFor(TlsFailureReason.PendingLimit) === 3, 'three refusals at accept');
    expect(transport.handshakes.pending).toBe(3);
    for (const s of idle) s.destroy();
    await waitFor(() => transport.handshakes.pending === 0, 'pending handshakes to drain');
    const peer = await connect(port);
    expect((await peer.handshake()).result).toBe(0);
  });

  describe('client certificates (server-to-server)', () => {
    const clientAuth = (): Partial<TlsTransportOptions> => ({ clientAuth: true, ca: certs.read(certs.caCert) });

    it('accepts a client certificate signed by the configured CA', async () => {
      const { transport, port } = await start(clientAuth());
      const peer = await connect(port, { cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) });
      expect((await peer.handshake()).result).toBe(0);
      expect(transport.handshakes.completed).toBe(1);
    });

    it.each([
      ['no client certificate', () => ({}), TlsFailureReason.ClientCertMissing],
      ['a certificate from another CA', () => ({ cert: certs.read(certs.rogueClientCert), key: certs.read(certs.rogueClientKey) }), TlsFailureReason.ClientCertRejected],
    ])('refuses %s and counts it', async (_name, extra, reason) => {
      const { engine, transport, port } = await start(clientAuth());
      const err = await refusal(port, { ca: certs.read(certs.caCert), ...extra() });
      expect(err).not.toBeNull();
      await waitFor(() => transport.handshakes.failed === 1, 'the failure to be counted');
      expect(transport.handshakes.failuresFor(reason)).toBe(1);
      expect(engine.sessions.size).toBe(0);
    });

    it('is refused by a client that does not trust the server certificate, and keeps serving', async () => {
      const { engine, port } = await start();
      const err = await refusal(port, { ca: certs.read(certs.rogueCaCert) });
      // Node clients verify after the handshake and just close, so the server may count a completed handshake.
      expect((err as NodeJS.ErrnoException).code).toMatch(/CERT|SIGNATURE/);
      const peer = await connect(port);
      expect((await peer.handshake()).result).toBe(0);
      await waitFor(() => engine.sessions.size === 1, 'only the trusting client to hold a session');
    });
  });

  it('a protocol violation over TLS still gets its DisconnectNotice', async () => {
    const { port } = await start();
    const peer = await connect(port);
    await peer.write(Buffer.from([0x02, 0x00, 0x03, 0x00]));
    expect((await peer.expectNotice()).reason).toBe(DisconnectReason.SizeTooSmall);
    expect(await peer.waitClosed()).toBe(true);
  });

  it('swaps certificates for new handshakes with setCertificates, and refuses unusable ones', async () => {
    const { transport, port } = await start();
    expect(() => transport.setCertificates({ cert: certs.read(certs.clientCert), key: certs.read(certs.serverKey) })).toThrow(
      expect.objectContaining({ code: ServerErrorCode.TRANSPORT_CONFIG_INVALID }),
    );
    // The rogue client leaf is not a server certificate for localhost: a client checking names refuses it after the swap.
    transport.setCertificates({ cert: certs.read(certs.rogueClientCert), key: certs.read(certs.rogueClientKey) });
    expect(await refusal(port, { ca: certs.read(certs.rogueCaCert) })).not.toBeNull();
    transport.setCertificates({ cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) });
    const peer = await connect(port);
    expect((await peer.handshake()).result).toBe(0);
  });

  it('a client speaking the plain protocol to the TLS port is closed and counted as not_tls', async () => {
    const { engine, transport, port } = await start();
    const plain = await RawPeer.connect(port);
    await plain.write(encodeSessionConnectReq({ clientVersion: 1, token: '' }));
    expect(await plain.waitClosed()).toBe(true);
    expect(plain.received).toEqual([]);
    await waitFor(() => transport.handshakes.failuresFor(TlsFailureReason.NotTls) === 1, 'the not_tls failure');
    expect(engine.sessions.size).toBe(0);
  });

  it('setCertificates before listen is refused (nothing to reload yet)', () => {
    const transport = new TlsTransport({ cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) });
    expect(() => transport.setCertificates({ cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) })).toThrow(
      expect.objectContaining({ code: ServerErrorCode.TRANSPORT_CONFIG_INVALID }),
    );
  });

  it.each([
    ['clientAuth without a CA', { clientAuth: true }, 'ca'],
    ['a key that does not match the certificate', { keyFile: 'client' }, 'cert/key'],
    ['a handshake timeout below 100 ms', { handshakeTimeoutMs: 5 }, 'handshakeTimeoutMs'],
  ])('rejects %s with NMT_SERVER_TRANSPORT_CONFIG_INVALID', (_name, opts, path) => {
    const { keyFile, ...rest } = opts as { keyFile?: string } & Partial<TlsTransportOptions>;
    const key = certs.read(keyFile === 'client' ? certs.clientKey : certs.serverKey);
    expect(() => new TlsTransport({ cert: certs.read(certs.serverCert), key, ...rest })).toThrow(
      expect.objectContaining({ code: ServerErrorCode.TRANSPORT_CONFIG_INVALID, issues: [expect.objectContaining({ path })] }),
    );
  });
});
