import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason, encodePingReq } from '../../protocol/index.ts';
import { Limit } from '../engine/index.ts';
import type { RawPeer } from '../testing/raw-peer.ts';
import { PeerPool, sleep, startQuietServer, waitFor } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';

const CAP = 64 * 1024;
const HARD = 256 * 1024;

const PINGS = Buffer.concat(Array.from({ length: 1024 }, (_, i) => encodePingReq({ clientTime: 1, seq: i })));

/**
 * Sends 1024 pings per step, respecting our own socket's backpressure, until
 * `stop()` says so, the connection closes, or `maxMs` passes. Returns pings sent.
 */
async function flood(peer: RawPeer, stop: () => boolean, maxMs: number): Promise<number> {
  const end = Date.now() + maxMs;
  let sent = 0;
  while (!peer.closed && !stop() && Date.now() < end) {
    const ok = peer.socket.write(PINGS);
    sent += 1024;
    // Yield so timers (ours and the server's) run; wait for drain when our buffer is full.
    if (!ok) await peer.waitWritable(100);
    else if (sent % (64 * 1024) === 0) await sleep(0);
  }
  return sent;
}

describe('backpressure', () => {
  let server: RunningTestServer;
  const pool = new PeerPool();

  beforeAll(async () => {
    server = await startQuietServer({
      limits: {
        maxOutboundBytes: CAP,
        outboundHardLimitBytes: HARD,
        slowConsumerTimeoutMs: 1500,
        closeGraceMs: 200,
        timerResolutionMs: 20,
        rateLimitPerSecond: 0,
      },
    });
  });
  afterEach(() => pool.destroyAll());
  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
  });

  it('a client that floods pings and never reads is paused, bounded, and dropped as SlowConsumer while another is served', async () => {
    const good = await pool.connected(server.port);
    const slow = await pool.connected(server.port);

    let goodPongs = 0;
    let stop = false;
    const goodLoop = (async () => {
      for (let seq = 0; !stop && seq < 10_000; seq++) {
        expect((await good.ping(seq, 10_000)).seq).toBe(seq);
        goodPongs++;
        await sleep(20);
      }
    })();

    slow.retainPackets = false;
    slow.stopReading();
    const sent = await flood(slow, () => false, 30_000);
    stop = true;
    await goodLoop;

    const m = server.engine.metrics;
    expect(slow.closed).toBe(true);
    expect(m.disconnects[DisconnectReason.SlowConsumer]).toBe(1);
    expect(m.limitHits[Limit.BackpressurePause]).toBeGreaterThanOrEqual(1);
    expect(m.limitHits[Limit.SlowConsumer]! + m.limitHits[Limit.OutboundHardLimit]!).toBe(1);
    // Unsent output for the slow client never exceeded the hard limit, however much it sent.
    expect(m.outboundPeakBytes).toBeLessThanOrEqual(HARD);
    expect(sent * 24).toBeGreaterThan(HARD);
    expect(m.sessionsPaused).toBe(0);
    // The well-behaved client was answered throughout.
    expect(goodPongs).toBeGreaterThan(0);
    expect((await good.ping(99_999)).seq).toBe(99_999);
  });

  it('a client that stops reading for less than the deadline is paused, then resumed, and gets every answer', async () => {
    const m = server.engine.metrics;
    const dropsBefore = m.disconnects[DisconnectReason.SlowConsumer]!;
    const pausesBefore = m.limitHits[Limit.BackpressurePause]!;
    const peer = await pool.connected(server.port);
    peer.retainPackets = false;
    peer.stopReading();
    // Flood until the server pauses us (the kernel buffers fill first).
    const sent = await flood(peer, () => m.sessionsPaused > 0, 20_000);
    expect(m.sessionsPaused).toBe(1);
    peer.socket.resume();
    await waitFor(() => peer.received.length === 1 + sent, `${sent} pongs`, 20_000);
    await waitFor(() => m.sessionsPaused === 0, 'the session to resume');
    expect(peer.closed).toBe(false);
    expect(m.limitHits[Limit.BackpressurePause]).toBeGreaterThan(pausesBefore);
    expect(m.disconnects[DisconnectReason.SlowConsumer]).toBe(dropsBefore);
    expect(peer.received.slice(1).every((id) => id === 0x0004)).toBe(true);
  });
});
