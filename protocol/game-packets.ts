/**
 * Client-facing game data packets (ids 0x0100–0x01FF): create, get, update
 * and delete a player, and transfer gold between two players.
 *
 * Every request starts with a `seq` (u32) the client chooses and every
 * response echoes it, so a client (the harness) can match responses by field
 * while many requests are in flight. Every write carries a 16-byte
 * idempotency key: resending the *same* request with the *same* key after an
 * error or a timeout never applies it twice.
 *
 * Responses carry a {@link GameStatus}; on any status other than Ok the
 * remaining fields are zero (and the name empty). Layouts (little-endian,
 * offsets from the start of the packet, after the 4-byte header):
 *
 *   CreatePlayerReq  seq u32 | key [16] | level u32 | gold u64 | nameLen u16 | name
 *   GetPlayerReq     seq u32 | playerId u64
 *   UpdatePlayerReq  seq u32 | key [16] | playerId u64 | flags u8 | expectedVersion u32
 *                    | level u32 | gold u64 | nameLen u16 | name
 *   DeletePlayerReq  seq u32 | key [16] | playerId u64
 *   TransferGoldReq  seq u32 | key [16] | fromId u64 | toId u64 | amount u64
 *
 *   Create/Get/UpdatePlayerRes  seq u32 | status u8 | player block
 *     player block: id u64 | level u32 | gold u64 | version u32 | createdAt u64
 *                   | updatedAt u64 | nameLen u16 | name (UTF-8)
 *   DeletePlayerRes  seq u32 | status u8 | playerId u64
 *   TransferGoldRes  seq u32 | status u8 | fromGold u64 | toGold u64
 *
 * These are cold-ish paths (each answer waits for a database), so the codecs
 * return plain objects rather than offering in-place writers.
 */
import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { HEADER_SIZE, MAX_WIRE_PACKET_SIZE, writeHeader } from './header.ts';
import { PacketId } from './packet-ids.ts';
import { readU64, writeU64 } from './packets.ts';

/** Length of the idempotency key of every write, in bytes. */
export const IDEMPOTENCY_KEY_SIZE = 16;

/** Status of every game data response (and of server-to-server responses). Stable: never renumber. */
export const GameStatus = {
  Ok: 0,
  /** The player does not exist. */
  NotFound: 1,
  /** `expectedVersion` did not match the row's version; nothing changed. */
  VersionConflict: 2,
  /** The sender has less gold than the amount; nothing changed. */
  InsufficientFunds: 3,
  /** The idempotency key was already used for a different request. */
  IdempotencyConflict: 4,
  /** The database (or the DBServer) cannot be reached; retry the same request with the same key. */
  DbUnavailable: 5,
  /** No answer within the deadline; the outcome is unknown: retry with the same key. */
  Timeout: 6,
  /** A queue is full; refused without touching the database; retry later with the same key. */
  Overloaded: 7,
  /** A field is invalid (name too long, amount 0, ...). */
  Invalid: 8,
  /** The server has no database configured (TestServer started without `--db`). */
  NoDatabase: 9,
  /** The write would take a balance above the largest storable amount; nothing changed. */
  BalanceOverflow: 10,
  /** An unexpected failure in the server; see its log. */
  Internal: 11,
} as const;
export type GameStatus = (typeof GameStatus)[keyof typeof GameStatus];

const STATUS_NAMES = new Map<number, string>(Object.entries(GameStatus).map(([n, c]) => [c, n]));

/** Name of a status, for logs and metrics labels. */
export function gameStatusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `Unknown(${status})`;
}

/** True for statuses where resending the same request with the same key may succeed. */
export function isRetryableStatus(status: number): boolean {
  return status === GameStatus.DbUnavailable || status === GameStatus.Timeout || status === GameStatus.Overloaded;
}

