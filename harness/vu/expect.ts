/**
 * Recognising responses. A request that waits for an answer registers a
 * {@link PendingRequest}; each inbound frame is compared with the pending
 * requests of its connection by packet id, then by the `match` fields.
 *
 * Matching reads fixed-offset numeric fields straight from the frame view
 * through the codec's compiled `fieldReader` (no decode, no allocation — the
 * ping path matches PongRes.seq this way). Only a match on a variable-offset
 * or non-numeric field decodes the packet, once per frame. The commonest
 * case, one u32 field (a ping's `seq`), is compared in place: four byte
 * loads against the expected number (`ExpectSpec.u32MatchAt`).
 */
import type { Catalogue, FieldReader, PacketCodec } from '../../protocol/catalogue/index.ts';
import type { CompiledValue } from '../scenario/templates.ts';
import { compileValue } from '../scenario/templates.ts';
import type { ExpectConfig } from '../scenario/types.ts';
import type { ErrorKind } from '../metrics/recorder.ts';
import { VuError, VuErrorCode } from './errors.ts';

export type { FieldReader } from '../../protocol/catalogue/index.ts';

/** An `expect` compiled once per step. */
export interface ExpectSpec {
  readonly responseCodec: PacketCodec;
  readonly responseId: number;
  readonly matchFields: readonly string[];
  /** Per match field: a fixed-offset reader, or null = read from the decoded packet. */
  readonly matchReaders: readonly (FieldReader | null)[];
  /** Per match field: the expected value, computed after the send (may read `sent`). Empty for ping. */
  readonly matchValues: readonly CompiledValue[];
  readonly captureNames: readonly string[];
  readonly captureFields: readonly string[];
  readonly captureReaders: readonly (FieldReader | null)[];
  /** True when some match or capture needs the decoded packet. */
  readonly needsDecode: boolean;
  /**
   * Byte offset of the one match field when it is a u32 at a fixed offset and
   * nothing needs a decode (PongRes `seq`): matching compares its four bytes
   * in place. -1 otherwise (the general {@link matches} path).
   */
  readonly u32MatchAt: number;
  /** Byte order of that u32 (from the catalogue's own reader). */
  readonly u32MatchLittleEndian: boolean;
  readonly timeoutMs: number;
}

/** Receives the outcome of requests it issued. */
export interface RequestOwner {
  /**
   * The response to `req` arrived (latency already recorded). `decoded` is
   * the decoded packet when matching needed it, else null. `req` is recycled
   * as soon as the owner issues another request: read what you need first.
   */
  onResponse(req: PendingRequest, buf: Buffer, offset: number, size: number, decoded: Record<string, unknown> | null): void;
  /** `req` failed (error already recorded): timeout, or the connection ended with `kind`. */
  onRequestFailed(req: PendingRequest, kind: ErrorKind): void;
}

/** One outstanding request. Pooled per connection: reused, never allocated per request once warm. */
export class PendingRequest {
  owner: RequestOwner | null = null;
  spec: ExpectSpec | null = null;
  /** Expected value per match field. */
  readonly expected: unknown[] = [];
  reqIndex = -1;
  /** performance.now() ms of the actual send. */
  sentAt = 0;
  /** performance.now() ms the request should have been sent (≤ sentAt); = sentAt in closed models. */
  intendedAt = 0;
  /** performance.now() ms after which the request times out. */
  deadline = 0;
}

/**
 * The outstanding requests of one connection, oldest first, in a ring of
 * recycled slots, so a warm connection allocates nothing per request:
 *
 *   ring: [free][live0][live1][live2][free]…     live i = ring[(head + i) & mask]
 *                └ head
 *
 * A server answers a connection's requests in order, so the response is
 * almost always for live 0: matching tries it first and releasing it is
 * O(1) (head moves on). Releasing another one (a timeout, an out-of-order
 * answer) shifts the younger ones down to keep the order.
 */
