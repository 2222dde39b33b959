/**
 * Helpers the generated encoders and decoders call (passed to them as `H`).
 *
 * The generated code keeps the common case inline (a typeof and a range
 * compare per number, a Buffer read/write at a constant offset) and calls
 * into this module only for 64-bit numbers, fixed-length strings and to build
 * errors — so error formatting never bloats the hot functions.
 */
import { type CatalogueError, decodeError, encodeError } from './errors.ts';

const TWO_POW_32 = 4294967296;
/** hi word bound below which hi·2³² + lo is a safe integer (2²¹). */
const HI_SAFE = 2097152;

/** Short description of a bad value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  switch (typeof v) {
    case 'string':
      return v.length > 40 ? `a string of ${v.length} characters` : `the string ${JSON.stringify(v)}`;
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'undefined':
      return 'undefined';
    default:
      return `a ${typeof v}`;
  }
}

// ---------------------------------------------------------------------------
// Encode errors
// ---------------------------------------------------------------------------

export function missing(pkt: string, path: string): CatalogueError {
  return encodeError(pkt, path, `field "${path}" is missing and has no default`);
}

export function badType(pkt: string, path: string, expected: string, v: unknown): CatalogueError {
  const what = path === '' ? 'the values' : `field "${path}"`;
  return encodeError(pkt, path, `${what} must be ${expected}, got ${describe(v)}`);
}

export function intRange(pkt: string, path: string, type: string, min: bigint, max: bigint, v: unknown): CatalogueError {
  return encodeError(pkt, path, `field "${path}" must be an integer from ${min} to ${max} (${type}), got ${describe(v)}`);
}

export function f32Range(pkt: string, path: string, v: number): CatalogueError {
  return encodeError(
    pkt,
    path,
    `field "${path}" is ${v}, beyond the f32 range of ±3.4028234663852886e38 (use f64, or Infinity explicitly)`,
  );
}

export function notLatin1(pkt: string, path: string): CatalogueError {
  return encodeError(pkt, path, `field "${path}" has characters above U+00FF, which latin1 cannot encode`);
}

/** A string/bytes/array longer than its fixed length, prefix or maxLength allows. */
export function tooLong(pkt: string, path: string, what: string, length: number, limit: number, why: string): CatalogueError {
  return encodeError(pkt, path, `field "${path}" has ${length} ${what}, more than the ${limit} its ${why} allows`);
}

export function packetTooLarge(pkt: string, size: number, max: number): CatalogueError {
  return encodeError(pkt, '', `the packet would be ${size} bytes, more than the catalogue's maxPacketSize of ${max}`);
}

export function noRoom(pkt: string, size: number, offset: number, length: number): CatalogueError {
  return encodeError(
    pkt,
    '',
    `the ${size}-byte packet does not fit at offset ${offset} of a ${length}-byte buffer`,
  );
}

/** A bytes value must be a Uint8Array (Buffer) or an array of integers 0–255. */
export function isByteArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const b of v) if (typeof b !== 'number' || !(b >= 0 && b <= 255) || b % 1 !== 0) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Decode errors
// ---------------------------------------------------------------------------

export function badFrame(pkt: string, buf: Buffer, offset: number, size: number, header: number): CatalogueError {
  return decodeError(
    pkt,
    '',
    0,
    `decode(buf, ${offset}, ${size}) does not describe a packet inside a ${buf.length}-byte buffer with a ${header}-byte header`,
  );
}

export function wrongId(pkt: string, expected: number, got: number): CatalogueError {
  return decodeError(pkt, '', 0, `the header carries id 0x${got.toString(16)}, not this packet's 0x${expected.toString(16)}`);
}

export function wrongSize(pkt: string, expected: number, size: number): CatalogueError {
  return decodeError(pkt, '', 0, `expected exactly ${expected} bytes, got ${size}`);
}

export function tooShort(pkt: string, min: number, size: number): CatalogueError {
  return decodeError(pkt, '', size, `${size} bytes is shorter than the ${min}-byte minimum`);
}

