/**
 * The session-level packets a VU handles itself, looked up once per phase in
 * the catalogue: the handshake (SessionConnectReq/Res), the server's
 * DisconnectNotice, and PingReq/PongRes for `ping` steps. A foreign catalogue
 * may lack any of them: without SessionConnectReq/Res a connection counts as
 * a session as soon as TCP connects; without DisconnectNotice a close is just
 * `closed`; without PingReq/PongRes a `ping` step is a setup error.
 */
import type { Catalogue, PacketCodec } from '../../protocol/catalogue/index.ts';
import { DisconnectReason } from '../../protocol/packet-ids.ts';
import { ErrorKind } from '../metrics/recorder.ts';
import type { FieldReader } from './expect.ts';

export interface SessionPackets {
  readonly connectReq: PacketCodec | null;
  readonly connectRes: PacketCodec | null;
  /** Id of SessionConnectRes, -1 without a handshake. */
  readonly connectResId: number;
  readonly resultReader: FieldReader | null;
  readonly notice: PacketCodec | null;
  /** Id of DisconnectNotice, -1 when the catalogue has none. */
  readonly noticeId: number;
  readonly reasonReader: FieldReader | null;
}

/** The `result` of SessionConnectRes meaning success. */
export const CONNECT_OK = 0;
/** The `result` meaning the token was rejected (counted as `auth`). */
export const CONNECT_AUTH_FAILED = 2;

/** Looks the session packets up in `catalogue`. */
export function resolveSessionPackets(catalogue: Catalogue): SessionPackets {
  let connectReq = catalogue.byName('SessionConnectReq') ?? null;
  let connectRes = catalogue.byName('SessionConnectRes') ?? null;
  // A handshake needs both halves; half a handshake is no handshake.
  if (connectReq === null || connectRes === null) {
    connectReq = null;
    connectRes = null;
  }
  const notice = catalogue.byName('DisconnectNotice') ?? null;
  return {
    connectReq,
    connectRes,
    connectResId: connectRes?.id ?? -1,
    resultReader: connectRes === null ? null : optionalReader(connectRes, 'result'),
    notice,
    noticeId: notice?.id ?? -1,
    reasonReader: notice === null ? null : optionalReader(notice, 'reason'),
  };
}

function optionalReader(codec: PacketCodec, field: string): FieldReader | null {
  try {
    return codec.fieldReader(field);
  } catch {
    return null;
  }
}

/** Reads a numeric field through its reader, else by decoding; -1 when it cannot be read. */
export function readNumber(
  codec: PacketCodec,
  reader: FieldReader | null,
  field: string,
  buf: Buffer,
  offset: number,
  size: number,
): number {
  try {
    const v = reader !== null ? reader(buf, offset) : codec.decode(buf, offset, size)[field];
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : -1;
  } catch {
    return -1;
  }
}

/**
 * Reasons of a DisconnectNotice that blame the client's conduct: counted as
 * `violation`. Every other reason (shutdown, idle, slow consumer, …) is `closed`.
 */
const VIOLATION_REASONS: ReadonlySet<number> = new Set([
  DisconnectReason.NotConnected,
  DisconnectReason.SizeTooSmall,
  DisconnectReason.SizeTooLarge,
  DisconnectReason.UnknownPacketId,
  DisconnectReason.MalformedPayload,
  DisconnectReason.RateLimited,
  DisconnectReason.AlreadyConnected,
  DisconnectReason.Forbidden,
]);

/** Error kind a DisconnectNotice with `reason` counts as. */
export function noticeErrorKind(reason: number): ErrorKind {
  return VIOLATION_REASONS.has(reason) ? ErrorKind.Violation : ErrorKind.Closed;
}

/** Error kind of a failed handshake `result`. */
export function handshakeErrorKind(result: number): ErrorKind {
  return result === CONNECT_AUTH_FAILED ? ErrorKind.Auth : ErrorKind.HandshakeRejected;
}

/** Error kind of a socket error while connecting, by errno code. */
export function connectErrorKind(code: string | undefined): ErrorKind {
  switch (code) {
    case 'ECONNREFUSED':
      return ErrorKind.Refused;
    case 'ETIMEDOUT':
      return ErrorKind.ConnectTimeout;
    default:
      return ErrorKind.Other;
  }
}
