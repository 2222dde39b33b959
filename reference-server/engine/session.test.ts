import { describe, expect, it } from 'vitest';
import {
  ConnectResult,
  DisconnectReason,
  PacketId,
  ProtocolError,
  ProtocolErrorCode,
  SESSION_CONNECT_RES_SIZE,
  decodeDisconnectNotice,
  decodeSessionConnectRes,
  encodePingReq,
  encodeSessionConnectReq,
  writePongFromPing,
  writeSessionConnectRes,
} from '../../protocol/index.ts';
import { FakeConnection, createTestHost, type TestHost } from '../testing/fakes.ts';
import type { EngineLimits } from './config.ts';
import { HandlerPhase } from './handler-registry.ts';
import { Limit } from './metrics.ts';
import { Session, SessionState } from './session.ts';

const PING = encodePingReq({ clientTime: 42, seq: 7 });
const CONNECT = encodeSessionConnectReq({ clientVersion: 1, token: '' });

function header(size: number, id: number, payload = 0): Buffer {
  const b = Buffer.alloc(Math.max(4, payload + 4));
  b.writeUInt16LE(size, 0);
  b.writeUInt16LE(id, 2);
  return b;
}

/** A session on a fake connection with minimal handshake and ping handlers. */
function setup(limits: Partial<EngineLimits> = {}, overCapacity = false) {
  const host = createTestHost(limits);
  host.registry
    .register(
      PacketId.SessionConnectReq,
      (s) => {
        const at = s.reserve(SESSION_CONNECT_RES_SIZE, PacketId.SessionConnectRes);
        writeSessionConnectRes(s.out, at, { result: ConnectResult.Ok, sessionId: s.id, serverTime: 1 });
        s.markConnected();
      },
      { phase: HandlerPhase.Handshake },
    )
    .register(PacketId.PingReq, (s, buf, offset, size) => {
      if (size !== 16) throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, 'PingReq: bad size');
      const at = s.reserve(24, PacketId.PongRes);
      writePongFromPing(s.out, at, buf, offset, 99);
    });
  const conn = new FakeConnection();
  const session = new Session(host, conn, 1, overCapacity);
  session.open();
  return { host, conn, session };
}

function connected(limits: Partial<EngineLimits> = {}) {
  const ctx = setup(limits);
  ctx.conn.events!.onData(CONNECT);
  ctx.host.flusher.flushNow();
  ctx.conn.writes.length = 0;
  return ctx;
}

/** The DisconnectNotice the session wrote, decoded. */
function notice(conn: FakeConnection): { reason: number; text: string } {
  const p = conn.packets().find((x) => x.id === PacketId.DisconnectNotice);
  if (p === undefined) throw new Error(`no DisconnectNotice written (got ids ${conn.packets().map((x) => x.id)})`);
  return decodeDisconnectNotice(p.bytes, 0, p.bytes.length);
}

function expectClosing(host: TestHost, conn: FakeConnection, session: Session, reason: number): void {
  expect(notice(conn).reason).toBe(reason);
  expect(session.state).toBe(SessionState.Disconnecting);
  expect(conn.ended).toBe(true);
  conn.fireClose();
  expect(session.state).toBe(SessionState.Disconnected);
  expect(host.closed.at(-1)!.info).toMatchObject({ by: 'server', reason });
}

