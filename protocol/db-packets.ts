/**
 * Server-to-server packets, TestServer → DBServer (ids 0x1000–0x1FFF).
 *
 * Framing is the v1 header; TestServer opens a few persistent connections,
 * performs the ordinary SessionConnectReq handshake, then pipelines many
 * requests per connection. Every request carries a `requestId` (u32, unique
 * per connection while in flight) and DBServer answers each with one
 * {@link PacketId.DbRes} carrying the same id, in whatever order the
 * database finishes them.
 *
 * Every payload starts with a version byte. Versioning rule: a newer version
 * only *appends* fields; a reader accepts any version ≥ 1, reads the fields
 * it knows and ignores trailing bytes, so either side can be upgraded first.
 *
 *   request payload:  version u8 | requestId u32 | deadlineMs u32 | op fields
 *   DbRes payload:    version u8 | requestId u32 | status u8 | kind u8 | bodyLength u16 | body
 *
 *   op fields (strings: key u8-length ASCII, name/event/detail u16-length UTF-8):
 *     DbCreatePlayerReq  key | level u32 | gold u64 | name
 *     DbGetPlayerReq     playerId u64
 *     DbUpdatePlayerReq  key | playerId u64 | flags u8 | expectedVersion u32 | level u32 | gold u64 | name
 *     DbDeletePlayerReq  key | playerId u64
 *     DbTransferGoldReq  key | fromId u64 | toId u64 | amount u64
 *     DbLogSessionsReq   count u16 | count × (key (len 0 = none) | sessionId u64 | playerId u64 (0 = none)
 *                        | at u64 (0 = now) | event | detail)
 *     DbStatsReq         flags u8 (bit 0: reset after reading)
 *
 *   DbRes body by kind:
 *     0 Error     message (u16-length UTF-8): what went wrong, for logs
 *     1 Player    player block (see game-packets.ts)
 *     2 Deleted   playerId u64
 *     3 Transfer  fromId u64 | toId u64 | amount u64 | fromGold u64 | toGold u64 | fromVersion u32 | toVersion u32
 *     4 Accepted  count u32
 *     5 Json      UTF-8 JSON, the whole body (stats: cold path, rich and self-describing)
 *
 * The body's length prefix lets a generic decoder (the harness's catalogue)
 * read DbRes without knowing the kinds, and lets a newer version append
 * fields inside a body as well as after it.
 *
 * A hand-written binary layout rather than Protobuf: the header is already
 * ours, a request is 30–120 bytes with fixed fields, and the version byte plus
 * append-only rule gives the upgrade property Protobuf would; see
 * docs/protocol.md for the full argument.
 */
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { HEADER_SIZE } from './header.ts';
import { PacketId } from './packet-ids.ts';
import { PacketReader, PacketWriter, readPlayerBlock, writePlayerBlock, type PlayerInfo } from './game-packets.ts';

/** The version this build writes. */
export const DB_PROTOCOL_VERSION = 1;
/** Bytes of the request prefix after the header: version, requestId, deadlineMs. */
export const DB_REQ_PREFIX_SIZE = 1 + 4 + 4;
/** Bytes of the response prefix after the header: version, requestId, status, kind, bodyLength. */
export const DB_RES_PREFIX_SIZE = 1 + 4 + 1 + 1 + 2;
/** Offset of requestId inside any Db packet (from the start of the packet). */
export const DB_REQUEST_ID_OFFSET = HEADER_SIZE + 1;

/** One session-log entry on the wire. */
export interface DbSessionLogEntry {
  key?: string;
  sessionId: number;
  playerId?: number | null;
  event: string;
  detail?: string | null;
  at?: number;
}

/** The operations DBServer serves; field names match the storage layer's inputs. */
export type DbRequest =
  | { op: 'createPlayer'; idempotencyKey: string; name: string; level: number; gold: number }
  | { op: 'getPlayer'; id: number }
  | {
      op: 'updatePlayer';
      idempotencyKey: string;
      id: number;
      name?: string;
      level?: number;
      gold?: number;
      expectedVersion?: number;
    }
  | { op: 'deletePlayer'; idempotencyKey: string; id: number }
  | { op: 'transferGold'; idempotencyKey: string; fromId: number; toId: number; amount: number }
  | { op: 'logSessions'; entries: DbSessionLogEntry[] }
  | { op: 'stats'; reset: boolean };

export type DbOp = DbRequest['op'];

