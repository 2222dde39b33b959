import { describe, expect, it } from 'vitest';
import { builtinCatalogue, parseCatalogue } from '../../protocol/catalogue/index.ts';
import { DisconnectReason } from '../../protocol/packet-ids.ts';
import { encodeDisconnectNotice, encodeSessionConnectRes } from '../../protocol/packets.ts';
import { PendingTable } from './expect.ts';
import { connectErrorKind, handshakeErrorKind, noticeErrorKind, readNumber, resolveSessionPackets } from './session-packets.ts';

describe('error kinds', () => {
  it.each([
    [DisconnectReason.Normal, 'closed'],
    [DisconnectReason.NotConnected, 'violation'],
    [DisconnectReason.SizeTooSmall, 'violation'],
    [DisconnectReason.SizeTooLarge, 'violation'],
    [DisconnectReason.UnknownPacketId, 'violation'],
    [DisconnectReason.MalformedPayload, 'violation'],
    [DisconnectReason.HandshakeTimeout, 'closed'],
    [DisconnectReason.IdleTimeout, 'closed'],
    [DisconnectReason.RateLimited, 'violation'],
    [DisconnectReason.SlowConsumer, 'closed'],
    [DisconnectReason.ServerShutdown, 'closed'],
    [DisconnectReason.AlreadyConnected, 'violation'],
    [DisconnectReason.HandshakeRejected, 'closed'],
    [DisconnectReason.Forbidden, 'violation'],
    [DisconnectReason.InternalError, 'closed'],
    [999, 'closed'],
  ])('DisconnectNotice reason %i → %s', (reason, kind) => {
    expect(noticeErrorKind(reason)).toBe(kind);
  });

  it.each([
    [1, 'handshake-rejected'],
    [2, 'auth'],
    [3, 'handshake-rejected'],
  ])('handshake result %i → %s', (result, kind) => {
    expect(handshakeErrorKind(result)).toBe(kind);
  });

  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'connect-timeout'],
    ['EADDRNOTAVAIL', 'other'],
    [undefined, 'other'],
  ])('connect error %s → %s', (code, kind) => {
    expect(connectErrorKind(code)).toBe(kind);
  });
});

describe('resolveSessionPackets', () => {
  it('finds the v1 handshake and notice, with fixed-offset readers', () => {
    const sp = resolveSessionPackets(builtinCatalogue());
    expect(sp.connectResId).toBe(2);
    expect(sp.noticeId).toBe(5);
    const res = encodeSessionConnectRes({ result: 3, sessionId: 9, serverTime: 1 });
    expect(readNumber(sp.connectRes!, sp.resultReader, 'result', res, 0, res.length)).toBe(3);
    const notice = encodeDisconnectNotice({ reason: 8, text: 'slow down' });
    expect(readNumber(sp.notice!, sp.reasonReader, 'reason', notice, 0, notice.length)).toBe(8);
  });

  it('treats a catalogue without the handshake packets as TCP-only sessions', () => {
    const foreign = parseCatalogue(
      [
        'catalogue: foreign',
        'header: { endianness: big, fields: [id, size], id: { type: u16 }, size: { type: u32, includesHeader: false } }',
        'packets:',
        '  SessionConnectReq: { id: 1, direction: client, fields: [ { name: v, type: u8 } ] }',
      ].join('\n'),
      { source: 'foreign.yaml', baseDir: '/tmp' },
    );
    const sp = resolveSessionPackets(foreign);
    expect(sp.connectReq).toBeNull(); // half a handshake is no handshake
    expect(sp.connectResId).toBe(-1);
    expect(sp.noticeId).toBe(-1);
  });

  it('readNumber returns -1 for a packet that does not decode', () => {
    const sp = resolveSessionPackets(builtinCatalogue());
    expect(readNumber(sp.notice!, null, 'reason', Buffer.from([8, 0, 5, 0, 1, 0, 9, 9]), 0, 8)).toBe(-1);
  });
});

describe('PendingTable', () => {
  it('keeps requests oldest first: releasing the oldest is O(1), others keep their order', () => {
    const t = new PendingTable();
    const a = t.acquire();
    const b = t.acquire();
    const c = t.acquire();
    t.release(0);
    expect(t.count).toBe(2);
    expect([t.at(0), t.at(1)]).toEqual([b, c]);
    const d = t.acquire();
    expect([t.at(0), t.at(1), t.at(2)]).toEqual([b, c, d]);
    t.release(1);
    expect([t.at(0), t.at(1)]).toEqual([b, d]);
    expect(t.pop()).toBe(d);
    expect(t.pop()).toBe(b);
    expect(t.pop()).toBeUndefined();
    void a;
  });

  it('recycles slots: a warm table allocates nothing, the ring wraps around', () => {
    const t = new PendingTable();
    const first = [t.acquire(), t.acquire(), t.acquire(), t.acquire()];
    for (let i = 0; i < 4; i++) t.release(0);
    expect(t.count).toBe(0);
    // 1000 requests, 3 in flight at a time, answered in order: only the 4 slots are ever used.
    const seen = new Set(first);
    for (let i = 0; i < 1000; i++) {
      seen.add(t.acquire());
      if (t.count === 3) t.release(0);
    }
    expect(seen.size).toBe(4);
    t.clear();
    expect(t.count).toBe(0);
    expect(t.pop()).toBeUndefined();
  });

  it('grows past its capacity keeping the order', () => {
    const t = new PendingTable();
    const reqs = Array.from({ length: 3 }, () => t.acquire());
    t.release(0); // head moves: the next growth must re-lay the ring in order
    reqs.push(...Array.from({ length: 6 }, () => t.acquire()));
    expect(t.count).toBe(8);
    expect(Array.from({ length: 8 }, (_, i) => t.at(i))).toEqual(reqs.slice(1));
  });
});
