/**
 * JWT authentication and roles, end to end over real sockets: valid tokens
 * of each algorithm are accepted, every kind of bad token is answered
 * AUTH_FAILED + HandshakeRejected and counted by reason, roles gate
 * ServerStatsReq in the registry, a flood of tokens is bounded, and a
 * well-behaved client is served throughout.
 */
import { pbkdf2 } from 'node:crypto';
import { UnsecuredJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasOpenssl, makeTestCertificates } from '../../fixtures/tls/make-certs.ts';
import {
  ConnectResult,
  DisconnectReason,
  PacketId,
  decodeServerStatsRes,
  encodeServerStatsReq,
  encodeSessionConnectReq,
} from '../../protocol/index.ts';
import { AuthFailure, loadKeySet, type JwtIdentity } from '../auth/index.ts';
import type { Session } from '../engine/index.ts';
import { WsPeer } from '../testing/transport-peers.ts';
import { RawPeer } from '../testing/raw-peer.ts';
import { PeerPool, startQuietServer, waitFor } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';
import { ControlClient, jwtFixture, measureAttack, p99Bound, type JwtFixture } from './security-support.ts';

/** Occupies libuv's thread pool (4 threads by default) for a few hundred ms with key derivations. */
function occupyThreadPool(): Promise<void> {
  const threads = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
  return Promise.all(
    Array.from({ length: threads }, () => new Promise<void>((resolve) => pbkdf2('load', 'salt', 100_000, 32, 'sha256', () => resolve()))),
  ).then(() => undefined);
}

