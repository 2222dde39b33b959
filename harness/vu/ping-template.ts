/**
 * PingReq from a preallocated template: the bytes that never change (the
 * header) are encoded once, and each request copies them and stores
 * `clientTime` and `seq` in place, byte by byte:
 *
 *   template  [size id ··][00 00 00 00 00 00 00 00][00 00 00 00]   encoded once
 *   per ping  copy ──────▶ clientTime lo/hi stored  seq stored
 *
 * The catalogue's generic encoder measures the packet, validates every
 * value and writes each field through `Buffer.writeUInt32LE` & co. (which
 * check their arguments on every call): 8–9 % of the harness's user time at
 * 16 pings in flight. Here a ping is 16 byte stores plus the copy.
 *
 * It is only used when it provably writes what the catalogue would: the
 * packet must be fixed-size with exactly `clientTime: u64` and `seq: u32`
 * at fixed offsets, and the fast writer's bytes must equal the generic
 * encoder's for sample values (this also settles the byte order); otherwise
 * the catalogue's codec is used unchanged. Values the fast path cannot
 * write exactly (not an integer, out of range) go to the generic encoder,
 * which throws its usual CatalogueError.
 */
import type { PacketCodec } from '../../protocol/catalogue/index.ts';

const TWO_32 = 4294967296;

/** Values {@link pingTemplateCodec} checks the fast writer against (clientTime < 2^53). */
const SAMPLES: readonly { clientTime: number; seq: number }[] = [
  { clientTime: 0x000b_0c0d_0e0f_1011, seq: 0x0102_0304 },
  { clientTime: Number.MAX_SAFE_INTEGER, seq: 0xffff_ffff },
  { clientTime: 0, seq: 0 },
  { clientTime: 1_764_000_000_000_000, seq: 1 },
];

type Writer = (buf: Buffer, offset: number, clientTime: number, seq: number) => void;

function makeWriter(template: Buffer, ctAt: number, seqAt: number, littleEndian: boolean): Writer {
  // Byte positions of the little-end-first bytes of each field.
  const ct = new Array<number>(8);
  const sq = new Array<number>(4);
  for (let i = 0; i < 8; i++) ct[i] = ctAt + (littleEndian ? i : 7 - i);
  for (let i = 0; i < 4; i++) sq[i] = seqAt + (littleEndian ? i : 3 - i);
  const [c0, c1, c2, c3, c4, c5, c6, c7] = ct as [number, number, number, number, number, number, number, number];
  const [s0, s1, s2, s3] = sq as [number, number, number, number];
  // Only the bytes no field overwrites are copied from the template (PingReq: the 4-byte header).
  const fieldBytes = new Set([...ct, ...sq]);
  const fixedAt: number[] = [];
  const fixedByte: number[] = [];
  for (let i = 0; i < template.length; i++) {
    if (fieldBytes.has(i)) continue;
    fixedAt.push(i);
    fixedByte.push(template[i]!);
  }
  const fixedCount = fixedAt.length;
  return (buf, o, clientTime, seq) => {
    for (let i = 0; i < fixedCount; i++) buf[o + fixedAt[i]!] = fixedByte[i]!;
    const lo = clientTime % TWO_32;
    const hi = (clientTime - lo) / TWO_32;
    // Uint8Array stores keep the low 8 bits (ToUint8), so no masks are needed.
    buf[o + c0] = lo;
    buf[o + c1] = lo >>> 8;
    buf[o + c2] = lo >>> 16;
    buf[o + c3] = lo >>> 24;
    buf[o + c4] = hi;
    buf[o + c5] = hi >>> 8;
    buf[o + c6] = hi >>> 16;
    buf[o + c7] = hi >>> 24;
    buf[o + s0] = seq;
    buf[o + s1] = seq >>> 8;
    buf[o + s2] = seq >>> 16;
    buf[o + s3] = seq >>> 24;
  };
}

/** True when `write` produces exactly the generic encoder's bytes for every sample. */
function agrees(codec: PacketCodec, size: number, write: Writer): boolean {
  const fast = Buffer.alloc(size);
  try {
    for (const s of SAMPLES) {
      write(fast, 0, s.clientTime, s.seq);
      if (!fast.equals(codec.encode(s))) return false;
    }
  } catch {
    return false;
  }
  return true;
}

/**
 * A PingReq codec whose `encodeInto` writes from a template (see the module
 * comment), or `codec` itself when the packet does not have the PingReq
 * shape. Everything but `encodeInto` is the catalogue codec's.
 */
export function pingTemplateCodec(codec: PacketCodec): PacketCodec {
  const size = codec.fixedSize;
  const fields = codec.fields;
  if (size === null || fields.length !== 2) return codec;
  const ct = fields.find((f) => f.name === 'clientTime');
  const sq = fields.find((f) => f.name === 'seq');
  if (ct?.type !== 'u64' || sq?.type !== 'u32' || ct.offset === null || sq.offset === null) return codec;
  let template: Buffer;
  try {
    template = codec.encode({ clientTime: 0, seq: 0 });
  } catch {
    return codec;
  }
  if (template.length !== size) return codec;
  let write = makeWriter(template, ct.offset, sq.offset, true);
  if (!agrees(codec, size, write)) {
    write = makeWriter(template, ct.offset, sq.offset, false);
    if (!agrees(codec, size, write)) return codec;
  }
  return Object.freeze({
    ...codec,
    encodeInto(buf: Buffer, offset: number, values: Record<string, unknown>): number {
      const clientTime = values.clientTime;
      const seq = values.seq;
      if (
        typeof clientTime === 'number' &&
        typeof seq === 'number' &&
        clientTime >= 0 &&
        clientTime <= Number.MAX_SAFE_INTEGER &&
        Math.floor(clientTime) === clientTime &&
        seq >>> 0 === seq &&
        offset >= 0 &&
        offset + size <= buf.length
      ) {
        write(buf, offset, clientTime, seq);
        return size;
      }
      // Anything unusual: the catalogue's encoder validates and throws as usual.
      return codec.encodeInto(buf, offset, values);
    },
  });
}
