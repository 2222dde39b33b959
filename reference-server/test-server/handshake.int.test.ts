import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectResult, DisconnectReason } from '../../protocol/index.ts';
import type { Session } from '../engine/index.ts';
import { PeerPool, sleep, startQuietServer } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';
import type { Authenticator } from './handlers.ts';

describe('handshake', () => {
  const pool = new PeerPool();
  afterEach(() => pool.destroyAll());

  describe('without an authenticator', () => {
    let server: RunningTestServer;
    beforeAll(async () => {
      server = await startQuietServer();
    });
    afterAll(async () => {
      await server.shutdown({ deadlineMs: 2000 });
    });

    it('OK for protocol version 1; pings are then answered', async () => {
      const peer = await pool.connect(server.port);
      const res = await peer.handshake(1);
      expect(res).toMatchObject({ result: ConnectResult.Ok });
      expect((await peer.ping(3)).seq).toBe(3);
    });

    it.each([0, 2, 0xffffffff])('version %d → VERSION_MISMATCH, then HandshakeRejected and close', async (version) => {
      const peer = await pool.connect(server.port);
      const res = await peer.handshake(version);
      expect(res.result).toBe(ConnectResult.VersionMismatch);
      expect(res.sessionId).toBe(0);
      const notice = await peer.expectNotice();
      expect(notice.reason).toBe(DisconnectReason.HandshakeRejected);
      expect(notice.text).toContain(`version ${version} is not supported`);
      expect(await peer.waitClosed()).toBe(true);
      expect(peer.received).toEqual([0x0002, 0x0005]);
    });
  });

  describe('with an authenticator hook', () => {
    let server: RunningTestServer;
    const connectedIdentities: unknown[] = [];
    const authenticator: Authenticator = ({ token }) => {
      if (token === 'sync-deny') return { ok: false, text: 'token revoked' };
      if (token === 'sync-full') return { ok: false, text: 'no room', result: ConnectResult.ServerFull };
      if (token === 'async-ok') return sleep(20).then(() => ({ ok: true, identity: { user: 'alice' } }));
      if (token === 'async-slow') return sleep(300).then(() => ({ ok: true, identity: { user: 'slow' } }));
      if (token === 'async-throw') return sleep(5).then(() => Promise.reject(new Error('jwks unavailable')));
      if (token === 'sync-throw') throw new Error('bug in authenticator');
      return { ok: true, identity: { user: token } };
    };

    beforeAll(async () => {
      server = await startQuietServer({
        authenticator,
        hooks: { onConnected: (s: Session) => connectedIdentities.push(s.attachment) },
      });
    });
    afterAll(async () => {
      await server.shutdown({ deadlineMs: 2000 });
    });

    it('async accept stores the identity on the session', async () => {
      const peer = await pool.connect(server.port);
      expect((await peer.handshake(1, 'async-ok')).result).toBe(ConnectResult.Ok);
      expect(connectedIdentities).toContainEqual({ user: 'alice' });
      expect((await peer.ping(1)).seq).toBe(1);
    });

    it.each([
      ['sync-deny', ConnectResult.AuthFailed, 'token revoked'],
      ['sync-full', ConnectResult.ServerFull, 'no room'],
    ])('%s → result %d, HandshakeRejected "%s"', async (token, result, text) => {
      const peer = await pool.connect(server.port);
      expect((await peer.handshake(1, token)).result).toBe(result);
      expect(await peer.expectNotice()).toEqual({ reason: DisconnectReason.HandshakeRejected, text });
      expect(await peer.waitClosed()).toBe(true);
    });

    it.each(['async-throw', 'sync-throw'])('%s → InternalError for that session only', async (token) => {
      const bystander = await pool.connected(server.port);
      const peer = await pool.connect(server.port);
      await peer.sendHandshake(1, token);
      expect((await peer.expectNotice()).reason).toBe(DisconnectReason.InternalError);
      expect(await peer.waitClosed()).toBe(true);
      expect((await bystander.ping(9)).seq).toBe(9);
    });

    it('a ping while authentication is pending is NotConnected; a second connect is AlreadyConnected', async () => {
      const a = await pool.connect(server.port);
      await a.sendHandshake(1, 'async-slow');
      await a.sendPing(1);
      expect((await a.expectNotice()).reason).toBe(DisconnectReason.NotConnected);
      const b = await pool.connect(server.port);
      await b.sendHandshake(1, 'async-slow');
      await b.sendHandshake(1, 'async-slow');
      expect((await b.expectNotice()).reason).toBe(DisconnectReason.AlreadyConnected);
      // The late verdict finds the session closed and writes nothing more.
      await sleep(400);
      expect(b.received).toEqual([0x0005]);
    });
  });
});