/** Fewer bytes left than a field (and the fixed fields after it) need. */
export function truncated(pkt: string, path: string, need: number, at: number, size: number): CatalogueError {
  return decodeError(
    pkt,
    path,
    at,
    `field "${path}" needs at least ${need} bytes from here but the ${size}-byte packet has only ${size - at} left`,
  );
}

export function decodeTooLong(pkt: string, path: string, length: number, max: number, at: number): CatalogueError {
  return decodeError(pkt, path, at, `field "${path}" has length ${length}, more than its maxLength of ${max}`);
}

export function trailing(pkt: string, at: number, size: number): CatalogueError {
  return decodeError(pkt, '', at, `${size - at} bytes left over after the last field`);
}

// ---------------------------------------------------------------------------
// 64-bit numbers: a number when exact, a bigint otherwise.
// ---------------------------------------------------------------------------

export function rdU64(buf: Buffer, x: number, le: boolean): number | bigint {
  const lo = le ? buf.readUInt32LE(x) : buf.readUInt32BE(x + 4);
  const hi = le ? buf.readUInt32LE(x + 4) : buf.readUInt32BE(x);
  if (hi < HI_SAFE) return hi * TWO_POW_32 + lo;
  return le ? buf.readBigUInt64LE(x) : buf.readBigUInt64BE(x);
}

export function rdI64(buf: Buffer, x: number, le: boolean): number | bigint {
  const lo = le ? buf.readUInt32LE(x) : buf.readUInt32BE(x + 4);
  const hi = le ? buf.readInt32LE(x + 4) : buf.readInt32BE(x);
  if (hi >= -HI_SAFE && hi < HI_SAFE) {
    const v = hi * TWO_POW_32 + lo;
    // −2⁵³ is exact but not a safe integer; report it as a bigint.
    if (v !== -9007199254740992) return v;
  }
  return le ? buf.readBigInt64LE(x) : buf.readBigInt64BE(x);
}

/** Writes a validated u64 (number or bigint); numbers are split without allocating. */
export function wrU64(buf: Buffer, v: number | bigint, x: number, le: boolean): void {
  if (typeof v === 'bigint') {
    if (le) buf.writeBigUInt64LE(v, x);
    else buf.writeBigUInt64BE(v, x);
    return;
  }
  // Exact for every integer double below 2⁶⁴: fmod and division by 2³² do not round.
  const lo = v % TWO_POW_32;
  const hi = (v - lo) / TWO_POW_32;
  if (le) {
    buf.writeUInt32LE(lo, x);
    buf.writeUInt32LE(hi, x + 4);
  } else {
    buf.writeUInt32BE(hi, x);
    buf.writeUInt32BE(lo, x + 4);
  }
}

/** Writes a validated i64 (number or bigint). */
export function wrI64(buf: Buffer, v: number | bigint, x: number, le: boolean): void {
  if (typeof v === 'number' && v >= 0) {
    wrU64(buf, v, x, le);
    return;
  }
  const b = typeof v === 'bigint' ? v : BigInt(v);
  if (le) buf.writeBigInt64LE(b, x);
  else buf.writeBigInt64BE(b, x);
}

/** Reads a fixed-length string, dropping trailing NUL padding (NUL code units for utf16le). */
export function rdFixedString(buf: Buffer, start: number, length: number, encoding: BufferEncoding): string {
  let end = start + length;
  if (encoding === 'utf16le') {
    end = start + (length & ~1);
    while (end > start && buf[end - 1] === 0 && buf[end - 2] === 0) end -= 2;
  } else {
    while (end > start && buf[end - 1] === 0) end--;
  }
  return buf.toString(encoding, start, end);
}

/** The helper object handed to generated code. */
export const RUNTIME = {
  describe,
  missing,
  badType,
  intRange,
  f32Range,
  notLatin1,
  tooLong,
  packetTooLarge,
  noRoom,
  isByteArray,
  badFrame,
  wrongId,
  wrongSize,
  tooShort,
  truncated,
  decodeTooLong,
  trailing,
  rdU64,
  rdI64,
  wrU64,
  wrI64,
  rdFixedString,
} as const;
export type Runtime = typeof RUNTIME;
