/**
 * Encoders and readers for the packets of wire protocol v1.
 *
 * Two styles, on purpose:
 * - `encodeX(...)` returns a new Buffer and `decodeX(buf, offset, size)`
 *   returns a plain object: for clients, tests and cold paths.
 * - `writeX(buf, offset, ...)` writes in place into a caller's buffer and the
 *   `PING_*` / `PONG_*` offsets let hot paths read fields straight from the
 *   decoder's view: no allocation per packet (the server's ping path and the
 *   harness's ping loop use these).
 *
 * u64 fields are JavaScript numbers (exact up to 2^53 − 1, enough for µs
 * timestamps until the year 2255 and for session ids); encoders reject larger
 * values with NMT_PROTO_VALUE_OUT_OF_RANGE.
 */
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { HEADER_SIZE, writeHeader } from './header.ts';
import { PacketId } from './packet-ids.ts';

const TWO_POW_32 = 0x1_0000_0000;

/** Reads a little-endian u64 as a number (exact up to 2^53 − 1). */
export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * TWO_POW_32;
}

/** Writes a non-negative safe integer as a little-endian u64. */
export function writeU64(buf: Buffer, value: number, offset: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ProtocolError(
      ProtocolErrorCode.VALUE_OUT_OF_RANGE,
      `u64 value ${value} is not a non-negative safe integer`,
    );
  }
  if (!(offset >= 0 && offset + 8 <= buf.length)) throw outOfBounds(offset, 8, buf.length);
  storeU64(buf, value, offset);
}

/**
 * Stores a checked u64 with byte stores: the per-call validation of
 * Buffer.writeUInt32LE was a visible share of the server's ping path. The
 * caller has checked `value` and the bounds (a typed-array store past the
 * end is silently dropped, never an error).
 */
function storeU64(buf: Buffer, value: number, offset: number): void {
  const lo = value >>> 0; // ToUint32 is value mod 2^32 for integers up to 2^53
  const hi = (value - lo) / TWO_POW_32;
  buf[offset] = lo;
  buf[offset + 1] = lo >>> 8;
  buf[offset + 2] = lo >>> 16;
  buf[offset + 3] = lo >>> 24;
  buf[offset + 4] = hi;
  buf[offset + 5] = hi >>> 8;
  buf[offset + 6] = hi >>> 16;
  buf[offset + 7] = hi >>> 24;
}

function outOfBounds(offset: number, size: number, length: number): RangeError {
  return new RangeError(`cannot write ${size} bytes at offset ${offset} of a ${length}-byte buffer`);
}

/** µs of the high-resolution clock's origin since the Unix epoch: constant, read once (the getter is not free). */
const TIME_ORIGIN_MICROS = performance.timeOrigin * 1000;

/** Microseconds since the Unix epoch, from a high-resolution clock. */
export function nowMicros(): number {
  return Math.round(TIME_ORIGIN_MICROS + performance.now() * 1000);
}

function malformed(name: string, detail: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `${name}: ${detail}`);
}

// ---------------------------------------------------------------------------
// 0x0001 SessionConnectReq: clientVersion u32, tokenLength u16, token bytes
// ---------------------------------------------------------------------------

/** Fixed part of SessionConnectReq: header + clientVersion + tokenLength. */
export const SESSION_CONNECT_REQ_MIN_SIZE = HEADER_SIZE + 4 + 2;

export interface SessionConnectReq {
  clientVersion: number;
  /** UTF-8 token (a JWT when auth is on); '' for none. */
  token: string;
}

export function encodeSessionConnectReq(req: SessionConnectReq): Buffer {
  const tokenBytes = Buffer.byteLength(req.token, 'utf8');
  const size = SESSION_CONNECT_REQ_MIN_SIZE + tokenBytes;
  if (size > 0xffff) {
    throw new ProtocolError(ProtocolErrorCode.VALUE_OUT_OF_RANGE, `token of ${tokenBytes} bytes does not fit a packet`);
  }
  const buf = Buffer.allocUnsafe(size);
  writeHeader(buf, 0, size, PacketId.SessionConnectReq);
  buf.writeUInt32LE(req.clientVersion >>> 0, 4);
  buf.writeUInt16LE(tokenBytes, 8);
  buf.write(req.token, 10, 'utf8');
  return buf;
}