/** A player as carried in responses. Times are ms since the Unix epoch. */
export interface PlayerInfo {
  id: number;
  name: string;
  level: number;
  gold: number;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface CreatePlayerReq {
  seq: number;
  /** 16 bytes. */
  key: Uint8Array;
  name: string;
  level: number;
  gold: number;
}

export interface GetPlayerReq {
  seq: number;
  playerId: number;
}

/** Bits of UpdatePlayerReq.flags: which fields to apply. */
export const UpdateFlags = { Name: 1, Level: 2, Gold: 4, ExpectedVersion: 8 } as const;

export interface UpdatePlayerReq {
  seq: number;
  key: Uint8Array;
  playerId: number;
  /** Absent fields are left unchanged. */
  name?: string;
  level?: number;
  gold?: number;
  /** When given, applied only if the row is at this version. */
  expectedVersion?: number;
}

export interface DeletePlayerReq {
  seq: number;
  key: Uint8Array;
  playerId: number;
}

export interface TransferGoldReq {
  seq: number;
  key: Uint8Array;
  fromId: number;
  toId: number;
  amount: number;
}

/** Create/Get/UpdatePlayerRes. `player` is null unless status is Ok. */
export interface PlayerRes {
  seq: number;
  status: number;
  player: PlayerInfo | null;
}

export interface DeletePlayerRes {
  seq: number;
  status: number;
  playerId: number;
}

export interface TransferGoldRes {
  seq: number;
  status: number;
  fromGold: number;
  toGold: number;
}

/** Response ids of Create/Get/UpdatePlayerRes (they share the player layout). */
export type PlayerResId = typeof PacketId.CreatePlayerRes | typeof PacketId.GetPlayerRes | typeof PacketId.UpdatePlayerRes;

// ---------------------------------------------------------------------------
// Cursor helpers: one bounds check per field, errors name the packet.
// ---------------------------------------------------------------------------

function malformed(name: string, detail: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `${name}: ${detail}`);
}

/** Reads fields of one packet in order; throws MALFORMED_PAYLOAD naming the packet and field when short. */
export class PacketReader {
  pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Buffer,
    offset: number,
    size: number,
    private readonly name: string,
  ) {
    this.pos = offset + HEADER_SIZE;
    this.end = offset + size;
    if (size < HEADER_SIZE || offset + size > buf.length) throw malformed(name, `size ${size} does not fit the buffer`);
  }

  private need(n: number, field: string): number {
    const at = this.pos;
    if (at + n > this.end) throw malformed(this.name, `packet ends before ${field} (${n} bytes at offset ${at})`);
    this.pos = at + n;
    return at;
  }

  u8(field: string): number {
    return this.buf[this.need(1, field)]!;
  }
  u16(field: string): number {
    return this.buf.readUInt16LE(this.need(2, field));
  }
  u32(field: string): number {
    return this.buf.readUInt32LE(this.need(4, field));
  }
  u64(field: string): number {
    const v = readU64(this.buf, this.need(8, field));
    if (!Number.isSafeInteger(v)) throw malformed(this.name, `${field} ${v} is above 2^53 − 1`);
    return v;
  }
  bytes(n: number, field: string): Buffer {
    const at = this.need(n, field);
    return Buffer.from(this.buf.subarray(at, at + n));
  }
  /** A u16 length then that many UTF-8 bytes. */
  str16(field: string): string {
    const len = this.u16(`${field} length`);
    const at = this.need(len, field);
    return this.buf.toString('utf8', at, at + len);
  }
  /** A u8 length then that many bytes as latin1 (ASCII keys). */
  str8(field: string): string {
    const len = this.u8(`${field} length`);
    const at = this.need(len, field);
    return this.buf.toString('latin1', at, at + len);
  }
  /** Bytes left in the packet. */
  get remaining(): number {
    return this.end - this.pos;
  }
  /** Throws unless every byte was read (fixed layouts: trailing bytes are a malformed packet). */
  done(): void {
    if (this.pos !== this.end) throw malformed(this.name, `${this.end - this.pos} unexpected trailing bytes`);
  }
}

/** Builds one packet; the size is computed up front by the caller's `size` argument. */
export class PacketWriter {
  readonly buf: Buffer;
  private pos = HEADER_SIZE;

