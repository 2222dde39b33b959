/**
 * The public face of a loaded catalogue: what the harness engine calls.
 */
import type { HeaderLayout } from '../header.ts';
import type { Direction } from './spec.ts';

export type { Direction } from './spec.ts';

/**
 * Reads one number straight from a packet in a frame buffer, without decoding
 * the rest. `offset` is the start of the packet (its header).
 */
export type FieldReader = (buf: Buffer, offset: number) => number | bigint;

/** A top-level field of a packet, for checking scenario values at load time. */
export interface CatalogueFieldInfo {
  readonly name: string;
  /** The catalogue type: `u32`, `string`, `array`, … (`message` etc. never appear: protobuf fields are not listed). */
  readonly type: string;
  /** Byte offset from the start of the packet when every field before it has a fixed size, else null. */
  readonly offset: number | null;
  /** Size in bytes when constant, else null. */
  readonly size: number | null;
  /** True when encode needs a value (the field has no default). */
  readonly required: boolean;
}

/** Encoder, decoder and fast field readers of one packet, compiled at load time. */
export interface PacketCodec {
  readonly name: string;
  readonly id: number;
  /** Who sends it: `client` (client→server), `server` (server→client) or `both`. */
  readonly direction: Direction;
  readonly description: string | null;
  /** Total size (header included) when every instance has the same size, else null. */
  readonly fixedSize: number | null;
  /** Smallest possible total size, header included. */
  readonly minSize: number;
  /** Top-level fields in wire order (empty for protobuf packets). */
  readonly fields: readonly CatalogueFieldInfo[];
  /** Full name of the protobuf message carried as payload, or null for field packets. */
  readonly protobufType: string | null;
  /**
   * Encodes a whole packet, header included, into a new Buffer. Values are
   * keyed by field name; fields with a `default` may be left out; keys the
   * packet does not have are ignored. 64-bit fields take a number or a
   * bigint. Throws CatalogueError `NMT_CATALOGUE_ENCODE` naming the field
   * (and the allowed range) for a missing, mistyped or out-of-range value,
   * or when the packet would exceed the catalogue's maxPacketSize.
   */
  encode(values: Record<string, unknown>): Buffer;
  /**
   * Like {@link encode} but writes at `buf[offset..]` (for batching several
   * packets into one write). Returns the packet size. Throws
   * `NMT_CATALOGUE_ENCODE` before writing anything if the values are invalid
   * or the packet does not fit in the buffer.
   */
  encodeInto(buf: Buffer, offset: number, values: Record<string, unknown>): number;
  /**
   * Decodes the packet at `buf[offset .. offset + size)` (header included, as
   * FrameDecoder's onFrame hands it over) into a plain object. The header's
   * id must be this packet's and the payload must be consumed exactly;
   * otherwise throws `NMT_CATALOGUE_DECODE` naming the packet, the field and
   * the byte offset. 64-bit integers decode to a number when exact, else a
   * bigint; strings and bytes are copies (safe to keep after onFrame).
   */
  decode(buf: Buffer, offset: number, size: number): Record<string, unknown>;
  /**
   * A compiled reader for a top-level numeric field (u8…u64, i8…i64, f32,
   * f64) at a fixed offset, to match responses (e.g. by `seq`) without a
   * full decode; null when the field's offset depends on earlier
   * variable-length fields or the field is not a number. Throws
   * `NMT_CATALOGUE_UNKNOWN_FIELD` when the packet has no such field.
   */
  fieldReader(name: string): FieldReader | null;
}

/** A loaded, validated and compiled catalogue. Immutable. */
export interface Catalogue {
  /** The `catalogue:` name. */
  readonly name: string;
  readonly description: string | null;
  /** Where it was loaded from (a path, or the `source` given to parseCatalogue). */
  readonly source: string;
  /** The framing; pass it to FrameDecoder as `layout`. */
  readonly layout: HeaderLayout;
  /** Largest packet, header included, that encode produces and the FrameDecoder should accept. */
  readonly maxPacketSize: number;
  /** Every packet, in catalogue order. */
  readonly packets: readonly PacketCodec[];
  /** The packet of that name, or undefined. */
  byName(name: string): PacketCodec | undefined;
  /** The packet of that id, or undefined. */
  byId(id: number): PacketCodec | undefined;
}