export class PendingTable {
  /** Slots; the length is a power of two (or 0 before the first request). */
  private ring: PendingRequest[] = [];
  private mask = -1;
  private head = 0;
  /** Number of live requests. */
  count = 0;

  /** Live request i (0 ≤ i < count), oldest first. */
  at(i: number): PendingRequest {
    return this.ring[(this.head + i) & this.mask]!;
  }

  /** A slot for a new live request, after the others (reused when possible). */
  acquire(): PendingRequest {
    if (this.count === this.ring.length) this.grow();
    const req = this.ring[(this.head + this.count) & this.mask]!;
    this.count++;
    return req;
  }

  /** Ends live request i; the others keep their order, its slot returns to the pool. */
  release(i: number): void {
    const ring = this.ring;
    const mask = this.mask;
    if (i === 0) {
      this.head = (this.head + 1) & mask;
      this.count--;
      return;
    }
    const head = this.head;
    const last = this.count - 1;
    const req = ring[(head + i) & mask]!;
    for (let j = i; j < last; j++) ring[(head + j) & mask] = ring[(head + j + 1) & mask]!;
    ring[(head + last) & mask] = req;
    this.count--;
  }

  /** Removes and returns the youngest live request, or undefined. */
  pop(): PendingRequest | undefined {
    if (this.count === 0) return undefined;
    this.count--;
    return this.ring[(this.head + this.count) & this.mask];
  }

  /** Forgets every live request (their owners are not told). */
  clear(): void {
    this.count = 0;
  }

  /** Doubles the ring (it is full): live requests move to the front in order, new slots follow. */
  private grow(): void {
    const old = this.ring;
    const size = old.length === 0 ? 1 : old.length * 2;
    const ring = new Array<PendingRequest>(size);
    for (let i = 0; i < old.length; i++) ring[i] = old[(this.head + i) & this.mask]!;
    for (let i = old.length; i < size; i++) ring[i] = new PendingRequest();
    this.ring = ring;
    this.mask = size - 1;
    this.head = 0;
  }
}

/** Builds a reader for `field` of `codec`, or null when the field is not at a fixed offset. */
export function readerFor(codec: PacketCodec, field: string, path: string): FieldReader | null {
  try {
    return codec.fieldReader(field);
  } catch (err) {
    // The catalogue throws NMT_CATALOGUE_UNKNOWN_FIELD for a field the packet lacks.
    throw new VuError(VuErrorCode.UNKNOWN_FIELD, path, `packet ${codec.name}: ${(err as Error).message}`);
  }
}

/** Compiles an `expect` block against the catalogue. Throws {@link VuError} on unknown packets/fields. */
export function compileExpect(cfg: ExpectConfig, catalogue: Catalogue, path: string): ExpectSpec {
  const codec = catalogue.byName(cfg.packet);
  if (codec === undefined) {
    throw new VuError(VuErrorCode.UNKNOWN_PACKET, `${path}.packet`, `unknown packet '${cfg.packet}' (not in catalogue ${catalogue.name})`);
  }
  const matchFields = Object.keys(cfg.match);
  const matchReaders = matchFields.map((f) => readerFor(codec, f, `${path}.match.${f}`));
  const matchValues = matchFields.map((f) => compileValue(cfg.match[f]!));
  const captureNames = Object.keys(cfg.capture);
  const captureFields = captureNames.map((n) => cfg.capture[n]!);
  const captureReaders = captureFields.map((f, i) => readerFor(codec, f, `${path}.capture.${captureNames[i]}`));
  const needsDecode = matchReaders.includes(null) || captureReaders.includes(null);
  const u32 = needsDecode || matchFields.length !== 1 ? null : u32Match(codec, matchFields[0]!, matchReaders[0]!);
  return {
    responseCodec: codec,
    responseId: codec.id,
    matchFields,
    matchReaders,
    matchValues,
    captureNames,
    captureFields,
    captureReaders,
    needsDecode,
    u32MatchAt: u32 === null ? -1 : u32.at,
    u32MatchLittleEndian: u32 !== null && u32.littleEndian,
    timeoutMs: cfg.timeoutMs,
  };
}

