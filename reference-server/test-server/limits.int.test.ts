import { afterEach, describe, expect, it } from 'vitest';
import { ConnectResult, DisconnectReason, PacketId, encodePingReq, encodeSessionConnectReq } from '../../protocol/index.ts';
import { Limit } from '../engine/index.ts';
import { PeerPool, sleep, startQuietServer, waitFor } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';

describe('limits', () => {
  const pool = new PeerPool();
  let server: RunningTestServer | null = null;

  afterEach(async () => {
    pool.destroyAll();
    await server?.shutdown({ deadlineMs: 2000 });
    server = null;
  });

  describe('handshake deadline (slowloris)', () => {
    it('a peer that connects and sends nothing gets HandshakeTimeout and is closed', async () => {
      server = await startQuietServer({ limits: { handshakeTimeoutMs: 300, timerResolutionMs: 20 } });
      const peer = await pool.connect(server.port);
      const notice = await peer.expectNotice(5000);
      expect(notice).toEqual({ reason: DisconnectReason.HandshakeTimeout, text: 'no SessionConnectReq within 300 ms' });
      expect(await peer.waitClosed()).toBe(true);
      expect(server.engine.metrics.limitHits[Limit.HandshakeTimeout]).toBe(1);
    });

    it('a peer sending its SessionConnectReq one byte at a time is cut off at the deadline', async () => {
      server = await startQuietServer({ limits: { handshakeTimeoutMs: 300, timerResolutionMs: 20 } });
      const peer = await pool.connect(server.port);
      const bytes = encodeSessionConnectReq({ clientVersion: 1, token: 'x'.repeat(40) });
      const sending = peer.writeSlowly(bytes, 50); // 50 bytes × 50 ms ≫ 300 ms
      expect((await peer.expectNotice(5000)).reason).toBe(DisconnectReason.HandshakeTimeout);
      expect(await peer.waitClosed()).toBe(true);
      expect(await sending).toBeLessThan(bytes.length);
    });
  });

  describe('max sessions', () => {
    it('answers SERVER_FULL past the limit, then HandshakeRejected; a slot frees when a session leaves', async () => {
      server = await startQuietServer({ limits: { maxSessions: 2 } });
      const a = await pool.connected(server.port);
      await pool.connected(server.port);
      const third = await pool.connect(server.port);
      const res = await third.handshake();
      expect(res.result).toBe(ConnectResult.ServerFull);
      expect(await third.expectNotice()).toEqual({ reason: DisconnectReason.HandshakeRejected, text: 'server full: 2 sessions open; try again later' });
      expect(await third.waitClosed()).toBe(true);
      expect(server.engine.metrics.limitHits[Limit.MaxSessions]).toBe(1);

      a.end();
      expect(await a.waitClosed()).toBe(true);
      await waitFor(() => server!.engine.sessions.count < 2, 'the closed session to leave');
      const fourth = await pool.connect(server.port);
      expect((await fourth.handshake()).result).toBe(ConnectResult.Ok);
    });

    it('with no room for pending rejections, extra connections are closed at accept', async () => {
      server = await startQuietServer({ limits: { maxSessions: 1, maxPendingRejections: 0 } });
      await pool.connected(server.port);
      const extra = await pool.connect(server.port);
      expect(await extra.waitClosed()).toBe(true);
      expect(extra.received).toEqual([]);
      expect(server.engine.metrics.limitHits[Limit.MaxPendingRejections]).toBe(1);
    });
  });

  describe('rate limit', () => {
    it('a burst beyond the bucket is RateLimited; what fit was answered', async () => {
      server = await startQuietServer({ limits: { rateLimitPerSecond: 100, rateLimitBurst: 10 } });
      const peer = await pool.connected(server.port);
      await peer.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => encodePingReq({ clientTime: 1, seq: i }))));
      expect((await peer.expectNotice()).reason).toBe(DisconnectReason.RateLimited);
      expect(await peer.waitClosed()).toBe(true);
      const pongs = peer.received.filter((id) => id === PacketId.PongRes).length;
      expect(pongs).toBeGreaterThanOrEqual(8); // burst 10 minus the handshake, plus any refill
      expect(pongs).toBeLessThan(50);
      expect(server.engine.metrics.limitHits[Limit.RateLimit]).toBe(1);
    });

    it('a client under the rate is never limited', async () => {
      server = await startQuietServer({ limits: { rateLimitPerSecond: 1000, rateLimitBurst: 50 } });
      const peer = await pool.connected(server.port);
      for (let i = 0; i < 40; i++) expect((await peer.ping(i)).seq).toBe(i);
      expect(server.engine.metrics.limitHits[Limit.RateLimit]).toBe(0);
    });
  });

  describe('idle timeout', () => {
    it('a connected session that goes silent gets IdleTimeout', async () => {
      server = await startQuietServer({ limits: { idleTimeoutMs: 300, timerResolutionMs: 20 } });
      const peer = await pool.connected(server.port);
      expect(await peer.expectNotice(5000)).toEqual({ reason: DisconnectReason.IdleTimeout, text: 'no packet for 300 ms' });
      expect(await peer.waitClosed()).toBe(true);
      expect(server.engine.metrics.limitHits[Limit.IdleTimeout]).toBe(1);
    });

    it('a session that keeps pinging stays connected', async () => {
      server = await startQuietServer({ limits: { idleTimeoutMs: 2000, timerResolutionMs: 20 } });
      const peer = await pool.connected(server.port);
      for (let i = 0; i < 25; i++) {
        expect((await peer.ping(i)).seq).toBe(i);
        await sleep(100);
      }
      expect(peer.received).not.toContain(PacketId.DisconnectNotice);
      expect(server.engine.metrics.limitHits[Limit.IdleTimeout]).toBe(0);
    });
  });

  it('a peer that ignores our FIN is destroyed after the close grace', async () => {
    server = await startQuietServer({ limits: { closeGraceMs: 200, timerResolutionMs: 20 } });
    const peer = await pool.connect(server.port, { keepOpen: true });
    await peer.write(encodePingReq({ clientTime: 1, seq: 1 })); // NotConnected
    expect((await peer.expectNotice()).reason).toBe(DisconnectReason.NotConnected);
    expect(await peer.waitEnded()).toBe(true);
    // Our FIN is out; the peer keeps its side open. The server gives up after the grace.
    await waitFor(() => server!.engine.sessions.size === 0, 'the session to be destroyed');
    expect(server.engine.metrics.limitHits[Limit.CloseGrace]).toBe(1);
    expect(server.engine.metrics.disconnects[DisconnectReason.NotConnected]).toBe(1);
  });
});