describe('JWT authentication (--auth jwt)', () => {
  let jwt: JwtFixture;
  let server: RunningTestServer;
  const identities: unknown[] = [];
  const pool = new PeerPool();

  beforeAll(async () => {
    jwt = await jwtFixture();
    server = await startQuietServer({
      jwt: { keys: await loadKeySet(jwt.publicJwks), issuer: jwt.issuer, audience: jwt.audience, clockToleranceSeconds: 5 },
      hooks: { onConnected: (s: Session) => identities.push(s.attachment) },
      metrics: { port: 0 },
    });
  });
  afterEach(() => pool.destroyAll());
  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
    jwt.remove();
  });

  async function handshake(token: string): Promise<RawPeer> {
    const peer = await pool.connect(server.port);
    await peer.sendHandshake(1, token);
    return peer;
  }

  it.each(['hs-1', 'ed-1', 'ec-1'])('accepts a token signed with %s; the session keeps sub and role', async (kid) => {
    const peer = await handshake(await jwt.mint({ sub: `player-${kid}`, role: 'user' }, kid));
    const res = await peer.expect(PacketId.SessionConnectRes);
    expect(res.bytes[4]).toBe(ConnectResult.Ok);
    expect((await peer.ping(1)).seq).toBe(1);
    const id = identities.at(-1) as JwtIdentity;
    expect(id).toMatchObject({ sub: `player-${kid}`, role: 'user', kid });
  });

  it.each<[string, () => Promise<string>, AuthFailure]>([
    ['no token', async () => '', AuthFailure.MissingToken],
    ['an expired token', () => jwt.mint({ exp: Math.floor(Date.now() / 1000) - 60 }), AuthFailure.Expired],
    ['a token for another audience', () => jwt.mint({ aud: 'another-service' }), AuthFailure.Audience],
    ['a token from another issuer', () => jwt.mint({ iss: 'https://evil.test' }), AuthFailure.Issuer],
    ['an unknown kid', () => jwt.mint({}, 'hs-retired', jwt.hsSecret, 'HS256'), AuthFailure.UnknownKid],
    ['alg none', async () => new UnsecuredJWT({ iss: 'https://id.nmt.test', aud: 'nmt-test-server', sub: 'x', exp: 9e9 }).encode(), AuthFailure.AlgNotAllowed],
    ['a forged signature', () => jwt.mint({ role: 'admin' }, 'hs-1', new Uint8Array(32)), AuthFailure.BadSignature],
    ['garbage', async () => 'eyJhbGciOi.garbage.token', AuthFailure.Malformed],
  ])('%s → AUTH_FAILED, HandshakeRejected, close, counted', async (_name, token, reason) => {
    const before = server.auth!.failuresFor(reason);
    const peer = await handshake(await token());
    const res = await peer.expect(PacketId.SessionConnectRes);
    expect(res.bytes[4]).toBe(ConnectResult.AuthFailed);
    const notice = await peer.expectNotice();
    expect(notice.reason).toBe(DisconnectReason.HandshakeRejected);
    expect(notice.text.length).toBeGreaterThan(0);
    expect(await peer.waitClosed()).toBe(true);
    expect(peer.received).toEqual([PacketId.SessionConnectRes, PacketId.DisconnectNotice]);
    expect(server.auth!.failuresFor(reason)).toBe(before + 1);
    const text = server.engine.renderMetrics();
    expect(text).toMatch(new RegExp(`nmt_auth_failures_total\\{reason="${reason}"\\} ${before + 1}`));
  });

  it('a second SessionConnectReq while the token is being verified is AlreadyConnected', async () => {
    const token = await jwt.mint();
    const peer = await pool.connect(server.port);
    await peer.write(Buffer.concat([encodeSessionConnectReq({ clientVersion: 1, token }), encodeSessionConnectReq({ clientVersion: 1, token })]));
    expect((await peer.expectNotice()).reason).toBe(DisconnectReason.AlreadyConnected);
  });

  describe('roles', () => {
    it('an admin token may ask for ServerStats; the answer holds live counters', async () => {
      const peer = await handshake(await jwt.mint({ role: 'admin', sub: 'ops' }));
      await peer.expect(PacketId.SessionConnectRes);
      await peer.write(encodeServerStatsReq({ requestId: 77 }));
      const p = await peer.expect(PacketId.ServerStatsRes);
      const stats = decodeServerStatsRes(p.bytes, 0, p.bytes.length);
      expect(stats.requestId).toBe(77);
      expect(stats.sessions).toBeGreaterThanOrEqual(1);
      expect(stats.packetsIn).toBeGreaterThanOrEqual(2);
      expect(stats.packetsOut).toBeGreaterThanOrEqual(1);
      expect(stats.uptimeMs).toBeGreaterThan(0);
      expect((await peer.ping(2)).seq).toBe(2);
    });

    it('a user token asking for ServerStats is closed with Forbidden, counted as a violation', async () => {
      const before = server.engine.metrics.violations[DisconnectReason.Forbidden]!;
      const peer = await handshake(await jwt.mint({ role: 'user' }));
      await peer.expect(PacketId.SessionConnectRes);
      await peer.write(encodeServerStatsReq({ requestId: 1 }));
      const notice = await peer.expectNotice();
      expect(notice).toEqual({ reason: DisconnectReason.Forbidden, text: 'ServerStatsReq requires role "admin"; this session has role "user"' });
      expect(await peer.waitClosed()).toBe(true);
      expect(server.engine.metrics.violations[DisconnectReason.Forbidden]).toBe(before + 1);
      expect(peer.received).not.toContain(PacketId.ServerStatsRes);
    });
  });

  it('rotation: a new kid is accepted after setKeys, the retired kid is refused', async () => {
    const auth = server.auth!;
    const original = auth.keys;
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const rotated = { keys: [...jwt.publicJwks.keys.filter((k) => k.kid !== 'hs-1'), { kty: 'oct', kid: 'hs-2', k: Buffer.from(secret).toString('base64url') }] };
    try {
      auth.setKeys(await loadKeySet(rotated));
      const ok = await handshake(await jwt.mint({}, 'hs-2', secret, 'HS256'));
      expect((await ok.expect(PacketId.SessionConnectRes)).bytes[4]).toBe(ConnectResult.Ok);
      const old = await handshake(await jwt.mint({}, 'hs-1'));
      expect((await old.expect(PacketId.SessionConnectRes)).bytes[4]).toBe(ConnectResult.AuthFailed);
    } finally {
      auth.setKeys(original);
    }
  });

  it('a flood of token handshakes is bounded by maxPendingVerifications; a good client is served throughout', async () => {
    const flood = await startQuietServer({
      jwt: { keys: await loadKeySet(jwt.publicJwks), issuer: jwt.issuer, audience: jwt.audience, maxPendingVerifications: 4 },
      limits: { maxSessions: 1000, maxPendingRejections: 0 },
    });
    const peers: RawPeer[] = [];
    try {
      const controlClient = await ControlClient.start(flood.port, { token: await jwt.mint({ sub: 'control' }) });
      const goodToken = await jwt.mint({ sub: 'flooder' });
      const badToken = await jwt.mint({ sub: 'flooder' }, 'hs-1', new Uint8Array(32));
      const results = { ok: 0, authFailed: 0, serverFull: 0 };
      const report = await measureAttack(flood.engine, controlClient, async () => {
        for (let round = 0; round < 4; round++) {
          const batch = await Promise.all(Array.from({ length: 100 }, () => RawPeer.connect(flood.port)));
          peers.push(...batch);
          // Signature checks run on libuv's thread pool. Keep its threads busy (a loaded server) so
          // verifications pile up behind them: the bound, not the machine's speed, must stop the pile.
          const busy = occupyThreadPool();
          const bytes = (i: number): Buffer => encodeSessionConnectReq({ clientVersion: 1, token: i % 2 === 0 ? goodToken : badToken });
          await Promise.all(batch.map((p, i) => p.write(bytes(i))));
          const answers = await Promise.all(batch.map((p) => p.expect(PacketId.SessionConnectRes, 10_000)));
          await busy;
          for (const a of answers) {
            const r = a.bytes[4];
            if (r === ConnectResult.Ok) results.ok++;
            else if (r === ConnectResult.AuthFailed) results.authFailed++;
            else if (r === ConnectResult.ServerFull) results.serverFull++;
          }
          for (const p of batch) p.destroy();
        }
      });
      await controlClient.stop();
      const auth = flood.auth!;
      expect(results.ok + results.authFailed + results.serverFull).toBe(400);
      expect(results.serverFull).toBeGreaterThan(0);
      expect(auth.failuresFor(AuthFailure.Overloaded)).toBe(results.serverFull);
      expect(auth.pending).toBe(0);
      expect(report.attackP99).toBeLessThan(p99Bound(report));
      await waitFor(() => flood.engine.sessions.size === 0, 'every flood session to close', 10_000);
    } finally {
      for (const p of peers) p.destroy();
      await flood.shutdown({ deadlineMs: 2000 });
    }
  });
});