/** A decoded request with its envelope. */
export interface DbRequestEnvelope {
  version: number;
  requestId: number;
  /** The sender's remaining budget when it sent the request, ms (0 = none). */
  deadlineMs: number;
  request: DbRequest;
}

export const DbResKind = { Error: 0, Player: 1, Deleted: 2, Transfer: 3, Accepted: 4, Json: 5 } as const;
export type DbResKind = (typeof DbResKind)[keyof typeof DbResKind];

export interface DbTransferResult {
  fromId: number;
  toId: number;
  amount: number;
  fromGold: number;
  toGold: number;
  fromVersion: number;
  toVersion: number;
}

export type DbResBody =
  | { kind: typeof DbResKind.Error; message: string }
  | { kind: typeof DbResKind.Player; player: PlayerInfo }
  | { kind: typeof DbResKind.Deleted; playerId: number }
  | { kind: typeof DbResKind.Transfer; transfer: DbTransferResult }
  | { kind: typeof DbResKind.Accepted; count: number }
  | { kind: typeof DbResKind.Json; json: string };

/** A decoded DbRes. */
export interface DbResponse {
  version: number;
  requestId: number;
  /** A {@link GameStatus}. */
  status: number;
  body: DbResBody;
}

const OP_IDS: Record<DbOp, number> = {
  createPlayer: PacketId.DbCreatePlayerReq,
  getPlayer: PacketId.DbGetPlayerReq,
  updatePlayer: PacketId.DbUpdatePlayerReq,
  deletePlayer: PacketId.DbDeletePlayerReq,
  transferGold: PacketId.DbTransferGoldReq,
  logSessions: PacketId.DbLogSessionsReq,
  stats: PacketId.DbStatsReq,
};

/** Packet id of each operation's request. */
export function dbRequestId(op: DbOp): number {
  return OP_IDS[op];
}

const UPDATE_NAME = 1;
const UPDATE_LEVEL = 2;
const UPDATE_GOLD = 4;
const UPDATE_EXPECTED_VERSION = 8;

function outOfRange(detail: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.VALUE_OUT_OF_RANGE, detail);
}

function ascii8(s: string, field: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  if (b.length > 0xff) throw outOfRange(`${field} of ${b.length} bytes is longer than 255`);
  return b;
}

function utf16len(s: string, field: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length > 0xffff) throw outOfRange(`${field} of ${b.length} bytes is longer than 65535`);
  return b;
}

/**
 * Encodes a request. Throws VALUE_OUT_OF_RANGE when a field does not fit
 * (a string over its length prefix, a log batch over 65,535 bytes).
 */
export function encodeDbRequest(requestId: number, deadlineMs: number, req: DbRequest): Buffer {
  const id = OP_IDS[req.op];
  const fixed = HEADER_SIZE + DB_REQ_PREFIX_SIZE;
  const begin = (size: number): PacketWriter =>
    new PacketWriter(fixed + size, id, req.op).u8(DB_PROTOCOL_VERSION).u32(requestId >>> 0).u32(Math.max(0, Math.min(deadlineMs, 0xffff_ffff)) >>> 0);
  switch (req.op) {
    case 'createPlayer': {
      const key = ascii8(req.idempotencyKey, 'idempotencyKey');
      const name = utf16len(req.name, 'name');
      return begin(1 + key.length + 4 + 8 + 2 + name.length)
        .u8(key.length).raw(key).u32(req.level).u64(req.gold).u16(name.length).raw(name).end();
    }
    case 'getPlayer':
      return begin(8).u64(req.id).end();
    case 'updatePlayer': {
      const key = ascii8(req.idempotencyKey, 'idempotencyKey');
      const name = utf16len(req.name ?? '', 'name');
      const flags =
        (req.name !== undefined ? UPDATE_NAME : 0) |
        (req.level !== undefined ? UPDATE_LEVEL : 0) |
        (req.gold !== undefined ? UPDATE_GOLD : 0) |
        (req.expectedVersion !== undefined ? UPDATE_EXPECTED_VERSION : 0);
      return begin(1 + key.length + 8 + 1 + 4 + 4 + 8 + 2 + name.length)
        .u8(key.length).raw(key).u64(req.id).u8(flags).u32(req.expectedVersion ?? 0).u32(req.level ?? 0).u64(req.gold ?? 0)
        .u16(name.length).raw(name).end();
    }
    case 'deletePlayer': {
      const key = ascii8(req.idempotencyKey, 'idempotencyKey');
      return begin(1 + key.length + 8).u8(key.length).raw(key).u64(req.id).end();
    }
    case 'transferGold': {
      const key = ascii8(req.idempotencyKey, 'idempotencyKey');
      return begin(1 + key.length + 24).u8(key.length).raw(key).u64(req.fromId).u64(req.toId).u64(req.amount).end();
    }
    case 'logSessions': {
      if (req.entries.length > 0xffff) throw outOfRange(`logSessions: ${req.entries.length} entries, at most 65535 per request`);
      const parts = req.entries.map((e) => ({
        e,
        key: ascii8(e.key ?? '', 'key'),
        event: utf16len(e.event, 'event'),
        detail: utf16len(e.detail ?? '', 'detail'),
      }));
      let size = 2;
      for (const p of parts) size += 1 + p.key.length + 24 + 2 + p.event.length + 2 + p.detail.length;
      const w = begin(size).u16(parts.length);
      for (const p of parts) {
        w.u8(p.key.length).raw(p.key).u64(p.e.sessionId).u64(p.e.playerId ?? 0).u64(p.e.at ?? 0)
          .u16(p.event.length).raw(p.event).u16(p.detail.length).raw(p.detail);
      }
      return w.end();
    }
    case 'stats':
      return begin(1).u8(req.reset ? 1 : 0).end();
  }
}