export function decodeSessionConnectReq(buf: Buffer, offset: number, size: number): SessionConnectReq {
  if (size < SESSION_CONNECT_REQ_MIN_SIZE) {
    throw malformed('SessionConnectReq', `${size} bytes is shorter than the ${SESSION_CONNECT_REQ_MIN_SIZE}-byte minimum`);
  }
  const tokenLength = buf.readUInt16LE(offset + 8);
  if (size !== SESSION_CONNECT_REQ_MIN_SIZE + tokenLength) {
    throw malformed('SessionConnectReq', `tokenLength ${tokenLength} does not match packet size ${size}`);
  }
  const start = offset + SESSION_CONNECT_REQ_MIN_SIZE;
  return {
    clientVersion: buf.readUInt32LE(offset + 4),
    token: buf.toString('utf8', start, start + tokenLength),
  };
}

// ---------------------------------------------------------------------------
// 0x0002 SessionConnectRes: result u8, sessionId u64, serverTime u64
// ---------------------------------------------------------------------------

export const SESSION_CONNECT_RES_SIZE = HEADER_SIZE + 1 + 8 + 8;

export interface SessionConnectRes {
  result: number;
  sessionId: number;
  /** µs since the Unix epoch. */
  serverTime: number;
}

export function writeSessionConnectRes(buf: Buffer, offset: number, res: SessionConnectRes): number {
  writeHeader(buf, offset, SESSION_CONNECT_RES_SIZE, PacketId.SessionConnectRes);
  buf[offset + 4] = res.result;
  writeU64(buf, res.sessionId, offset + 5);
  writeU64(buf, res.serverTime, offset + 13);
  return SESSION_CONNECT_RES_SIZE;
}

export function encodeSessionConnectRes(res: SessionConnectRes): Buffer {
  const buf = Buffer.allocUnsafe(SESSION_CONNECT_RES_SIZE);
  writeSessionConnectRes(buf, 0, res);
  return buf;
}

export function decodeSessionConnectRes(buf: Buffer, offset: number, size: number): SessionConnectRes {
  if (size !== SESSION_CONNECT_RES_SIZE) {
    throw malformed('SessionConnectRes', `expected ${SESSION_CONNECT_RES_SIZE} bytes, got ${size}`);
  }
  return {
    result: buf[offset + 4]!,
    sessionId: readU64(buf, offset + 5),
    serverTime: readU64(buf, offset + 13),
  };
}

// ---------------------------------------------------------------------------
// 0x0003 PingReq: clientTime u64, seq u32 (16 bytes)
// 0x0004 PongRes: clientTime u64, serverTime u64, seq u32 (24 bytes)
// ---------------------------------------------------------------------------

export const PING_REQ_SIZE = 16;
/** Offsets inside PingReq, from the start of the packet. */
export const PING_CLIENT_TIME = 4;
export const PING_SEQ = 12;

export const PONG_RES_SIZE = 24;
/** Offsets inside PongRes, from the start of the packet. */
export const PONG_CLIENT_TIME = 4;
export const PONG_SERVER_TIME = 12;
export const PONG_SEQ = 20;

export interface PingReq {
  clientTime: number;
  seq: number;
}

export interface PongRes {
  clientTime: number;
  serverTime: number;
  seq: number;
}

/** Writes a PingReq in place; returns its size. */
export function writePingReq(buf: Buffer, offset: number, clientTime: number, seq: number): number {
  writeHeader(buf, offset, PING_REQ_SIZE, PacketId.PingReq);
  writeU64(buf, clientTime, offset + PING_CLIENT_TIME);
  buf.writeUInt32LE(seq >>> 0, offset + PING_SEQ);
  return PING_REQ_SIZE;
}

export function encodePingReq(req: PingReq): Buffer {
  const buf = Buffer.allocUnsafe(PING_REQ_SIZE);
  writePingReq(buf, 0, req.clientTime, req.seq);
  return buf;
}

export function decodePingReq(buf: Buffer, offset: number, size: number): PingReq {
  if (size !== PING_REQ_SIZE) throw malformed('PingReq', `expected ${PING_REQ_SIZE} bytes, got ${size}`);
  return { clientTime: readU64(buf, offset + PING_CLIENT_TIME), seq: buf.readUInt32LE(offset + PING_SEQ) };
}

/**
 * Writes the PongRes answering the PingReq at `ping[pingOffset..]`: clientTime
 * and seq are copied as raw bytes (the server never interprets them).
 */