describe('roles without authentication (--auth off)', () => {
  it('nobody holds the admin role, so ServerStatsReq is Forbidden', async () => {
    const server = await startQuietServer();
    const pool = new PeerPool();
    try {
      const peer = await pool.connected(server.port);
      await peer.write(encodeServerStatsReq({ requestId: 1 }));
      expect(await peer.expectNotice()).toEqual({ reason: DisconnectReason.Forbidden, text: 'ServerStatsReq requires role "admin"; this session has no role' });
    } finally {
      pool.destroyAll();
      await server.shutdown({ deadlineMs: 2000 });
    }
  });
});

describe.skipIf(!hasOpenssl())('JWT over wss', () => {
  it('authenticates and serves admin stats over WebSocket on TLS', async () => {
    const jwt = await jwtFixture();
    const certs = makeTestCertificates();
    const server = await startQuietServer({
      transport: { kind: 'wss', tls: { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) }, ws: { path: '/game' } },
      jwt: { keys: await loadKeySet(jwt.publicJwks), issuer: jwt.issuer, audience: jwt.audience },
    });
    const peer = await WsPeer.connect(`wss://localhost:${server.port}/game`, { ca: certs.read(certs.caCert) });
    try {
      expect((await peer.handshake(1, await jwt.mint({ role: 'admin' }, 'ed-1'))).result).toBe(ConnectResult.Ok);
      await peer.write(Buffer.concat([encodeServerStatsReq({ requestId: 5 }), encodeServerStatsReq({ requestId: 6 })]));
      const a = await peer.expect(PacketId.ServerStatsRes);
      const b = await peer.expect(PacketId.ServerStatsRes);
      expect([decodeServerStatsRes(a.bytes, 0, a.bytes.length).requestId, decodeServerStatsRes(b.bytes, 0, b.bytes.length).requestId]).toEqual([5, 6]);
      expect(server.transport.kind).toBe('wss');
    } finally {
      peer.destroy();
      await server.shutdown({ deadlineMs: 2000 });
      certs.remove();
      jwt.remove();
    }
  });
});
