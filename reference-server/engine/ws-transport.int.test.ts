import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from '../../fixtures/tls/make-certs.ts';
import { DisconnectReason, PacketId, encodePingReq, encodeSessionConnectReq } from '../../protocol/index.ts';
import type { EngineLimits } from './config.ts';
import { ServerErrorCode } from './errors.ts';
import { Limit } from './metrics.ts';
import type { ServerEngine } from './server-engine.ts';
import { TlsFailureReason } from './tls-handshake-stats.ts';
import { WsPeer, startPingEngine } from '../testing/transport-peers.ts';
import { WsTransport, WsUpgradeFailure, endsInsidePacket, type WsTransportOptions } from './ws-transport.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

const ping = (seq: number): Buffer => encodePingReq({ clientTime: 1, seq });
const hello = (): Buffer => encodeSessionConnectReq({ clientVersion: 1, token: '' });

/** Sends raw bytes on a TCP socket and resolves with everything the server sent until it closed. */
function rawHttp(port: number, request: string | null, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`server did not close within ${timeoutMs} ms; got ${JSON.stringify(out)}`));
    }, timeoutMs);
    s.on('data', (d) => (out += d.toString()));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    if (request !== null) s.write(request);
  });
}

describe('endsInsidePacket', () => {
  it.each([
    ['empty', '', false],
    ['one whole packet', '0400 0700', false],
    ['two whole packets', '0400 0700 0500 0700 ff', false],
    ['a partial header', '04', true],
    ['a whole packet and a partial header', '0400 0700 05', true],
    ['a packet cut short', '0600 0700 ff', true],
    ['a size below the header (the decoder reports it)', '0200 0700', false],
  ])('%s → %s', (_name, hex, expected) => {
    expect(endsInsidePacket(Buffer.from(hex.replace(/ /g, ''), 'hex'))).toBe(expected);
  });
});

