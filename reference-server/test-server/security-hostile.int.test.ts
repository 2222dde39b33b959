/**
 * Hostile peers that abuse the framing, measured: while each attack runs, a
 * well-behaved control client keeps pinging; it must get every pong, its
 * p99 must stay within max(20 × its baseline p99, 1 s) (the machine is
 * shared and noisy, so the bound is generous; the pong count is the real
 * check), and the bytes the engine holds for sessions must stay within
 * the bound the limits promise.
 *
 * Extends hostile.int.test.ts (random bytes, byte-at-a-time, resets) and
 * limits.int.test.ts (deadlines) with the control-client measurement.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DisconnectReason,
  PacketId,
  encodeDisconnectNotice,
  encodePongRes,
  encodeServerStatsRes,
  encodeSessionConnectReq,
  encodeSessionConnectRes,
  writeHeader,
} from '../../protocol/index.ts';
import { Limit } from '../engine/index.ts';
import type { RawPeer } from '../testing/raw-peer.ts';
import { PeerPool, sleep, startQuietServer, waitFor } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';
import { ControlClient, measureAttack, p99Bound, type AttackReport } from './security-support.ts';

const MAX_PACKET = 1024;
const HANDSHAKE_MS = 300;
const IDLE_MS = 600;

/** A header (and optional payload bytes) with an arbitrary size field. */
function header(size: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(4);
  writeHeader(b, 0, size, id);
  return Buffer.concat([b, payload]);
}

function expectServed(r: AttackReport): void {
  expect(r.pongsDuring).toBeGreaterThan(0);
  expect(r.attackP99, `control p99 ${r.attackP99.toFixed(1)} ms vs baseline ${r.baselineP99.toFixed(1)} ms`).toBeLessThan(p99Bound(r));
}