  constructor(size: number, id: number, name: string) {
    if (size > MAX_WIRE_PACKET_SIZE) {
      throw new ProtocolError(ProtocolErrorCode.VALUE_OUT_OF_RANGE, `${name}: ${size} bytes do not fit one packet (at most ${MAX_WIRE_PACKET_SIZE})`);
    }
    this.buf = Buffer.allocUnsafe(size);
    writeHeader(this.buf, 0, size, id);
  }
  u8(v: number): this {
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
    return this;
  }
  u64(v: number): this {
    writeU64(this.buf, v, this.pos);
    this.pos += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** Finishes; throws if the precomputed size was wrong (a bug in the encoder). */
  end(): Buffer {
    if (this.pos !== this.buf.length) throw new RangeError(`packet size mismatch: wrote ${this.pos} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

function checkKey(name: string, key: Uint8Array): void {
  if (key.length !== IDEMPOTENCY_KEY_SIZE) {
    throw new ProtocolError(ProtocolErrorCode.VALUE_OUT_OF_RANGE, `${name}: idempotency key must be ${IDEMPOTENCY_KEY_SIZE} bytes, got ${key.length}`);
  }
}

function nameBytes(packet: string, name: string): Buffer {
  const b = Buffer.from(name, 'utf8');
  if (b.length > 0xffff) throw new ProtocolError(ProtocolErrorCode.VALUE_OUT_OF_RANGE, `${packet}: name of ${b.length} bytes is too long`);
  return b;
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

export const CREATE_PLAYER_REQ_MIN_SIZE = HEADER_SIZE + 4 + IDEMPOTENCY_KEY_SIZE + 4 + 8 + 2;

export function encodeCreatePlayerReq(req: CreatePlayerReq): Buffer {
  checkKey('CreatePlayerReq', req.key);
  const name = nameBytes('CreatePlayerReq', req.name);
  return new PacketWriter(CREATE_PLAYER_REQ_MIN_SIZE + name.length, PacketId.CreatePlayerReq, 'CreatePlayerReq')
    .u32(req.seq >>> 0).raw(req.key).u32(req.level).u64(req.gold).u16(name.length).raw(name).end();
}

export function decodeCreatePlayerReq(buf: Buffer, offset: number, size: number): CreatePlayerReq {
  const r = new PacketReader(buf, offset, size, 'CreatePlayerReq');
  const out = { seq: r.u32('seq'), key: r.bytes(IDEMPOTENCY_KEY_SIZE, 'key'), level: r.u32('level'), gold: r.u64('gold'), name: r.str16('name') };
  r.done();
  return out;
}

export const GET_PLAYER_REQ_SIZE = HEADER_SIZE + 4 + 8;

export function encodeGetPlayerReq(req: GetPlayerReq): Buffer {
  return new PacketWriter(GET_PLAYER_REQ_SIZE, PacketId.GetPlayerReq, 'GetPlayerReq').u32(req.seq >>> 0).u64(req.playerId).end();
}

export function decodeGetPlayerReq(buf: Buffer, offset: number, size: number): GetPlayerReq {
  const r = new PacketReader(buf, offset, size, 'GetPlayerReq');
  const out = { seq: r.u32('seq'), playerId: r.u64('playerId') };
  r.done();
  return out;
}

export const UPDATE_PLAYER_REQ_MIN_SIZE = HEADER_SIZE + 4 + IDEMPOTENCY_KEY_SIZE + 8 + 1 + 4 + 4 + 8 + 2;

export function encodeUpdatePlayerReq(req: UpdatePlayerReq): Buffer {
  checkKey('UpdatePlayerReq', req.key);
  const name = nameBytes('UpdatePlayerReq', req.name ?? '');
  const flags =
    (req.name !== undefined ? UpdateFlags.Name : 0) |
    (req.level !== undefined ? UpdateFlags.Level : 0) |
    (req.gold !== undefined ? UpdateFlags.Gold : 0) |
    (req.expectedVersion !== undefined ? UpdateFlags.ExpectedVersion : 0);
  return new PacketWriter(UPDATE_PLAYER_REQ_MIN_SIZE + name.length, PacketId.UpdatePlayerReq, 'UpdatePlayerReq')
    .u32(req.seq >>> 0).raw(req.key).u64(req.playerId).u8(flags)
    .u32(req.expectedVersion ?? 0).u32(req.level ?? 0).u64(req.gold ?? 0)
    .u16(name.length).raw(name).end();
}

export function decodeUpdatePlayerReq(buf: Buffer, offset: number, size: number): UpdatePlayerReq {
  const r = new PacketReader(buf, offset, size, 'UpdatePlayerReq');
  const seq = r.u32('seq');
  const key = r.bytes(IDEMPOTENCY_KEY_SIZE, 'key');
  const playerId = r.u64('playerId');
  const flags = r.u8('flags');
  const expectedVersion = r.u32('expectedVersion');
  const level = r.u32('level');
  const gold = r.u64('gold');
  const name = r.str16('name');
  r.done();
  const out: UpdatePlayerReq = { seq, key, playerId };
  if (flags & UpdateFlags.Name) out.name = name;
  if (flags & UpdateFlags.Level) out.level = level;
  if (flags & UpdateFlags.Gold) out.gold = gold;
  if (flags & UpdateFlags.ExpectedVersion) out.expectedVersion = expectedVersion;
  return out;
}

export const DELETE_PLAYER_REQ_SIZE = HEADER_SIZE + 4 + IDEMPOTENCY_KEY_SIZE + 8;

export function encodeDeletePlayerReq(req: DeletePlayerReq): Buffer {
  checkKey('DeletePlayerReq', req.key);
  return new PacketWriter(DELETE_PLAYER_REQ_SIZE, PacketId.DeletePlayerReq, 'DeletePlayerReq').u32(req.seq >>> 0).raw(req.key).u64(req.playerId).end();
}

export function decodeDeletePlayerReq(buf: Buffer, offset: number, size: number): DeletePlayerReq {
  const r = new PacketReader(buf, offset, size, 'DeletePlayerReq');
  const out = { seq: r.u32('seq'), key: r.bytes(IDEMPOTENCY_KEY_SIZE, 'key'), playerId: r.u64('playerId') };
  r.done();
  return out;
}

export const TRANSFER_GOLD_REQ_SIZE = HEADER_SIZE + 4 + IDEMPOTENCY_KEY_SIZE + 8 + 8 + 8;

export function encodeTransferGoldReq(req: TransferGoldReq): Buffer {
  checkKey('TransferGoldReq', req.key);
  return new PacketWriter(TRANSFER_GOLD_REQ_SIZE, PacketId.TransferGoldReq, 'TransferGoldReq')
    .u32(req.seq >>> 0).raw(req.key).u64(req.fromId).u64(req.toId).u64(req.amount).end();
}

export function decodeTransferGoldReq(buf: Buffer, offset: number, size: number): TransferGoldReq {
  const r = new PacketReader(buf, offset, size, 'TransferGoldReq');
  const out = { seq: r.u32('seq'), key: r.bytes(IDEMPOTENCY_KEY_SIZE, 'key'), fromId: r.u64('fromId'), toId: r.u64('toId'), amount: r.u64('amount') };
  r.done();
  return out;
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/** Bytes of the player block without the name. */
export const PLAYER_BLOCK_MIN_SIZE = 8 + 4 + 8 + 4 + 8 + 8 + 2;
export const PLAYER_RES_MIN_SIZE = HEADER_SIZE + 4 + 1 + PLAYER_BLOCK_MIN_SIZE;

const EMPTY_PLAYER: PlayerInfo = Object.freeze({ id: 0, name: '', level: 0, gold: 0, version: 0, createdAt: 0, updatedAt: 0 });

/** Writes a player block (shared with the server-to-server response). */
export function writePlayerBlock(w: PacketWriter, p: PlayerInfo, name: Buffer): PacketWriter {
  return w.u64(p.id).u32(p.level).u64(p.gold).u32(p.version).u64(p.createdAt).u64(p.updatedAt).u16(name.length).raw(name);
}

/** Reads a player block. */
export function readPlayerBlock(r: PacketReader): PlayerInfo {
  return {
    id: r.u64('id'),
    level: r.u32('level'),
    gold: r.u64('gold'),
    version: r.u32('version'),
    createdAt: r.u64('createdAt'),
    updatedAt: r.u64('updatedAt'),
    name: r.str16('name'),
  };
}

/** Encodes Create/Get/UpdatePlayerRes (`id` picks which). */
export function encodePlayerRes(id: PlayerResId, res: PlayerRes): Buffer {
  const p = res.player ?? EMPTY_PLAYER;
  const name = nameBytes('PlayerRes', p.name);
  const w = new PacketWriter(PLAYER_RES_MIN_SIZE + name.length, id, 'PlayerRes').u32(res.seq >>> 0).u8(res.status);
  return writePlayerBlock(w, p, name).end();
}

/** Decodes Create/Get/UpdatePlayerRes. */
export function decodePlayerRes(buf: Buffer, offset: number, size: number): PlayerRes {
  const r = new PacketReader(buf, offset, size, 'PlayerRes');
  const seq = r.u32('seq');
  const status = r.u8('status');
  const player = readPlayerBlock(r);
  r.done();
  return { seq, status, player: status === GameStatus.Ok ? player : null };
}

export const DELETE_PLAYER_RES_SIZE = HEADER_SIZE + 4 + 1 + 8;

export function encodeDeletePlayerRes(res: DeletePlayerRes): Buffer {
  return new PacketWriter(DELETE_PLAYER_RES_SIZE, PacketId.DeletePlayerRes, 'DeletePlayerRes').u32(res.seq >>> 0).u8(res.status).u64(res.playerId).end();
}

export function decodeDeletePlayerRes(buf: Buffer, offset: number, size: number): DeletePlayerRes {
  const r = new PacketReader(buf, offset, size, 'DeletePlayerRes');
  const out = { seq: r.u32('seq'), status: r.u8('status'), playerId: r.u64('playerId') };
  r.done();
  return out;
}

export const TRANSFER_GOLD_RES_SIZE = HEADER_SIZE + 4 + 1 + 8 + 8;

export function encodeTransferGoldRes(res: TransferGoldRes): Buffer {
  return new PacketWriter(TRANSFER_GOLD_RES_SIZE, PacketId.TransferGoldRes, 'TransferGoldRes')
    .u32(res.seq >>> 0).u8(res.status).u64(res.fromGold).u64(res.toGold).end();
}

export function decodeTransferGoldRes(buf: Buffer, offset: number, size: number): TransferGoldRes {
  const r = new PacketReader(buf, offset, size, 'TransferGoldRes');
  const out = { seq: r.u32('seq'), status: r.u8('status'), fromGold: r.u64('fromGold'), toGold: r.u64('toGold') };
  r.done();
  return out;
}
