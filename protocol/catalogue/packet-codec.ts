/**
 * Turns a validated packet spec into its {@link PacketCodec}: generated
 * encode/decode functions for field packets, protobufjs behind the same
 * interface for protobuf packets. Everything is compiled here, once, when
 * the catalogue loads.
 */
import { readUIntAt } from '../header.ts';
import { compileDecoder, compileFieldReader } from './decode-gen.ts';
import { compileEncoder, compileHeaderWriter } from './encode-gen.ts';
import { CatalogueError, CatalogueErrorCode } from './errors.ts';
import { ProtobufPayload } from './protobuf-payload.ts';
import { badFrame, noRoom, packetTooLarge, wrongId } from './runtime.ts';
import { type HeaderSpec, type PacketSpec, type StructSpec, fixedSizeOf, minSizeOf, typeNameOf } from './spec.ts';
import type { CatalogueFieldInfo, FieldReader, PacketCodec } from './types.ts';

/** Compiles one packet. */
export function compilePacket(p: PacketSpec, header: HeaderSpec, maxPacketSize: number): PacketCodec {
  return p.body.kind === 'struct'
    ? structCodec(p, p.body, header, maxPacketSize)
    : protobufCodec(p, new ProtobufPayload(p.body.type), header, maxPacketSize);
}

function fieldInfos(body: StructSpec, headerSize: number): CatalogueFieldInfo[] {
  let offset: number | null = headerSize;
  return body.fields.map((f) => {
    const size = fixedSizeOf(f.value);
    const info: CatalogueFieldInfo = Object.freeze({ name: f.name, type: typeNameOf(f.value), offset, size, required: !f.hasDefault });
    offset = offset !== null && size !== null ? offset + size : null;
    return info;
  });
}

function unknownField(pkt: string, name: string, known: readonly string[]): CatalogueError {
  const message = `packet ${pkt} has no field "${name}" (fields: ${known.join(', ') || 'none'})`;
  return new CatalogueError(CatalogueErrorCode.UNKNOWN_FIELD, message, [{ path: `${pkt}.${name}`, message }], {
    packet: pkt,
    field: name,
  });
}

function structCodec(p: PacketSpec, body: StructSpec, header: HeaderSpec, maxPacketSize: number): PacketCodec {
  const hs = header.layout.headerSize;
  const { measure, write } = compileEncoder(p.name, p.id, header, body, maxPacketSize);
  const decode = compileDecoder(p.name, p.id, header, body);
  const fields = Object.freeze(fieldInfos(body, hs));
  const bodySize = fixedSizeOf(body);
  const readers = new Map<string, FieldReader | null>();
  const name = p.name;

  return Object.freeze({
    name,
    id: p.id,
    direction: p.direction,
    description: p.description,
    fixedSize: bodySize === null ? null : hs + bodySize,
    minSize: hs + minSizeOf(body),
    fields,
    protobufType: null,
    encode(values: Record<string, unknown>): Buffer {
      const n = measure(values);
      const buf = Buffer.allocUnsafe(n);
      write(buf, 0, values, n);
      return buf;
    },
    encodeInto(buf: Buffer, offset: number, values: Record<string, unknown>): number {
      const n = measure(values);
      if (!(offset >= 0 && offset + n <= buf.length)) throw noRoom(name, n, offset, buf.length);
      write(buf, offset, values, n);
      return n;
    },
    decode,
    fieldReader(field: string): FieldReader | null {
      const cached = readers.get(field);
      if (cached !== undefined) return cached;
      const info = fields.find((f) => f.name === field);
      if (info === undefined) throw unknownField(name, field, fields.map((f) => f.name));
      const spec = body.fields.find((f) => f.name === field)!.value;
      const reader =
        spec.kind === 'scalar' && spec.type !== 'bool' && info.offset !== null
          ? compileFieldReader(spec.type, spec.littleEndian, info.offset)
          : null;
      readers.set(field, reader);
      return reader;
    },
  });
}

function protobufCodec(p: PacketSpec, payload: ProtobufPayload, header: HeaderSpec, maxPacketSize: number): PacketCodec {
  const l = header.layout;
  const hs = l.headerSize;
  const writeHeader = compileHeaderWriter(p.name, p.id, header);
  const name = p.name;
  const id = p.id;

  function frame(values: Record<string, unknown>): { bytes: Uint8Array; n: number } {
    const bytes = payload.encode(name, values);
    const n = hs + bytes.length;
    if (n > maxPacketSize) throw packetTooLarge(name, n, maxPacketSize);
    return { bytes, n };
  }

  return Object.freeze({
    name,
    id,
    direction: p.direction,
    description: p.description,
    fixedSize: null,
    minSize: hs,
    fields: Object.freeze([]),
    protobufType: payload.typeName,
    encode(values: Record<string, unknown>): Buffer {
      const { bytes, n } = frame(values);
      const buf = Buffer.allocUnsafe(n);
      writeHeader(buf, 0, n);
      buf.set(bytes, hs);
      return buf;
    },
    encodeInto(buf: Buffer, offset: number, values: Record<string, unknown>): number {
      const { bytes, n } = frame(values);
      if (!(offset >= 0 && offset + n <= buf.length)) throw noRoom(name, n, offset, buf.length);
      writeHeader(buf, offset, n);
      buf.set(bytes, offset + hs);
      return n;
    },
    decode(buf: Buffer, offset: number, size: number): Record<string, unknown> {
      if (!(offset >= 0 && size >= hs && offset + size <= buf.length)) throw badFrame(name, buf, offset, size, hs);
      const got = readUIntAt(buf, offset + l.idOffset, l.idWidth, l.littleEndian);
      if (got !== id) throw wrongId(name, id, got);
      return payload.decode(name, buf.subarray(offset + hs, offset + size), hs);
    },
    fieldReader(field: string): FieldReader | null {
      if (!payload.fieldNames.includes(field)) throw unknownField(name, field, payload.fieldNames);
      // Protobuf fields have no fixed offsets.
      return null;
    },
  });
}
