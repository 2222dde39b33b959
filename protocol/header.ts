/**
 * The packet header.
 *
 * Wire protocol v1 (all integers little-endian):
 *
 *   offset 0      2      4
 *          +------+------+----------------------+
 *          | size |  id  | payload (size - 4 B) |
 *          +------+------+----------------------+
 *   size: u16, total packet length in bytes including the 4-byte header
 *   id:   u16, packet id (see packet-ids.ts)
 *
 * A {@link HeaderLayout} describes other servers' framing too (size width,
 * endianness, whether size counts the header), so the same streaming decoder
 * serves the harness when it drives a foreign protocol.
 */

/** Size of the v1 header in bytes. */
export const HEADER_SIZE = 4;
/** Largest packet v1 can express (u16 size field). */
export const MAX_WIRE_PACKET_SIZE = 0xffff;

/** How a protocol frames its packets. */
export interface HeaderLayout {
  /** Header length in bytes. */
  readonly headerSize: number;
  /** Byte offset and width of the size field. */
  readonly sizeOffset: number;
  readonly sizeWidth: 1 | 2 | 4;
  /** Byte offset and width of the packet id field. */
  readonly idOffset: number;
  readonly idWidth: 1 | 2 | 4;
  readonly littleEndian: boolean;
  /** True when the size field counts the header as well as the payload. */
  readonly sizeIncludesHeader: boolean;
}

/** The header of wire protocol v1. */
export const V1_HEADER: HeaderLayout = Object.freeze({
  headerSize: HEADER_SIZE,
  sizeOffset: 0,
  sizeWidth: 2,
  idOffset: 2,
  idWidth: 2,
  littleEndian: true,
  sizeIncludesHeader: true,
});

/** Reads an unsigned integer of 1, 2 or 4 bytes. */
export function readUIntAt(buf: Buffer, offset: number, width: 1 | 2 | 4, littleEndian: boolean): number {
  switch (width) {
    case 1:
      return buf[offset]!;
    case 2:
      return littleEndian ? buf.readUInt16LE(offset) : buf.readUInt16BE(offset);
    default:
      return littleEndian ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
  }
}

/** Writes an unsigned integer of 1, 2 or 4 bytes. */
export function writeUIntAt(buf: Buffer, value: number, offset: number, width: 1 | 2 | 4, littleEndian: boolean): void {
  switch (width) {
    case 1:
      buf[offset] = value;
      return;
    case 2:
      if (littleEndian) buf.writeUInt16LE(value, offset);
      else buf.writeUInt16BE(value, offset);
      return;
    default:
      if (littleEndian) buf.writeUInt32LE(value, offset);
      else buf.writeUInt32BE(value, offset);
  }
}

/** Writes a v1 header (size includes the header) at `offset`. */
export function writeHeader(buf: Buffer, offset: number, size: number, id: number): void {
  buf.writeUInt16LE(size, offset);
  buf.writeUInt16LE(id, offset + 2);
}

/** Largest size field value a layout can carry. */
export function maxSizeFieldValue(layout: HeaderLayout): number {
  return layout.sizeWidth === 1 ? 0xff : layout.sizeWidth === 2 ? 0xffff : 0xffffffff;
}