export function writePongFromPing(
  out: Buffer,
  offset: number,
  ping: Buffer,
  pingOffset: number,
  serverTime: number,
): number {
  if (!Number.isSafeInteger(serverTime) || serverTime < 0) {
    throw new ProtocolError(ProtocolErrorCode.VALUE_OUT_OF_RANGE, `u64 value ${serverTime} is not a non-negative safe integer`);
  }
  if (!(offset >= 0 && offset + PONG_RES_SIZE <= out.length)) throw outOfBounds(offset, PONG_RES_SIZE, out.length);
  if (!(pingOffset >= 0 && pingOffset + PING_REQ_SIZE <= ping.length)) {
    throw new RangeError(`no ${PING_REQ_SIZE}-byte PingReq at offset ${pingOffset} of a ${ping.length}-byte buffer`);
  }
  // Byte moves, bounds checked once above: Buffer.copy has a fixed cost that
  // dominated this path (~17 %) and Buffer.read/writeUInt32LE validate every
  // call (~5 % of the server's ping path in a profile, docs/performance.md).
  out[offset] = PONG_RES_SIZE;
  out[offset + 1] = 0;
  out[offset + 2] = PacketId.PongRes & 0xff;
  out[offset + 3] = PacketId.PongRes >>> 8;
  const c = pingOffset + PING_CLIENT_TIME;
  const o = offset + PONG_CLIENT_TIME;
  out[o] = ping[c]!;
  out[o + 1] = ping[c + 1]!;
  out[o + 2] = ping[c + 2]!;
  out[o + 3] = ping[c + 3]!;
  out[o + 4] = ping[c + 4]!;
  out[o + 5] = ping[c + 5]!;
  out[o + 6] = ping[c + 6]!;
  out[o + 7] = ping[c + 7]!;
  storeU64(out, serverTime, offset + PONG_SERVER_TIME);
  const q = pingOffset + PING_SEQ;
  const p = offset + PONG_SEQ;
  out[p] = ping[q]!;
  out[p + 1] = ping[q + 1]!;
  out[p + 2] = ping[q + 2]!;
  out[p + 3] = ping[q + 3]!;
  return PONG_RES_SIZE;
}

export function encodePongRes(res: PongRes): Buffer {
  const buf = Buffer.allocUnsafe(PONG_RES_SIZE);
  writeHeader(buf, 0, PONG_RES_SIZE, PacketId.PongRes);
  writeU64(buf, res.clientTime, PONG_CLIENT_TIME);
  writeU64(buf, res.serverTime, PONG_SERVER_TIME);
  buf.writeUInt32LE(res.seq >>> 0, PONG_SEQ);
  return buf;
}

export function decodePongRes(buf: Buffer, offset: number, size: number): PongRes {
  if (size !== PONG_RES_SIZE) throw malformed('PongRes', `expected ${PONG_RES_SIZE} bytes, got ${size}`);
  return {
    clientTime: readU64(buf, offset + PONG_CLIENT_TIME),
    serverTime: readU64(buf, offset + PONG_SERVER_TIME),
    seq: buf.readUInt32LE(offset + PONG_SEQ),
  };
}

// ---------------------------------------------------------------------------
// 0x0005 DisconnectNotice: reason u16, textLength u16, text bytes (UTF-8)
// ---------------------------------------------------------------------------

export const DISCONNECT_NOTICE_MIN_SIZE = HEADER_SIZE + 2 + 2;
/** Longest text a server puts in a notice; longer text is cut at a UTF-8 boundary. */
export const DISCONNECT_TEXT_MAX = 200;

export interface DisconnectNotice {
  reason: number;
  text: string;
}

export function encodeDisconnectNotice(notice: DisconnectNotice): Buffer {
  let text = Buffer.from(notice.text, 'utf8');
  if (text.length > DISCONNECT_TEXT_MAX) {
    let cut = DISCONNECT_TEXT_MAX;
    // Do not split a multi-byte character: back up to a lead byte.
    while (cut > 0 && (text[cut]! & 0xc0) === 0x80) cut--;
    text = text.subarray(0, cut);
  }
  const size = DISCONNECT_NOTICE_MIN_SIZE + text.length;
  const buf = Buffer.allocUnsafe(size);
  writeHeader(buf, 0, size, PacketId.DisconnectNotice);
  buf.writeUInt16LE(notice.reason, 4);
  buf.writeUInt16LE(text.length, 6);
  text.copy(buf, 8);
  return buf;
}