describe('hostile framing: the control client is served and memory stays bounded', () => {
  let server: RunningTestServer;
  let control: ControlClient;
  const pool = new PeerPool();

  beforeAll(async () => {
    server = await startQuietServer({
      limits: {
        maxPacketSize: MAX_PACKET,
        handshakeTimeoutMs: HANDSHAKE_MS,
        idleTimeoutMs: IDLE_MS,
        closeGraceMs: 200,
        timerResolutionMs: 20,
        maxSessions: 500,
      },
    });
    control = await ControlClient.start(server.port);
  });
  afterEach(() => pool.destroyAll());
  afterAll(async () => {
    await control.stop();
    await server.shutdown({ deadlineMs: 2000 });
  });

  async function attackEach(make: (peer: RawPeer) => Promise<void>, count: number, expectReason: DisconnectReason): Promise<AttackReport> {
    return measureAttack(server.engine, control, async () => {
      const peers = await Promise.all(Array.from({ length: count }, () => pool.connect(server.port)));
      await Promise.all(peers.map(make));
      for (const p of peers) {
        expect((await p.expectNotice(5000)).reason).toBe(expectReason);
        expect(await p.waitClosed(5000)).toBe(true);
      }
    });
  }

  it.each([0, 1, 2, 3])('size field %d (below the header) → SizeTooSmall, before and after the handshake', async (size) => {
    const before = server.engine.metrics.violations[DisconnectReason.SizeTooSmall]!;
    const r = await attackEach((p) => p.write(header(size, PacketId.PingReq)), 20, DisconnectReason.SizeTooSmall);
    const connected = await pool.connected(server.port);
    await connected.write(header(size, 0x7777));
    expect((await connected.expectNotice()).reason).toBe(DisconnectReason.SizeTooSmall);
    expectServed(r);
    expect(server.engine.metrics.violations[DisconnectReason.SizeTooSmall]).toBe(before + 21);
  });

  it.each([MAX_PACKET + 1, 0x8000, 0xffff])('size field %d (over maxPacketSize) → SizeTooLarge before any payload is buffered', async (size) => {
    const r = await attackEach((p) => p.write(header(size, PacketId.PingReq, Buffer.alloc(100))), 20, DisconnectReason.SizeTooLarge);
    expectServed(r);
    // Rejected at the header: nothing of the announced size was ever held.
    expect(r.peakInbound).toBeLessThanOrEqual(20 * MAX_PACKET);
    expect(server.engine.metrics.limitHits[Limit.MaxPacketSize]).toBeGreaterThanOrEqual(20);
  });

  it('a truncated packet then silence: HandshakeTimeout before the handshake, IdleTimeout after', async () => {
    const partial = encodeSessionConnectReq({ clientVersion: 1, token: 'x'.repeat(500) }).subarray(0, 300);
    const r = await attackEach((p) => p.write(partial), 30, DisconnectReason.HandshakeTimeout);
    expectServed(r);
    // 30 stashes of at most maxPacketSize each (300 bytes here), freed at the deadline.
    expect(r.peakInbound).toBeLessThanOrEqual(30 * MAX_PACKET);
    const after = await pool.connected(server.port);
    await after.write(header(100, PacketId.PingReq, Buffer.alloc(20)));
    const t0 = Date.now();
    expect((await after.expectNotice(5000)).reason).toBe(DisconnectReason.IdleTimeout);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(IDLE_MS - 100);
    await waitFor(() => server.engine.bufferedBytes().inbound === 0, 'the stashes to be freed');
  });

  it('slowloris: 50 connections writing one byte every 50 ms are all cut at the handshake deadline', async () => {
    const hello = encodeSessionConnectReq({ clientVersion: 1, token: 'y'.repeat(200) });
    const written: number[] = [];
    const r = await measureAttack(server.engine, control, async () => {
      const peers = await Promise.all(Array.from({ length: 50 }, () => pool.connect(server.port)));
      const writers = peers.map((p) => p.writeSlowly(hello, 50));
      for (const p of peers) expect((await p.expectNotice(5000)).reason).toBe(DisconnectReason.HandshakeTimeout);
      written.push(...(await Promise.all(writers)));
    });
    expectServed(r);
    expect(Math.max(...written)).toBeLessThan(hello.length);
    expect(r.peakInbound).toBeLessThanOrEqual(50 * MAX_PACKET);
  });

  describe('server → client packets sent by a client are violations (a forged answer or notice goes nowhere)', () => {
    it.each([
      ['SessionConnectRes', () => encodeSessionConnectRes({ result: 0, sessionId: 1, serverTime: 1 })],
      ['PongRes', () => encodePongRes({ clientTime: 1, serverTime: 2, seq: 3 })],
      ['DisconnectNotice', () => encodeDisconnectNotice({ reason: DisconnectReason.ServerShutdown, text: 'fake' })],
      ['ServerStatsRes', () => encodeServerStatsRes({ requestId: 1, sessions: 0, packetsIn: 0, packetsOut: 0, uptimeMs: 0 })],
    ])('%s → UnknownPacketId, before and after the handshake', async (_name, make) => {
      const early = await pool.connect(server.port);
      await early.write(make());
      expect((await early.expectNotice()).reason).toBe(DisconnectReason.UnknownPacketId);
      const late = await pool.connected(server.port);
      await late.write(make());
      expect((await late.expectNotice()).reason).toBe(DisconnectReason.UnknownPacketId);
      expect(late.received).toEqual([PacketId.SessionConnectRes, PacketId.DisconnectNotice]);
    });

    it("a client cannot act for another session: requests carry no session id, and a second handshake is AlreadyConnected", async () => {
      const victim = await pool.connected(server.port);
      const attacker = await pool.connected(server.port);
      // The only session id on the wire is the one the server assigned in SessionConnectRes; a client
      // claiming another one (in a forged SessionConnectRes, or by re-handshaking) is closed.
      await attacker.write(encodeSessionConnectReq({ clientVersion: 1, token: 'victim' }));
      expect((await attacker.expectNotice()).reason).toBe(DisconnectReason.AlreadyConnected);
      expect((await victim.ping(42)).seq).toBe(42);
      expect(victim.received.filter((id) => id === PacketId.DisconnectNotice)).toHaveLength(0);
    });
  });

  it('after every attack above, no session is left but the control client', async () => {
    pool.destroyAll();
    await sleep(50);
    await waitFor(() => server.engine.sessions.size === 1, 'only the control session to remain', 10_000);
    expect(server.engine.bufferedBytes().inbound).toBe(0);
  });
});