/** Size of one encoded log entry, so a batcher can cut batches under the packet limit. */
export function dbLogEntrySize(e: DbSessionLogEntry): number {
  return 1 + Buffer.byteLength(e.key ?? '', 'latin1') + 24 + 2 + Buffer.byteLength(e.event, 'utf8') + 2 + Buffer.byteLength(e.detail ?? '', 'utf8');
}

/** Bytes of a DbLogSessionsReq with no entries. */
export const DB_LOG_SESSIONS_BASE_SIZE = HEADER_SIZE + DB_REQ_PREFIX_SIZE + 2;

function readVersion(r: PacketReader, name: string): number {
  const version = r.u8('version');
  if (version < 1) throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `${name}: version ${version} is not valid (versions start at 1)`);
  return version;
}

/**
 * Decodes a request whose packet id is `id`. Throws MALFORMED_PAYLOAD for a
 * short packet, a version 0 or an id outside the Db request range; trailing
 * bytes (fields of a newer version) are ignored.
 */
export function decodeDbRequest(id: number, buf: Buffer, offset: number, size: number): DbRequestEnvelope {
  const op = (Object.keys(OP_IDS) as DbOp[]).find((k) => OP_IDS[k] === id);
  if (op === undefined) throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `packet id 0x${id.toString(16)} is not a DBServer request`);
  const r = new PacketReader(buf, offset, size, op);
  const version = readVersion(r, op);
  const requestId = r.u32('requestId');
  const deadlineMs = r.u32('deadlineMs');
  let request: DbRequest;
  switch (op) {
    case 'createPlayer': {
      const idempotencyKey = r.str8('idempotencyKey');
      const level = r.u32('level');
      const gold = r.u64('gold');
      request = { op, idempotencyKey, level, gold, name: r.str16('name') };
      break;
    }
    case 'getPlayer':
      request = { op, id: r.u64('playerId') };
      break;
    case 'updatePlayer': {
      const idempotencyKey = r.str8('idempotencyKey');
      const pid = r.u64('playerId');
      const flags = r.u8('flags');
      const expectedVersion = r.u32('expectedVersion');
      const level = r.u32('level');
      const gold = r.u64('gold');
      const name = r.str16('name');
      const u: DbRequest & { op: 'updatePlayer' } = { op, idempotencyKey, id: pid };
      if (flags & UPDATE_NAME) u.name = name;
      if (flags & UPDATE_LEVEL) u.level = level;
      if (flags & UPDATE_GOLD) u.gold = gold;
      if (flags & UPDATE_EXPECTED_VERSION) u.expectedVersion = expectedVersion;
      request = u;
      break;
    }
    case 'deletePlayer': {
      const idempotencyKey = r.str8('idempotencyKey');
      request = { op, idempotencyKey, id: r.u64('playerId') };
      break;
    }
    case 'transferGold': {
      const idempotencyKey = r.str8('idempotencyKey');
      const fromId = r.u64('fromId');
      const toId = r.u64('toId');
      request = { op, idempotencyKey, fromId, toId, amount: r.u64('amount') };
      break;
    }
    case 'logSessions': {
      const count = r.u16('count');
      const entries: DbSessionLogEntry[] = [];
      for (let i = 0; i < count; i++) {
        const key = r.str8(`entries[${i}].key`);
        const sessionId = r.u64(`entries[${i}].sessionId`);
        const playerId = r.u64(`entries[${i}].playerId`);
        const at = r.u64(`entries[${i}].at`);
        const event = r.str16(`entries[${i}].event`);
        const detail = r.str16(`entries[${i}].detail`);
        const e: DbSessionLogEntry = { sessionId, event, playerId: playerId === 0 ? null : playerId, detail: detail === '' ? null : detail };
        if (key !== '') e.key = key;
        if (at !== 0) e.at = at;
        entries.push(e);
      }
      request = { op, entries };
      break;
    }
    case 'stats':
      request = { op, reset: (r.u8('flags') & 1) === 1 };
      break;
  }
  return { version, requestId, deadlineMs, request };
}