describe('Session lifecycle', () => {
  it('None → Connecting on open, Connected after the handshake, Disconnected on close', () => {
    const host = createTestHost();
    const conn = new FakeConnection();
    const s = new Session(host, conn, 9);
    expect(s.state).toBe(SessionState.None);
    expect(s.isOpen).toBe(false);
    s.open();
    expect(s.state).toBe(SessionState.Connecting);
    expect(conn.events).toBe(s);
    expect(s.markConnected()).toBe(true);
    expect(s.state).toBe(SessionState.Connected);
    expect(host.connected).toEqual([s]);
    expect(s.markConnected()).toBe(false);
    conn.fireClose();
    expect(s.state).toBe(SessionState.Disconnected);
    expect(host.closed).toEqual([{ session: s, info: { by: 'peer', reason: null, text: '', error: null } }]);
    conn.fireClose();
    expect(host.closed).toHaveLength(1);
  });

  it('answers the handshake and pings, batching everything of one turn into one write', () => {
    const { host, conn, session } = setup();
    conn.events!.onData(Buffer.concat([CONNECT, PING, PING]));
    expect(conn.writes).toHaveLength(0); // nothing before the flush
    host.flusher.flushNow();
    expect(conn.writes).toHaveLength(1);
    const packets = conn.packets();
    expect(packets.map((p) => p.id)).toEqual([PacketId.SessionConnectRes, PacketId.PongRes, PacketId.PongRes]);
    expect(decodeSessionConnectRes(packets[0]!.bytes, 0, 21)).toMatchObject({ result: ConnectResult.Ok, sessionId: 1 });
    expect(packets[1]!.bytes.readUInt32LE(20)).toBe(7);
    expect(session.state).toBe(SessionState.Connected);
    expect(host.metrics.packetsIn[PacketId.PingReq]).toBe(2);
    expect(host.metrics.bytesOut[PacketId.PongRes]).toBe(48);
    expect(host.metrics.socketWrites).toBe(1);
  });

  it('decodes packets split across chunks byte by byte', () => {
    const { host, conn } = setup();
    for (const b of Buffer.concat([CONNECT, PING])) conn.events!.onData(Buffer.from([b]));
    host.flusher.flushNow();
    expect(conn.packets().map((p) => p.id)).toEqual([PacketId.SessionConnectRes, PacketId.PongRes]);
  });

  it('peer FIN: pending answers are flushed, then the session ends its side', () => {
    const { host, conn, session } = connected();
    conn.events!.onData(PING);
    conn.events!.onEnd();
    expect(conn.packets().map((p) => p.id)).toEqual([PacketId.PongRes]);
    expect(conn.ended).toBe(true);
    conn.fireClose();
    expect(host.closed[0]!.info).toEqual({ by: 'peer', reason: null, text: '', error: null });
    expect(session.state).toBe(SessionState.Disconnected);
  });

  it('a transport error is reported as by transport', () => {
    const { host, conn } = connected();
    const err = new Error('read ECONNRESET');
    conn.fireClose(err);
    expect(host.closed[0]!.info).toMatchObject({ by: 'transport', error: err });
  });

  it('writes after closing are dropped, not sent', () => {
    const { host, conn, session } = connected();
    session.disconnect(DisconnectReason.Normal, 'bye');
    const before = conn.writes.length;
    const at = session.reserve(24, PacketId.PongRes);
    session.out.fill(0xee, at, at + 24);
    host.flusher.flushNow();
    expect(conn.writes).toHaveLength(before);
    expect(host.metrics.packetsOut[PacketId.PongRes]).toBe(0);
  });

  it('lets go of a batch once it is flushed (an idle session pins no pool slab)', () => {
    const { host, conn, session } = connected();
    const before = conn.writes.length;
    const at = session.reserve(24, PacketId.PongRes);
    const batch = session.out;
    batch.fill(0xee, at, at + 24);
    host.flusher.flushNow();
    expect(conn.writes).toHaveLength(before + 1);
    expect(session.out).not.toBe(batch);
  });
});