/**
 * Offset and byte order of `field` when it is a u32 at a fixed offset, else
 * null. The byte order is asked of the catalogue's compiled reader itself
 * (bytes 01 02 03 04 read back as 0x04030201 = little-endian), so the
 * in-place compare reads exactly what the reader would.
 */
export function u32Match(codec: PacketCodec, field: string, reader: FieldReader): { at: number; littleEndian: boolean } | null {
  const info = codec.fields.find((f) => f.name === field);
  if (info === undefined || info.type !== 'u32' || info.offset === null) return null;
  const probe = Buffer.alloc(info.offset + 4);
  probe.set([1, 2, 3, 4], info.offset);
  const read = reader(probe, 0);
  if (read === 0x04030201) return { at: info.offset, littleEndian: true };
  if (read === 0x01020304) return { at: info.offset, littleEndian: false };
  return null;
}

/**
 * The u32 at `buf[at..at+4)` in the given byte order (the caller checked the
 * bounds): four byte loads, no argument checks.
 */
export function readU32(buf: Buffer, at: number, littleEndian: boolean): number {
  return littleEndian
    ? buf[at]! + buf[at + 1]! * 0x100 + buf[at + 2]! * 0x10000 + buf[at + 3]! * 0x1000000
    : buf[at + 3]! + buf[at + 2]! * 0x100 + buf[at + 1]! * 0x10000 + buf[at]! * 0x1000000;
}

/**
 * Equality between a field read from a packet and an expected value from a
 * template: numbers and bigints compare numerically, anything else as text
 * (a template may yield "7" for a u32 field). The common number/number case
 * is a single `===`.
 */
export function sameValue(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  const ta = typeof actual;
  const te = typeof expected;
  if ((ta === 'number' || ta === 'bigint') && (te === 'number' || te === 'bigint' || te === 'string')) {
    return numericEqual(actual as number | bigint, expected as number | bigint | string);
  }
  if (actual === null || actual === undefined || expected === null || expected === undefined) return false;
  if (Buffer.isBuffer(actual) || actual instanceof Uint8Array) {
    return expected instanceof Uint8Array && Buffer.compare(actual, expected) === 0;
  }
  if (ta === 'object' || te === 'object') return JSON.stringify(actual, bigintText) === JSON.stringify(expected, bigintText);
  return String(actual) === String(expected);
}

function numericEqual(a: number | bigint, b: number | bigint | string): boolean {
  if (typeof b === 'string') {
    const t = b.trim();
    if (t === '') return false;
    if (typeof a === 'bigint') return /^-?\d+$/.test(t) && BigInt(t) === a;
    return Number(t) === a;
  }
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  // number vs bigint: equal only when the number is an exact integer.
  const an = typeof a === 'number' ? a : Number(a);
  const bn = typeof b === 'number' ? b : Number(b);
  if (an !== bn) return false;
  return typeof a === 'bigint' ? Number.isInteger(bn) && BigInt(bn) === a : Number.isInteger(an) && BigInt(an) === b;
}

function bigintText(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/**
 * True when the frame matches `req`'s expectation. `decode` is called at most
 * once per frame (the caller caches it) and only when a field has no reader.
 */
export function matches(
  req: PendingRequest,
  buf: Buffer,
  offset: number,
  decoded: Record<string, unknown> | null,
): boolean {
  const spec = req.spec!;
  const fields = spec.matchFields;
  for (let j = 0; j < fields.length; j++) {
    const reader = spec.matchReaders[j]!;
    const actual = reader !== null ? reader(buf, offset) : decoded === null ? undefined : decoded[fields[j]!];
    if (!sameValue(actual, req.expected[j])) return false;
  }
  return true;
}
