import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason, PacketId, encodePingReq, encodeSessionConnectReq } from '../../protocol/index.ts';
import type { RawPeer } from '../testing/raw-peer.ts';
import { PeerPool, sleep, startQuietServer, waitFor } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';

/** Only what the server may send in reply to garbage. */
const ALLOWED_REPLIES = new Set<number>([PacketId.SessionConnectRes, PacketId.PongRes, PacketId.DisconnectNotice]);

describe('hostile peers never crash the server; a well-behaved client keeps being served', () => {
  let server: RunningTestServer;
  const pool = new PeerPool();
  let good: RawPeer;
  let goodPongs = 0;
  let stopGood = false;
  let goodLoop: Promise<void>;

  beforeAll(async () => {
    server = await startQuietServer({
      limits: { handshakeTimeoutMs: 300, idleTimeoutMs: 5000, closeGraceMs: 200, timerResolutionMs: 20, maxPacketSize: 1024 },
    });
    good = await pool.connected(server.port);
    goodLoop = (async () => {
      for (let seq = 0; !stopGood && seq < 100_000; seq++) {
        const pong = await good.ping(seq, 10_000);
        if (pong.seq !== seq) throw new Error(`pong ${pong.seq} for ping ${seq}`);
        goodPongs++;
        await sleep(10);
      }
    })();
  });

  afterEach(async () => {
    // The good client is still answered after every hostile test.
    const before = goodPongs;
    await waitFor(() => goodPongs > before, 'the good client to get another pong', 10_000);
    expect(good.closed).toBe(false);
  });

  afterAll(async () => {
    stopGood = true;
    await goodLoop;
    pool.destroyAll();
    await server.shutdown({ deadlineMs: 2000 });
  });

  it('random bytes: the server answers only with valid packets and closes the connection', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 3000 }), async (bytes) => {
        const peer = await pool.connect(server.port);
        await peer.write(Buffer.from(bytes));
        expect(await peer.waitClosed(5000)).toBe(true);
        expect(peer.decodeError).toBeNull();
        expect(peer.received.every((id) => ALLOWED_REPLIES.has(id))).toBe(true);
        peer.destroy();
      }),
      { numRuns: 40 },
    );
    expect(server.engine.state).toBe('listening');
  });

  it('random bytes after a valid handshake are answered with a notice and a close', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 4, maxLength: 3000 }), async (bytes) => {
        const peer = await pool.connected(server.port);
        await peer.write(Buffer.from(bytes));
        // Either a violation closes it, or (for a chunk of valid pings) it idles out; both end with a notice.
        expect(await peer.waitClosed(10_000)).toBe(true);
        expect(peer.decodeError).toBeNull();
        expect(peer.received.at(-1)).toBe(PacketId.DisconnectNotice);
        peer.destroy();
      }),
      { numRuns: 15 },
    );
  });

  it('an oversized size field is rejected before any payload arrives', async () => {
    const peer = await pool.connect(server.port);
    await peer.write(Buffer.from([0xff, 0xff, 0x03, 0x00]));
    expect((await peer.expectNotice()).reason).toBe(DisconnectReason.SizeTooLarge);
    expect(await peer.waitClosed()).toBe(true);
  });

  it('a byte-at-a-time writer of valid packets is served correctly', async () => {
    const peer = await pool.connect(server.port);
    const stream = Buffer.concat([encodeSessionConnectReq({ clientVersion: 1, token: '' }), encodePingReq({ clientTime: 5, seq: 77 })]);
    await peer.writeSlowly(stream, 5);
    const pong = await peer.expect(PacketId.PongRes);
    expect(pong.bytes.readUInt32LE(20)).toBe(77);
    expect(peer.received).toEqual([PacketId.SessionConnectRes, PacketId.PongRes]);
  });

  it('connections opened and reset at once, or half-sent, leave no session behind', async () => {
    for (let i = 0; i < 30; i++) {
      const peer = await pool.connect(server.port);
      if (i % 3 === 1) await peer.write(encodeSessionConnectReq({ clientVersion: 1, token: 'x' }).subarray(0, 5));
      if (i % 3 === 2) await peer.handshake();
      peer.socket.resetAndDestroy();
    }
    await waitFor(() => server.engine.sessions.size === 1, 'only the good session to remain', 10_000);
  });
});