describe('Session violations', () => {
  it.each([
    ['packet before connect', 'fresh', PING, DisconnectReason.NotConnected],
    ['size below header', 'fresh', header(3, PacketId.PingReq), DisconnectReason.SizeTooSmall],
    ['size above max', 'connected', header(5000, PacketId.PingReq), DisconnectReason.SizeTooLarge],
    ['unknown id', 'connected', header(4, 0x7777), DisconnectReason.UnknownPacketId],
    ['malformed payload', 'connected', header(8, PacketId.PingReq, 4), DisconnectReason.MalformedPayload],
    ['second connect', 'connected', CONNECT, DisconnectReason.AlreadyConnected],
  ])('%s → DisconnectNotice then close', (_name, start, bytes, reason) => {
    const ctx = start === 'fresh' ? setup({ maxPacketSize: 4096 }) : connected({ maxPacketSize: 4096 });
    ctx.conn.events!.onData(bytes);
    expect(ctx.host.metrics.violations[reason]).toBe(1);
    expectClosing(ctx.host, ctx.conn, ctx.session, reason);
  });

  it('stops dispatching after a violation in the middle of a chunk', () => {
    const { host, conn } = connected();
    conn.events!.onData(Buffer.concat([PING, header(4, 0x7777), PING, PING]));
    expect(conn.packets().map((p) => p.id)).toEqual([PacketId.PongRes, PacketId.DisconnectNotice]);
    expect(host.metrics.packetsIn[PacketId.PingReq]).toBe(1);
  });

  it('counts an oversized packet as a limit hit too', () => {
    const { host, conn } = connected({ maxPacketSize: 64 });
    conn.events!.onData(header(65, PacketId.PingReq));
    expect(host.metrics.limitHits[Limit.MaxPacketSize]).toBe(1);
  });

  it('a handler bug closes only that session with InternalError', () => {
    const { host, conn, session } = connected();
    host.registry.register(0x0100, () => {
      throw new TypeError('bug');
    });
    conn.events!.onData(header(4, 0x0100));
    expect(host.metrics.handlerErrors).toBe(1);
    expectClosing(host, conn, session, DisconnectReason.InternalError);
    expect(notice(conn).text).toBe('internal server error');
  });

  it('an async handler rejection closes with InternalError', async () => {
    const { host, conn, session } = connected();
    host.registry.register(0x0101, () => Promise.reject(new Error('async bug')));
    conn.events!.onData(header(4, 0x0101));
    await new Promise((r) => setImmediate(r));
    expect(host.metrics.handlerErrors).toBe(1);
    expectClosing(host, conn, session, DisconnectReason.InternalError);
  });

  it('a handler returning a non-promise value is fine', () => {
    const { host, conn, session } = connected();
    host.registry.register(0x0102, (() => 24) as never);
    conn.events!.onData(header(4, 0x0102));
    expect(session.state).toBe(SessionState.Connected);
    expect(host.metrics.handlerErrors).toBe(0);
  });

  it('an over-capacity session answers its handshake SERVER_FULL and closes with HandshakeRejected', () => {
    const { host, conn, session } = setup({}, true);
    conn.events!.onData(CONNECT);
    const res = conn.packets()[0]!;
    expect(decodeSessionConnectRes(res.bytes, 0, res.bytes.length).result).toBe(ConnectResult.ServerFull);
    expectClosing(host, conn, session, DisconnectReason.HandshakeRejected);
    expect(host.connected).toHaveLength(0);
  });
});

describe('Session limits', () => {
  it('rate limit: a burst over the bucket is RateLimited', () => {
    const { host, conn, session } = connected({ rateLimitPerSecond: 100, rateLimitBurst: 3 });
    // The handshake took one token; two more pings fit, the third does not.
    conn.events!.onData(Buffer.concat([PING, PING, PING]));
    expect(host.metrics.packetsIn[PacketId.PingReq]).toBe(2);
    expect(host.metrics.limitHits[Limit.RateLimit]).toBe(1);
    expectClosing(host, conn, session, DisconnectReason.RateLimited);
  });

  it('rate limit: tokens come back with time', () => {
    const { host, conn, session } = connected({ rateLimitPerSecond: 1000, rateLimitBurst: 2 });
    for (let i = 0; i < 20; i++) {
      host.now += 1;
      conn.events!.onData(PING);
    }
    expect(session.state).toBe(SessionState.Connected);
  });

  it('handshake deadline: HandshakeTimeout when no SessionConnectReq arrives', () => {
    const { host, conn, session } = setup({ handshakeTimeoutMs: 1000, timerResolutionMs: 100 });
    conn.events!.onData(CONNECT.subarray(0, 3)); // partial bytes do not help
    host.advance(900);
    expect(session.state).toBe(SessionState.Connecting);
    host.advance(200);
    expect(host.metrics.limitHits[Limit.HandshakeTimeout]).toBe(1);
    expectClosing(host, conn, session, DisconnectReason.HandshakeTimeout);
  });

  it('idle timeout: refreshed by packets, fires after silence', () => {
    const { host, conn, session } = connected({ idleTimeoutMs: 1000, timerResolutionMs: 100 });
    for (let i = 0; i < 5; i++) {
      host.advance(600);
      conn.events!.onData(PING);
    }
    expect(session.state).toBe(SessionState.Connected);
    host.advance(1200);
    expect(host.metrics.limitHits[Limit.IdleTimeout]).toBe(1);
    expectClosing(host, conn, session, DisconnectReason.IdleTimeout);
  });

  it('idle timeout 0 never fires', () => {
    const { host, session } = connected({ idleTimeoutMs: 0 });
    host.advance(10 * 3600 * 1000);
    expect(session.state).toBe(SessionState.Connected);
    expect(host.timers.size).toBe(0);
  });

  it('close grace: a peer that never closes is destroyed', () => {
    const { host, conn, session } = connected({ closeGraceMs: 500, timerResolutionMs: 100 });
    session.disconnect(DisconnectReason.Normal, 'bye');
    expect(conn.paused).toBe(false); // keeps reading (lingering close)
    host.advance(400);
    expect(conn.destroyed).toBe(false);
    host.advance(200);
    expect(conn.destroyed).toBe(true);
    expect(host.metrics.limitHits[Limit.CloseGrace]).toBe(1);
  });

  it('input after closing is discarded and counted', () => {
    const { host, conn, session } = connected();
    session.disconnect(DisconnectReason.Normal, 'bye');
    conn.events!.onData(PING);
    expect(host.metrics.bytesDiscarded).toBe(16);
    expect(host.metrics.packetsIn[PacketId.PingReq]).toBe(0);
  });
});