/** Encodes a DbRes. */
export function encodeDbResponse(requestId: number, status: number, body: DbResBody): Buffer {
  const fixed = HEADER_SIZE + DB_RES_PREFIX_SIZE;
  const begin = (size: number): PacketWriter =>
    new PacketWriter(fixed + size, PacketId.DbRes, 'DbRes').u8(DB_PROTOCOL_VERSION).u32(requestId >>> 0).u8(status).u8(body.kind).u16(size);
  switch (body.kind) {
    case DbResKind.Error: {
      // Messages are for logs; cut them so an error answer always fits.
      let msg = Buffer.from(body.message, 'utf8');
      if (msg.length > 1024) msg = msg.subarray(0, 1024);
      return begin(2 + msg.length).u16(msg.length).raw(msg).end();
    }
    case DbResKind.Player: {
      const name = utf16len(body.player.name, 'name');
      return writePlayerBlock(begin(8 + 4 + 8 + 4 + 8 + 8 + 2 + name.length), body.player, name).end();
    }
    case DbResKind.Deleted:
      return begin(8).u64(body.playerId).end();
    case DbResKind.Transfer: {
      const t = body.transfer;
      return begin(40 + 8).u64(t.fromId).u64(t.toId).u64(t.amount).u64(t.fromGold).u64(t.toGold).u32(t.fromVersion).u32(t.toVersion).end();
    }
    case DbResKind.Accepted:
      return begin(4).u32(body.count).end();
    case DbResKind.Json: {
      const json = Buffer.from(body.json, 'utf8');
      return begin(json.length).raw(json).end();
    }
  }
}

/** Decodes a DbRes; trailing bytes of a newer version are ignored. */
export function decodeDbResponse(buf: Buffer, offset: number, size: number): DbResponse {
  const r = new PacketReader(buf, offset, size, 'DbRes');
  const version = readVersion(r, 'DbRes');
  const requestId = r.u32('requestId');
  const status = r.u8('status');
  const kind = r.u8('kind');
  const bodyLength = r.u16('bodyLength');
  const bodyStart = r.pos;
  if (bodyLength > r.remaining) throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `DbRes: bodyLength ${bodyLength} is past the end of the packet`);
  let body: DbResBody;
  switch (kind) {
    case DbResKind.Error:
      body = { kind, message: r.str16('message') };
      break;
    case DbResKind.Player:
      body = { kind, player: readPlayerBlock(r) };
      break;
    case DbResKind.Deleted:
      body = { kind, playerId: r.u64('playerId') };
      break;
    case DbResKind.Transfer:
      body = {
        kind,
        transfer: {
          fromId: r.u64('fromId'),
          toId: r.u64('toId'),
          amount: r.u64('amount'),
          fromGold: r.u64('fromGold'),
          toGold: r.u64('toGold'),
          fromVersion: r.u32('fromVersion'),
          toVersion: r.u32('toVersion'),
        },
      };
      break;
    case DbResKind.Accepted:
      body = { kind, count: r.u32('count') };
      break;
    case DbResKind.Json:
      body = { kind, json: buf.toString('utf8', bodyStart, bodyStart + bodyLength) };
      break;
    default:
      throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `DbRes: unknown body kind ${kind}`);
  }
  if (r.pos > bodyStart + bodyLength) throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `DbRes: a kind ${kind} body needs more than its ${bodyLength} bytes`);
  return { version, requestId, status, body };
}

/** An error response body. */
export function dbError(message: string): DbResBody {
  return { kind: DbResKind.Error, message };
}