export function decodeDisconnectNotice(buf: Buffer, offset: number, size: number): DisconnectNotice {
  if (size < DISCONNECT_NOTICE_MIN_SIZE) {
    throw malformed('DisconnectNotice', `${size} bytes is shorter than the ${DISCONNECT_NOTICE_MIN_SIZE}-byte minimum`);
  }
  const textLength = buf.readUInt16LE(offset + 6);
  if (size !== DISCONNECT_NOTICE_MIN_SIZE + textLength) {
    throw malformed('DisconnectNotice', `textLength ${textLength} does not match packet size ${size}`);
  }
  return {
    reason: buf.readUInt16LE(offset + 4),
    text: buf.toString('utf8', offset + 8, offset + 8 + textLength),
  };
}

// ---------------------------------------------------------------------------
// 0x0200 ServerStatsReq: requestId u32 (8 bytes)
// 0x0201 ServerStatsRes: requestId u32, sessions u32, packetsIn u64,
//                        packetsOut u64, uptimeMs u64 (36 bytes)
// ---------------------------------------------------------------------------

export const SERVER_STATS_REQ_SIZE = HEADER_SIZE + 4;
export const SERVER_STATS_RES_SIZE = HEADER_SIZE + 4 + 4 + 8 + 8 + 8;

/** Admin request for the server's counters (requires the `admin` role). */
export interface ServerStatsReq {
  /** Opaque to the server, echoed in the response so a client can match them. */
  requestId: number;
}

/** The server's counters at the time of the request. */
export interface ServerStatsRes {
  requestId: number;
  /** Sessions admitted and open now (connecting, connected or closing). */
  sessions: number;
  /** Packets received since start, all sessions, this request included. */
  packetsIn: number;
  /** Packets queued for sending since start, all sessions, this response excluded. */
  packetsOut: number;
  /** Milliseconds since the server started listening. */
  uptimeMs: number;
}

export function encodeServerStatsReq(req: ServerStatsReq): Buffer {
  const buf = Buffer.allocUnsafe(SERVER_STATS_REQ_SIZE);
  writeHeader(buf, 0, SERVER_STATS_REQ_SIZE, PacketId.ServerStatsReq);
  buf.writeUInt32LE(req.requestId >>> 0, 4);
  return buf;
}

export function decodeServerStatsReq(buf: Buffer, offset: number, size: number): ServerStatsReq {
  if (size !== SERVER_STATS_REQ_SIZE) throw malformed('ServerStatsReq', `expected ${SERVER_STATS_REQ_SIZE} bytes, got ${size}`);
  return { requestId: buf.readUInt32LE(offset + 4) };
}

/** Writes a ServerStatsRes in place; returns its size. `sessions` above 2^32 − 1 is clamped. */
export function writeServerStatsRes(buf: Buffer, offset: number, res: ServerStatsRes): number {
  writeHeader(buf, offset, SERVER_STATS_RES_SIZE, PacketId.ServerStatsRes);
  buf.writeUInt32LE(res.requestId >>> 0, offset + 4);
  buf.writeUInt32LE(Math.min(Math.max(0, Math.floor(res.sessions)), 0xffff_ffff), offset + 8);
  writeU64(buf, res.packetsIn, offset + 12);
  writeU64(buf, res.packetsOut, offset + 20);
  writeU64(buf, res.uptimeMs, offset + 28);
  return SERVER_STATS_RES_SIZE;
}

export function encodeServerStatsRes(res: ServerStatsRes): Buffer {
  const buf = Buffer.allocUnsafe(SERVER_STATS_RES_SIZE);
  writeServerStatsRes(buf, 0, res);
  return buf;
}

export function decodeServerStatsRes(buf: Buffer, offset: number, size: number): ServerStatsRes {
  if (size !== SERVER_STATS_RES_SIZE) throw malformed('ServerStatsRes', `expected ${SERVER_STATS_RES_SIZE} bytes, got ${size}`);
  return {
    requestId: buf.readUInt32LE(offset + 4),
    sessions: buf.readUInt32LE(offset + 8),
    packetsIn: readU64(buf, offset + 12),
    packetsOut: readU64(buf, offset + 20),
    uptimeMs: readU64(buf, offset + 28),
  };
}