describe('WsTransport', () => {
  const engines: ServerEngine[] = [];
  const peers: WsPeer[] = [];

  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await Promise.all(engines.splice(0).map((e) => e.shutdown({ deadlineMs: 1000 })));
  });

  async function start(options: WsTransportOptions = {}, limits: Partial<EngineLimits> = {}): Promise<{ engine: ServerEngine; transport: WsTransport; port: number }> {
    const transport = new WsTransport(options);
    const engine = await startPingEngine({ transport, limits });
    engines.push(engine);
    return { engine, transport, port: engine.address!.port };
  }

  async function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WsPeer> {
    const peer = await WsPeer.connect(url, options);
    peers.push(peer);
    return peer;
  }

  it('carries the protocol; one message may hold several whole packets', async () => {
    const { engine, transport, port } = await start();
    expect(transport.kind).toBe('ws');
    const peer = await connect(`ws://127.0.0.1:${port}/`);
    await peer.write(Buffer.concat([hello(), ping(1), ping(2), ping(3)]));
    for (const seq of [1, 2, 3]) expect((await peer.expect(PacketId.PongRes)).bytes.readUInt32LE(20)).toBe(seq);
    expect(peer.received).toEqual([PacketId.SessionConnectRes, PacketId.PongRes, PacketId.PongRes, PacketId.PongRes]);
    expect(transport.upgrades).toBe(1);
    expect(engine.renderMetrics()).toContain('nmt_ws_upgrades_total{transport="ws"} 1');
  });

  it('a packet spanning two messages is MalformedPayload; the whole packets before it are answered', async () => {
    const { engine, port } = await start();
    const peer = await connect(`ws://127.0.0.1:${port}/`);
    await peer.handshake();
    const two = Buffer.concat([ping(7), ping(8)]);
    await peer.write(two.subarray(0, 20));
    expect((await peer.expect(PacketId.PongRes)).bytes.readUInt32LE(20)).toBe(7);
    const notice = await peer.expectNotice();
    expect(notice.reason).toBe(DisconnectReason.MalformedPayload);
    expect(notice.text).toContain('ends inside a packet');
    expect(await peer.waitClosed()).toBe(true);
    expect(engine.metrics.violations[DisconnectReason.MalformedPayload]).toBe(1);
  });

  it('a text message is MalformedPayload with a notice', async () => {
    const { port } = await start();
    const peer = await connect(`ws://127.0.0.1:${port}/`);
    await peer.handshake();
    await peer.writeText('hello');
    const notice = await peer.expectNotice();
    expect(notice).toMatchObject({ reason: DisconnectReason.MalformedPayload });
    expect(notice.text).toContain('text WebSocket messages');
    expect(await peer.waitClosed()).toBe(true);
    expect(peer.closeCode).toBe(1000);
  });

  it('a message over maxMessageBytes is cut off with close code 1009 and counted as SizeTooLarge', async () => {
    const { engine, transport, port } = await start({ maxPacketSize: 1024, packetsPerMessage: 2 });
    expect(transport.maxMessageBytes).toBe(2048);
    const peer = await connect(`ws://127.0.0.1:${port}/`);
    await peer.handshake();
    await peer.write(Buffer.concat(Array.from({ length: 200 }, (_, i) => ping(i))));
    expect(await peer.waitClosed()).toBe(true);
    expect(peer.closeCode).toBe(1009);
    await waitFor(() => engine.sessions.size === 0, 'the session to close');
    expect(engine.metrics.violations[DisconnectReason.SizeTooLarge]).toBe(1);
    expect(engine.metrics.limitHits[Limit.MaxPacketSize]).toBe(1);
    expect(engine.metrics.packetsIn[PacketId.PingReq]).toBe(0);
  });

  it('ping frames get no pong and do not count as packets; the session keeps working', async () => {
    const { engine, port } = await start();
    const peer = await connect(`ws://127.0.0.1:${port}/`);
    await peer.handshake();
    let pongs = 0;
    peer.ws.on('pong', () => pongs++);
    for (let i = 0; i < 50; i++) peer.ws.ping();
    expect((await peer.ping(1)).seq).toBe(1);
    await sleep(50);
    expect(pongs).toBe(0);
    expect(engine.metrics.totalPacketsIn()).toBe(2);
  });

  it('a client close frame ends the session as closed by the peer', async () => {
    const { engine, port } = await start();
    const peer = await connect(`ws://127.0.0.1:${port}/`);
    await peer.handshake();
    peer.end();
    expect(await peer.waitClosed()).toBe(true);
    await waitFor(() => engine.sessions.size === 0, 'the session to close');
    expect(engine.metrics.disconnectsByPeer).toBe(1);
  });

  const UPGRADE = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n';
  it.each([
    ['another path', `GET /other HTTP/1.1\r\nHost: x\r\n${UPGRADE}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, '404', WsUpgradeFailure.Path],
    ['a plain HTTP request', 'GET /game HTTP/1.1\r\nHost: x\r\n\r\n', '426', WsUpgradeFailure.NotUpgrade],
    ['an upgrade without a key', `GET /game HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`, '400', WsUpgradeFailure.BadRequest],
    ['garbage instead of HTTP', '\x00\x01\x02 not http\r\n\r\n', '400', WsUpgradeFailure.BadRequest],
  ])('refuses %s (HTTP %s) and counts it', async (_name, request, status, reason) => {
    const { engine, transport, port } = await start({ path: '/game' });
    const answer = await rawHttp(port, request);
    expect(answer.startsWith(`HTTP/1.1 ${status}`)).toBe(true);
    await waitFor(() => transport.upgradeFailuresFor(reason) === 1, `the ${reason} failure`);
    expect(transport.pendingUpgrades).toBe(0);
    expect(engine.sessions.size).toBe(0);
    const peer = await connect(`ws://127.0.0.1:${port}/game?client=1`);
    expect((await peer.handshake()).result).toBe(0);
  });

  it('closes a connection that sends no upgrade within upgradeTimeoutMs', async () => {
    const { transport, port } = await start({ upgradeTimeoutMs: 200 });
    const t0 = Date.now();
    await rawHttp(port, null, 5000);
    expect(Date.now() - t0).toBeLessThan(4000);
    await waitFor(() => transport.upgradeFailuresFor(WsUpgradeFailure.Timeout) === 1, 'the timeout to be counted');
    expect(transport.pendingUpgrades).toBe(0);
  });

  it('refuses connections over maxPendingUpgrades at accept', async () => {
    const { transport, port } = await start({ maxPendingUpgrades: 2 });
    const idle = Array.from({ length: 5 }, () => net.connect(port, '127.0.0.1').on('error', () => {}));
    await waitFor(() => transport.upgradeFailuresFor(WsUpgradeFailure.PendingLimit) === 3, 'three refusals');
    expect(transport.pendingUpgrades).toBe(2);
    for (const s of idle) s.destroy();
    await waitFor(() => transport.pendingUpgrades === 0, 'pending upgrades to drain');
    const peer = await connect(`ws://127.0.0.1:${port}/`);
    expect((await peer.handshake()).result).toBe(0);
  });

  it('a client that floods and never reads is paused, bounded by the hard limit and dropped as SlowConsumer', async () => {
    const HARD = 256 * 1024;
    const { engine, port } = await start({}, { maxOutboundBytes: 64 * 1024, outboundHardLimitBytes: HARD, slowConsumerTimeoutMs: 1000, rateLimitPerSecond: 0, timerResolutionMs: 20, closeGraceMs: 200 });
    const good = await connect(`ws://127.0.0.1:${port}/`);
    await good.handshake();
    const slow = await connect(`ws://127.0.0.1:${port}/`);
    await slow.handshake();
    slow.ws.pause();
    const batch = Buffer.concat(Array.from({ length: 1024 }, (_, i) => ping(i)));
    let peakBuffered = 0;
    const end = Date.now() + 30_000;
    for (let seq = 0; !slow.closed && Date.now() < end; seq++) {
      if (slow.ws.bufferedAmount < 1024 * 1024) slow.ws.send(batch);
      peakBuffered = Math.max(peakBuffered, engine.bufferedBytes().outbound);
      if (seq % 8 === 0) expect((await good.ping(seq, 10_000)).seq).toBe(seq);
      await sleep(1);
    }
    expect(slow.closed).toBe(true);
    const m = engine.metrics;
    expect(m.disconnects[DisconnectReason.SlowConsumer]).toBe(1);
    expect(m.limitHits[Limit.BackpressurePause]).toBeGreaterThanOrEqual(1);
    expect(m.outboundPeakBytes).toBeLessThanOrEqual(HARD + 64 * 1024);
    expect(peakBuffered).toBeLessThanOrEqual(HARD + 64 * 1024);
    expect((await good.ping(1_000_000)).seq).toBe(1_000_000);
  });

  it('a plain ws transport has no certificates to replace', () => {
    expect(() => new WsTransport().setCertificates({ cert: 'c', key: 'k' })).toThrow(expect.objectContaining({ code: ServerErrorCode.TRANSPORT_CONFIG_INVALID }));
  });

  it.each([
    [{ path: 'game' }, 'path'],
    [{ maxMessageBytes: 100, maxPacketSize: 1024 }, 'maxMessageBytes'],
    [{ packetsPerMessage: 0 }, 'packetsPerMessage'],
    [{ upgradeTimeoutMs: 1 }, 'upgradeTimeoutMs'],
  ])('rejects options %j (%s)', (options, path) => {
    expect(() => new WsTransport(options)).toThrow(expect.objectContaining({ code: ServerErrorCode.TRANSPORT_CONFIG_INVALID, issues: expect.arrayContaining([expect.objectContaining({ path })]) }));
  });

  describe.skipIf(!hasOpenssl())('wss', () => {
    let certs: TestCertificates;
    beforeAll(() => {
      certs = makeTestCertificates();
    });
    afterAll(() => certs.remove());

    it('serves WebSocket over TLS 1.3 and refuses a TLS 1.2-only client', async () => {
      const { engine, transport, port } = await start({ tls: { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) } });
      expect(transport.kind).toBe('wss');
      const peer = await connect(`wss://localhost:${port}/`, { ca: certs.read(certs.caCert) });
      expect((await peer.handshake()).result).toBe(0);
      expect((await peer.ping(3)).seq).toBe(3);
      await expect(WsPeer.connect(`wss://localhost:${port}/`, { ca: certs.read(certs.caCert), maxVersion: 'TLSv1.2' })).rejects.toThrow();
      await waitFor(() => transport.handshakes!.failuresFor(TlsFailureReason.ProtocolVersion) === 1, 'the TLS 1.2 refusal');
      expect(engine.renderMetrics()).toContain('nmt_tls_handshakes_total{transport="wss"} 1');
    });
  });
});

describe('WsTransport loads ws only when it listens', () => {
  const events = { onConnection: (c: { destroy(): void }): void => c.destroy(), onError: (): void => {} };

  it('has no WebSocketServer before listen, and one after', async () => {
    const t = new WsTransport();
    expect(t.wss).toBeNull();
    const bound = await t.listen('127.0.0.1', 0, events);
    expect(bound.port).toBeGreaterThan(0);
    expect(t.wss).not.toBeNull();
    t.stopAccepting();
  });

  it('rejects a listen that stopAccepting overtook while ws was loading', async () => {
    const t = new WsTransport();
    const listening = t.listen('127.0.0.1', 0, events);
    t.stopAccepting();
    await expect(listening).rejects.toThrow('stopAccepting() was called before listen() completed');
  });
});
