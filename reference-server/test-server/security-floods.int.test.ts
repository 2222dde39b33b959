/**
 * Floods, measured against a control client (every pong arrives; p99 within
 * max(20 × baseline, 1 s)) and against the bounds the limits promise:
 * a connection flood past the session limit, a packet flood past the rate
 * limit, a reader that never reads, and thousands of connects and
 * disconnects.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectResult, DisconnectReason, PacketId, encodePingReq, encodeSessionConnectReq } from '../../protocol/index.ts';
import { Limit, type EngineLimits } from '../engine/index.ts';
import { RawPeer } from '../testing/raw-peer.ts';
import { sleep, startQuietServer, waitFor } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';
import { ControlClient, measureAttack, p99Bound, type AttackReport } from './security-support.ts';

const QUIET: Partial<EngineLimits> = { closeGraceMs: 200, timerResolutionMs: 20, handshakeTimeoutMs: 2000 };
const PINGS = (n: number): Buffer => Buffer.concat(Array.from({ length: n }, (_, i) => encodePingReq({ clientTime: 1, seq: i })));

function expectServed(r: AttackReport): void {
  expect(r.pongsDuring).toBeGreaterThan(0);
  expect(r.attackP99, `control p99 ${r.attackP99.toFixed(1)} ms vs baseline ${r.baselineP99.toFixed(1)} ms`).toBeLessThan(p99Bound(r));
}

const openFds = (): number => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);

describe('floods: the control client is served and the server stays within its limits', () => {
  let server: RunningTestServer | null = null;
  let control: ControlClient | null = null;
  const peers: RawPeer[] = [];

  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await control?.stop();
    control = null;
    await server?.shutdown({ deadlineMs: 2000 });
    server = null;
  });

  async function start(limits: Partial<EngineLimits>): Promise<{ s: RunningTestServer; c: ControlClient }> {
    server = await startQuietServer({ limits: { ...QUIET, ...limits } });
    control = await ControlClient.start(server.port);
    return { s: server, c: control };
  }

  it('a connection flood past maxSessions: at most maxSessions admitted, pending rejections bounded, the rest refused', async () => {
    const { s, c } = await start({ maxSessions: 20, maxPendingRejections: 30 });
    const outcome = { ok: 0, full: 0, refused: 0 };
    let peakSessions = 0;
    let peakPending = 0;
    const sampler = setInterval(() => {
      peakSessions = Math.max(peakSessions, s.engine.sessions.count);
      peakPending = Math.max(peakPending, s.engine.sessions.pendingRejections);
    }, 5);
    const r = await measureAttack(s.engine, c, async () => {
      for (let round = 0; round < 3; round++) {
        const batch = await Promise.all(Array.from({ length: 100 }, () => RawPeer.connect(s.port)));
        peers.push(...batch);
        await Promise.all(batch.map((p) => p.sendHandshake()));
        await Promise.all(
          batch.map(async (p) => {
            try {
              const res = await p.expect(PacketId.SessionConnectRes, 5000);
              if (res.bytes[4] === ConnectResult.Ok) outcome.ok++;
              else if (res.bytes[4] === ConnectResult.ServerFull) outcome.full++;
            } catch {
              outcome.refused++; // closed at accept: no answer at all
            }
          }),
        );
        for (const p of batch.splice(0)) p.destroy();
        await waitFor(() => s.engine.sessions.size === 1, 'the flood sessions to close', 10_000);
      }
    });
    clearInterval(sampler);
    expectServed(r);
    expect(outcome.ok + outcome.full + outcome.refused).toBe(300);
    expect(outcome.ok).toBeLessThanOrEqual(3 * 19);
    expect(outcome.full).toBeGreaterThan(0);
    expect(peakSessions).toBeLessThanOrEqual(20);
    expect(peakPending).toBeLessThanOrEqual(30);
    expect(s.engine.metrics.limitHits[Limit.MaxSessions]).toBe(outcome.full + outcome.refused);
  });

  it('a packet flood past the rate limit is cut with RateLimited after at most the burst', async () => {
    const { s, c } = await start({ rateLimitPerSecond: 500, rateLimitBurst: 1000 });
    let flooder!: RawPeer;
    const r = await measureAttack(s.engine, c, async () => {
      flooder = await RawPeer.connect(s.port);
      peers.push(flooder);
      await flooder.handshake();
      flooder.retainPackets = false;
      await flooder.write(PINGS(5000));
      expect(await flooder.waitClosed(5000)).toBe(true);
    });
    expectServed(r);
    const pongs = flooder.received.filter((id) => id === PacketId.PongRes).length;
    expect(pongs).toBeLessThanOrEqual(1000 + 50);
    expect(flooder.received.at(-1)).toBe(PacketId.DisconnectNotice);
    expect(s.engine.metrics.disconnects[DisconnectReason.RateLimited]).toBe(1);
    expect(s.engine.metrics.limitHits[Limit.RateLimit]).toBe(1);
  });

  it('a reader that never reads is paused, held under the hard limit, and dropped as SlowConsumer', async () => {
    const CAP = 64 * 1024;
    const HARD = 256 * 1024;
    const { s, c } = await start({ maxOutboundBytes: CAP, outboundHardLimitBytes: HARD, slowConsumerTimeoutMs: 1000, rateLimitPerSecond: 0 });
    const batch = PINGS(1024);
    let sent = 0;
    const r = await measureAttack(s.engine, c, async () => {
      const slow = await RawPeer.connect(s.port);
      peers.push(slow);
      await slow.handshake();
      slow.retainPackets = false;
      slow.stopReading();
      const end = Date.now() + 30_000;
      while (!slow.closed && Date.now() < end) {
        if (!slow.socket.write(batch)) await slow.waitWritable(100);
        sent += 1024;
        if (sent % (32 * 1024) === 0) await sleep(1);
      }
      expect(slow.closed).toBe(true);
    });
    expectServed(r);
    expect(sent * 24).toBeGreaterThan(HARD);
    // Whatever the reader sent, the server never held more than the hard limit for it.
    expect(r.peakOutbound).toBeLessThanOrEqual(HARD + CAP);
    expect(s.engine.metrics.outboundPeakBytes).toBeLessThanOrEqual(HARD + CAP);
    expect(s.engine.metrics.disconnects[DisconnectReason.SlowConsumer]).toBe(1);
    expect(s.engine.metrics.sessionsPaused).toBe(0);
  });

  it('thousands of connects and disconnects leave no session, buffer or file descriptor behind', async () => {
    const { s, c } = await start({ maxSessions: 1000 });
    const fdsBefore = openFds();
    const opened = s.engine.metrics.sessionsOpened;
    const CYCLES = 2000;
    const r = await measureAttack(s.engine, c, async () => {
      for (let i = 0; i < CYCLES; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, async (_, j) => {
            const p = await RawPeer.connect(s.port);
            switch ((i + j) % 4) {
              case 0:
                p.destroy();
                break;
              case 1:
                p.socket.resetAndDestroy();
                break;
              case 2:
                await p.handshake();
                p.end();
                await p.waitClosed(5000);
                break;
              default:
                await p.write(encodeSessionConnectReq({ clientVersion: 1, token: 'half' }).subarray(0, 7));
                p.socket.resetAndDestroy();
            }
          }),
        );
      }
      await waitFor(() => s.engine.sessions.size === 1, 'every cycled session to close', 20_000);
    });
    expectServed(r);
    expect(s.engine.metrics.sessionsOpened - opened).toBe(CYCLES);
    expect(s.engine.bufferedBytes()).toEqual({ inbound: 0, outbound: 0 });
    if (fdsBefore > 0) await waitFor(() => openFds() <= fdsBefore + 20, `open fds to return near ${fdsBefore} (now ${openFds()})`, 10_000);
  });
});