describe('Session backpressure', () => {
  const limits = { maxOutboundBytes: 2048, slowConsumerTimeoutMs: 1000, timerResolutionMs: 100 };

  it('pauses reading over the cap and resumes under half on drain', () => {
    const { host, conn, session } = connected(limits);
    conn.writableLength = 3000; // the socket holds output the peer has not read
    conn.events!.onData(PING);
    host.flusher.flushNow();
    expect(conn.paused).toBe(true);
    expect(session.isPaused).toBe(true);
    expect(host.metrics.sessionsPaused).toBe(1);
    expect(host.metrics.limitHits[Limit.BackpressurePause]).toBe(1);
    conn.writableLength = 1500; // over half: stay paused
    conn.events!.onDrain();
    expect(conn.paused).toBe(true);
    conn.writableLength = 0;
    conn.events!.onDrain();
    expect(conn.paused).toBe(false);
    expect(host.metrics.sessionsPaused).toBe(0);
  });

  it('the timer resumes too when no drain comes', () => {
    const { host, conn } = connected(limits);
    conn.writableLength = 3000;
    conn.events!.onData(PING);
    host.flusher.flushNow();
    conn.writableLength = 100;
    host.advance(150);
    expect(conn.paused).toBe(false);
  });

  it('a consumer over the cap past the deadline is dropped as SlowConsumer', () => {
    const { host, conn, session } = connected(limits);
    conn.writableLength = 3000;
    conn.events!.onData(PING);
    host.flusher.flushNow();
    host.advance(500);
    expect(session.state).toBe(SessionState.Connected);
    host.advance(600);
    expect(host.metrics.limitHits[Limit.SlowConsumer]).toBe(1);
    expect(host.metrics.sessionsPaused).toBe(0);
    expectClosing(host, conn, session, DisconnectReason.SlowConsumer);
  });

  it('output past the hard limit drops the session at once and frees the batch', () => {
    const { host, conn, session } = connected({ maxOutboundBytes: 1024, outboundHardLimitBytes: 2048 });
    host.registry.register(0x0200, (s) => {
      for (let i = 0; i < 200; i++) s.reserve(24, PacketId.PongRes);
    });
    conn.events!.onData(header(4, 0x0200));
    expect(host.metrics.limitHits[Limit.OutboundHardLimit]).toBe(1);
    expect(session.state).toBe(SessionState.Disconnecting);
    // Only the notice was sent: the over-limit batch was dropped.
    expect(conn.packets().map((p) => p.id)).toEqual([PacketId.DisconnectNotice]);
    expect(notice(conn).reason).toBe(DisconnectReason.SlowConsumer);
  });

  it('records the largest unsent output seen', () => {
    const { host, conn } = connected(limits);
    conn.writableLength = 777;
    conn.events!.onData(PING);
    host.flusher.flushNow();
    expect(host.metrics.outboundPeakBytes).toBe(777);
  });
});

