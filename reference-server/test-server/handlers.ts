/**
 * TestServer packet handlers.
 *
 * The ping path is the benchmark's hot path: the PongRes is written in place
 * into the session's batch (`reserve` + `writePongFromPing`, copying
 * clientTime and seq as raw bytes), so a ping costs no allocation besides
 * the batched flush.
 *
 * The handshake accepts any client speaking protocol version 1; an
 * {@link Authenticator} (JWT arrives later) can be plugged in without
 * touching the engine. It may be async: the session stays Connecting until
 * it answers, and a second SessionConnectReq meanwhile is AlreadyConnected.
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
  SESSION_CONNECT_RES_SIZE,
  decodeSessionConnectReq,
  nowMicros,
  writePongFromPing,
  writeSessionConnectRes,
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
  | { ok: true; /** Stored in `session.attachment`. */ identity?: unknown }
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
