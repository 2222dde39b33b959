import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason, PacketId, encodePingReq, encodeSessionConnectReq } from '../../protocol/index.ts';
import { PeerPool, startQuietServer } from '../testing/server-fixture.ts';
import type { RunningTestServer } from './app.ts';

function packet(size: number, id: number, payloadBytes = Math.max(0, size - 4)): Buffer {
  const b = Buffer.alloc(4 + payloadBytes);
  b.writeUInt16LE(size, 0);
  b.writeUInt16LE(id, 2);
  return b;
}

/** A SessionConnectReq whose tokenLength says 50 but carries 2 bytes. */
function lyingConnect(): Buffer {
  const b = encodeSessionConnectReq({ clientVersion: 1, token: 'ab' });
  b.writeUInt16LE(50, 8);
  return b;
}

describe('protocol violations: DisconnectNotice with the reason, then close', () => {
  let server: RunningTestServer;
  const pool = new PeerPool();

  beforeAll(async () => {
    server = await startQuietServer({ limits: { maxPacketSize: 1024 } });
  });
  afterEach(() => pool.destroyAll());
  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
  });

  it.each([
    ['a ping before connect', false, encodePingReq({ clientTime: 1, seq: 1 }), DisconnectReason.NotConnected, /PingReq before a successful SessionConnectReq/],
    ['size 0', false, packet(0, PacketId.PingReq, 0), DisconnectReason.SizeTooSmall, /below the 4-byte header/],
    ['size 3', true, packet(3, PacketId.PingReq, 0), DisconnectReason.SizeTooSmall, /below the 4-byte header/],
    ['size above the maximum', true, packet(1025, PacketId.PingReq, 0), DisconnectReason.SizeTooLarge, /exceeds the maximum of 1024/],
    ['size 0xFFFF', false, packet(0xffff, PacketId.PingReq, 0), DisconnectReason.SizeTooLarge, /65535/],
    ['an unknown id', true, packet(4, 0x4242), DisconnectReason.UnknownPacketId, /0x4242/],
    ['a short PingReq', true, packet(10, PacketId.PingReq), DisconnectReason.MalformedPayload, /PingReq: expected 16 bytes, got 10/],
    ['a long PingReq', true, packet(20, PacketId.PingReq), DisconnectReason.MalformedPayload, /got 20/],
    ['a truncated SessionConnectReq', false, packet(6, PacketId.SessionConnectReq), DisconnectReason.MalformedPayload, /shorter than the 10-byte minimum/],
    ['a SessionConnectReq with a lying tokenLength', false, lyingConnect(), DisconnectReason.MalformedPayload, /tokenLength 50 does not match/],
    ['a second SessionConnectReq', true, encodeSessionConnectReq({ clientVersion: 1, token: '' }), DisconnectReason.AlreadyConnected, /second SessionConnectReq/],
  ])('%s', async (_name, handshakeFirst, bytes, reason, text) => {
    const before = server.engine.metrics.violations[reason]!;
    const peer = handshakeFirst ? await pool.connected(server.port) : await pool.connect(server.port);
    await peer.write(bytes);
    const notice = await peer.expectNotice();
    expect(notice.reason).toBe(reason);
    expect(notice.text).toMatch(text);
    expect(await peer.waitClosed()).toBe(true);
    expect(peer.decodeError).toBeNull();
    expect(server.engine.metrics.violations[reason]).toBe(before + 1);
  });

  it('answers the packets before the violation, then the notice', async () => {
    const peer = await pool.connected(server.port);
    await peer.write(Buffer.concat([encodePingReq({ clientTime: 1, seq: 1 }), packet(4, 0x4242), encodePingReq({ clientTime: 2, seq: 2 })]));
    await peer.expectNotice();
    expect(await peer.waitClosed()).toBe(true);
    expect(peer.received).toEqual([PacketId.SessionConnectRes, PacketId.PongRes, PacketId.DisconnectNotice]);
  });
});
