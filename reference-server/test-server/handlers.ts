/**
 * TestServer packet handlers.
 *
 * The ping path is the benchmark's hot path: the PongRes is written in place
 * into the session's batch (`reserve` + `writePongFromPing`, copying
 * clientTime and seq as raw bytes), so a ping costs no allocation besides
 * the batched flush.
 *
 * The handshake accepts any client speaking protocol version 1; an
 * {@link Authenticator} (the JWT authenticator of reference-server/auth, or
 * any hook) can be plugged in without touching the engine. It may be async:
 * the session stays Connecting until it answers, and a second
 * SessionConnectReq meanwhile is AlreadyConnected. An accepted verdict may
 * grant a role (`session.role`), which the registry checks for packets
 * registered with one (ServerStatsReq needs `admin`).
 */
import {
  ConnectResult,
  DisconnectReason,
  PING_REQ_SIZE,
  PONG_RES_SIZE,
  PROTOCOL_VERSION,
  PacketId,
  ProtocolError,
  ProtocolErrorCode,
  SERVER_STATS_RES_SIZE,
  SESSION_CONNECT_RES_SIZE,
  decodeServerStatsReq,
  decodeSessionConnectReq,
  nowMicros,
  writePongFromPing,
  writeServerStatsRes,
  writeSessionConnectRes,
  type ServerStatsRes,
} from '../../protocol/index.ts';
import type { PacketHandler, Session } from '../engine/index.ts';

/** What an authenticator sees. */
export interface AuthRequest {
  /** The token of SessionConnectReq ('' when the client sent none). */
  token: string;
  clientVersion: number;
  session: Session;
}

/** An authenticator's verdict. */
export type AuthResult =
  | {
      ok: true;
      /** Stored in `session.attachment`. */
      identity?: unknown;
      /** Stored in `session.role`; packets registered with a role need it. Default none. */
      role?: string | null;
    }
  | {
      ok: false;
      /** Short reason for the DisconnectNotice text (no secrets). */
      text: string;
      /** SessionConnectRes result. Default AuthFailed. */
      result?: ConnectResult;
    };

/** Decides whether a handshake is accepted. May be async. Throwing closes the session with InternalError. */
export type Authenticator = (req: AuthRequest) => AuthResult | PromiseLike<AuthResult>;

/** 0x0003 PingReq → 0x0004 PongRes, written in place into the batch. */
export function onPingReq(session: Session, buf: Buffer, offset: number, size: number): void {
  if (size !== PING_REQ_SIZE) {
    throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `PingReq: expected ${PING_REQ_SIZE} bytes, got ${size}`);
  }
  const at = session.reserve(PONG_RES_SIZE, PacketId.PongRes);
  writePongFromPing(session.out, at, buf, offset, nowMicros());
}

/**
 * PingReq → PongRes `delayMs` later: TestServer `--inject-delay-ms`, a test
 * feature that makes the server deliberately slow (e.g. to prove a CI
 * regression gate trips). It is registered instead of {@link onPingReq} only
 * when the delay is above 0, so the normal ping path pays nothing for it. One
 * timer per ping is fine here: a delayed server is not a benchmark subject.
 */
export function createDelayedPingHandler(delayMs: number): PacketHandler {
  return function onPingReqDelayed(session: Session, buf: Buffer, offset: number, size: number): void {
    if (size !== PING_REQ_SIZE) {
      throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `PingReq: expected ${PING_REQ_SIZE} bytes, got ${size}`);
    }
    // The frame is a view valid only during this call: keep a copy for the timer.
    const ping = Buffer.from(buf.subarray(offset, offset + size));
    setTimeout(sendDelayedPong, delayMs, session, ping).unref();
  };
}

function sendDelayedPong(session: Session, ping: Buffer): void {
  // The peer may have left meanwhile; reserve() on a closing session would discard anyway.
  if (!session.isOpen) return;
  const at = session.reserve(PONG_RES_SIZE, PacketId.PongRes);
  writePongFromPing(session.out, at, ping, 0, nowMicros());
}

function writeConnectRes(session: Session, result: ConnectResult): void {
  const at = session.reserve(SESSION_CONNECT_RES_SIZE, PacketId.SessionConnectRes);
  writeSessionConnectRes(session.out, at, { result, sessionId: result === ConnectResult.Ok ? session.id : 0, serverTime: nowMicros() });
}

function acceptHandshake(session: Session): void {
  writeConnectRes(session, ConnectResult.Ok);
  session.markConnected();
}

function rejectHandshake(session: Session, result: ConnectResult, text: string): void {
  writeConnectRes(session, result);
  session.disconnect(DisconnectReason.HandshakeRejected, text);
}

function completeAuth(session: Session, verdict: AuthResult): void {
  // The peer may have gone (or timed out) while the authenticator was busy.
  if (!session.isOpen) return;
  if (verdict.ok) {
    session.attachment = verdict.identity;
    session.role = verdict.role ?? null;
    acceptHandshake(session);
  } else {
    rejectHandshake(session, verdict.result ?? ConnectResult.AuthFailed, verdict.text);
  }
}

/**
 * 0x0001 SessionConnectReq. Version ≠ 1 → SessionConnectRes VERSION_MISMATCH
 * and close with HandshakeRejected; otherwise the authenticator (if any)
 * decides; accepted → result OK with the session id and server time (µs).
 */
export function createHandshakeHandler(authenticate: Authenticator | null): PacketHandler {
  return function onSessionConnectReq(session: Session, buf: Buffer, offset: number, size: number): void | PromiseLike<void> {
    const req = decodeSessionConnectReq(buf, offset, size);
    if (req.clientVersion !== PROTOCOL_VERSION) {
      rejectHandshake(
        session,
        ConnectResult.VersionMismatch,
        `client protocol version ${req.clientVersion} is not supported; this server speaks version ${PROTOCOL_VERSION}`,
      );
      return;
    }
    if (authenticate === null) {
      acceptHandshake(session);
      return;
    }
    const verdict = authenticate({ token: req.token, clientVersion: req.clientVersion, session });
    if (typeof (verdict as PromiseLike<AuthResult>).then === 'function') {
      // Returned so the engine routes a rejection like a throw (InternalError).
      return (verdict as PromiseLike<AuthResult>).then((v) => completeAuth(session, v));
    }
    completeAuth(session, verdict as AuthResult);
  };
}

/** The counters ServerStatsRes reports (everything but the echoed requestId). */
export type ServerStatsSnapshot = Omit<ServerStatsRes, 'requestId'>;

/**
 * 0x0200 ServerStatsReq → 0x0201 ServerStatsRes with `snapshot()`'s
 * counters. Registered with the `admin` role: the registry refuses other
 * sessions with Forbidden before this runs. A request that is not 8 bytes
 * is MalformedPayload.
 */
export function createServerStatsHandler(snapshot: () => ServerStatsSnapshot): PacketHandler {
  return function onServerStatsReq(session: Session, buf: Buffer, offset: number, size: number): void {
    const { requestId } = decodeServerStatsReq(buf, offset, size);
    const stats = snapshot();
    const at = session.reserve(SERVER_STATS_RES_SIZE, PacketId.ServerStatsRes);
    writeServerStatsRes(session.out, at, { requestId, ...stats });
  };
}