describe('Session hooks', () => {
  it('onPacket sees every admitted packet; a throwing hook closes with InternalError', () => {
    const { host, conn, session } = connected();
    const seen: number[] = [];
    host.onPacketHook = (_s, _b, _o, _size, id) => {
      seen.push(id);
      if (seen.length === 2) throw new Error('hook bug');
    };
    conn.events!.onData(PING);
    conn.events!.onData(PING);
    expect(seen).toEqual([PacketId.PingReq, PacketId.PingReq]);
    expectClosing(host, conn, session, DisconnectReason.InternalError);
  });
});

describe('Session roles (enforced in the dispatch, not in handlers)', () => {
  const ADMIN_ID = 0x0200;
  const req = (): Buffer => header(8, ADMIN_ID, 4);

  function withAdminHandler(phase: HandlerPhase = HandlerPhase.Connected) {
    const ctx = connected();
    const calls: string[] = [];
    ctx.host.registry.register(ADMIN_ID, (s) => void calls.push(s.role ?? 'none'), { role: 'admin', phase, name: 'AdminReq' });
    return { ...ctx, calls };
  }

  it('runs the handler for a session holding the role', () => {
    const { host, conn, session, calls } = withAdminHandler();
    session.role = 'admin';
    conn.events!.onData(req());
    expect(calls).toEqual(['admin']);
    expect(session.state).toBe(SessionState.Connected);
    expect(host.metrics.packetsIn[ADMIN_ID]).toBe(1);
  });

  it.each([
    [null, 'AdminReq requires role "admin"; this session has no role'],
    ['user', 'AdminReq requires role "admin"; this session has role "user"'],
  ])('closes a session with role %j as Forbidden, without running the handler', (role, text) => {
    const { host, conn, session, calls } = withAdminHandler();
    session.role = role;
    conn.events!.onData(req());
    expect(calls).toEqual([]);
    expect(notice(conn)).toEqual({ reason: DisconnectReason.Forbidden, text });
    expect(host.metrics.violations[DisconnectReason.Forbidden]).toBe(1);
    expect(host.metrics.packetsIn[ADMIN_ID]).toBe(0);
    expectClosing(host, conn, session, DisconnectReason.Forbidden);
  });

  it('checks the role for phase Any handlers too', () => {
    const { conn, session, calls } = withAdminHandler(HandlerPhase.Any);
    conn.events!.onData(req());
    expect(calls).toEqual([]);
    expect(notice(conn).reason).toBe(DisconnectReason.Forbidden);
    expect(session.state).toBe(SessionState.Disconnecting);
  });

  it('a role-gated packet before the handshake is NotConnected (the phase is checked first)', () => {
    const { host, conn, session } = setup();
    host.registry.register(ADMIN_ID, () => {}, { role: 'admin' });
    conn.events!.onData(req());
    expectClosing(host, conn, session, DisconnectReason.NotConnected);
  });
});

describe('Session transport violations and buffered bytes', () => {
  it('onTransportViolation closes with the given reason and counts it; SizeTooLarge also counts the limit', () => {
    const { host, conn, session } = connected();
    conn.events!.onTransportViolation(DisconnectReason.SizeTooLarge, 'WebSocket message too big');
    expect(notice(conn)).toEqual({ reason: DisconnectReason.SizeTooLarge, text: 'WebSocket message too big' });
    expect(host.metrics.violations[DisconnectReason.SizeTooLarge]).toBe(1);
    expect(host.metrics.limitHits[Limit.MaxPacketSize]).toBe(1);
    conn.events!.onTransportViolation(DisconnectReason.MalformedPayload, 'ignored: already closing');
    expect(host.metrics.violations[DisconnectReason.MalformedPayload]).toBe(0);
    expectClosing(host, conn, session, DisconnectReason.SizeTooLarge);
  });

  it('inboundBytes is the partial packet held by the decoder', () => {
    const { conn, session } = connected();
    conn.events!.onData(PING.subarray(0, 10));
    expect(session.inboundBytes).toBe(10);
    conn.events!.onData(PING.subarray(10));
    expect(session.inboundBytes).toBe(0);
  });
});
