import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason, PacketId, decodePongRes, encodePingReq } from '../../protocol/index.ts';
import { PeerPool, startQuietServer, waitFor } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';

describe('TestServer ping/pong end to end', () => {
  let server: RunningTestServer;
  const pool = new PeerPool();

  beforeAll(async () => {
    server = await startQuietServer();
  });
  afterEach(() => pool.destroyAll());
  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
  });

  it('handshake returns OK, a fresh session id and the server time in µs', async () => {
    const a = await pool.connect(server.port);
    const b = await pool.connect(server.port);
    const ra = await a.handshake();
    const rb = await b.handshake();
    expect(ra.result).toBe(0);
    expect(rb.result).toBe(0);
    expect(ra.sessionId).toBeGreaterThan(0);
    expect(rb.sessionId).not.toBe(ra.sessionId);
    expect(Math.abs(ra.serverTime - Date.now() * 1000)).toBeLessThan(60_000_000);
  });

  it('echoes clientTime and seq in each pong, with a non-decreasing serverTime', async () => {
    const peer = await pool.connected(server.port);
    let lastServerTime = 0;
    for (let seq = 1; seq <= 50; seq++) {
      const pong = await peer.ping(seq);
      expect(pong.seq).toBe(seq);
      expect(pong.clientTime).toBe(1000 + seq);
      expect(pong.serverTime).toBeGreaterThanOrEqual(lastServerTime);
      lastServerTime = pong.serverTime;
    }
  });

  it('answers 1000 pipelined pings in order, batching the writes', async () => {
    const peer = await pool.connected(server.port);
    const writesBefore = server.engine.metrics.socketWrites;
    const burst = Buffer.concat(Array.from({ length: 1000 }, (_, i) => encodePingReq({ clientTime: i, seq: i })));
    await peer.write(burst);
    const seqs: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const p = await peer.expect(PacketId.PongRes);
      seqs.push(decodePongRes(p.bytes, 0, p.bytes.length).seq);
    }
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // 1000 pongs left in far fewer socket writes than packets (one per read turn).
    expect(server.engine.metrics.socketWrites - writesBefore).toBeLessThan(100);
  });

  it('serves many clients at once', async () => {
    const peers = await Promise.all(Array.from({ length: 20 }, () => pool.connected(server.port)));
    const results = await Promise.all(
      peers.map(async (p) => {
        const seqs: number[] = [];
        for (let s = 0; s < 25; s++) seqs.push((await p.ping(s)).seq);
        return seqs;
      }),
    );
    for (const seqs of results) expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('a client that half-closes after its pings still gets every pong, then the session is freed', async () => {
    const peer = await pool.connected(server.port);
    const before = server.engine.sessions.count;
    await peer.write(Buffer.concat([1, 2, 3].map((seq) => encodePingReq({ clientTime: seq, seq }))));
    peer.end();
    expect(await peer.waitClosed()).toBe(true);
    expect(peer.received).toEqual([PacketId.SessionConnectRes, PacketId.PongRes, PacketId.PongRes, PacketId.PongRes]);
    await waitFor(() => server.engine.sessions.count === before - 1, 'the session to be removed');
  });

  it('DisconnectNotice is server → client only: a client sending one gets UnknownPacketId', async () => {
    const peer = await pool.connected(server.port);
    const bye = Buffer.alloc(8);
    bye.writeUInt16LE(8, 0);
    bye.writeUInt16LE(PacketId.DisconnectNotice, 2);
    await peer.write(bye);
    expect((await peer.expectNotice()).reason).toBe(DisconnectReason.UnknownPacketId);
    expect(await peer.waitClosed()).toBe(true);
  });
});
