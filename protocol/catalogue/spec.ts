/**
 * The validated, compiled-from form of a catalogue: what the YAML says once
 * every key has been checked. Validation (validate*.ts) produces it, the code
 * generators (encode-gen.ts, decode-gen.ts) and the protobuf codec consume it.
 *
 *   YAML text ──validate──▶ CatalogueSpec ──compile──▶ Catalogue (PacketCodec[])
 */
import type protobuf from 'protobufjs';
import type { HeaderLayout } from '../header.ts';

/** Byte order of a number on the wire. */
export type Endianness = 'little' | 'big';

/** Integer types and their ranges (64-bit bounds as bigint: they are not all exact numbers). */
export const INT_TYPES = {
  u8: { width: 1, signed: false, min: 0n, max: 0xffn },
  u16: { width: 2, signed: false, min: 0n, max: 0xffffn },
  u32: { width: 4, signed: false, min: 0n, max: 0xffff_ffffn },
  u64: { width: 8, signed: false, min: 0n, max: 0xffff_ffff_ffff_ffffn },
  i8: { width: 1, signed: true, min: -0x80n, max: 0x7fn },
  i16: { width: 2, signed: true, min: -0x8000n, max: 0x7fffn },
  i32: { width: 4, signed: true, min: -0x8000_0000n, max: 0x7fff_ffffn },
  i64: { width: 8, signed: true, min: -0x8000_0000_0000_0000n, max: 0x7fff_ffff_ffff_ffffn },
} as const;
export type IntType = keyof typeof INT_TYPES;

/** Widths of the fixed-size scalar types. */
export const SCALAR_WIDTHS = {
  u8: 1,
  u16: 2,
  u32: 4,
  u64: 8,
  i8: 1,
  i16: 2,
  i32: 4,
  i64: 8,
  f32: 4,
  f64: 8,
  bool: 1,
} as const;
export type ScalarType = keyof typeof SCALAR_WIDTHS;

/** Types a length prefix (and a header field) may have. */
export const PREFIX_TYPES = { u8: 1, u16: 2, u32: 4 } as const;
export type PrefixType = keyof typeof PREFIX_TYPES;

/** Largest value of a prefix type. */
export function prefixMax(type: PrefixType): number {
  return type === 'u8' ? 0xff : type === 'u16' ? 0xffff : 0xffff_ffff;
}

/** Text encodings a `string` field may use (Node Buffer encoding names). */
export const STRING_ENCODINGS = ['utf8', 'utf16le', 'latin1'] as const;
export type StringEncoding = (typeof STRING_ENCODINGS)[number];

/** Every `type:` a field may have. */
export const FIELD_TYPES = [...Object.keys(SCALAR_WIDTHS), 'string', 'bytes', 'array'] as const;

/** A fixed-width number or bool. */
export interface ScalarSpec {
  readonly kind: 'scalar';
  readonly type: ScalarType;
  readonly littleEndian: boolean;
}

/**
 * How long a string, bytes or array field is: either a length prefix
 * (`prefix`, with an optional `maxLength`) or a fixed `length`.
 * Exactly one of `prefix` and `length` is non-null.
 */
export interface LengthSpec {
  readonly prefix: PrefixType | null;
  readonly length: number | null;
  /** Only with a prefix: longest accepted value (bytes, or elements for arrays). */
  readonly maxLength: number | null;
  /** Byte order of the prefix (and, for arrays, the default for elements). */
  readonly littleEndian: boolean;
}

export interface StringSpec extends LengthSpec {
  readonly kind: 'string';
  readonly encoding: StringEncoding;
}

export interface BytesSpec extends LengthSpec {
  readonly kind: 'bytes';
}

export interface ArraySpec extends LengthSpec {
  readonly kind: 'array';
  readonly element: ValueSpec;
}

/** An ordered list of named fields: a packet body or an array element. */
export interface StructSpec {
  readonly kind: 'struct';
  readonly fields: readonly FieldSpec[];
}

export type ValueSpec = ScalarSpec | StringSpec | BytesSpec | ArraySpec | StructSpec;

export interface FieldSpec {
  readonly name: string;
  readonly value: ValueSpec;
  readonly hasDefault: boolean;
  /** The checked default (number, bigint, boolean, string, Buffer or array); undefined without one. */
  readonly defaultValue: unknown;
}

/** An extra constant header field (besides size and id). */
export interface HeaderConstSpec {
  readonly name: string;
  readonly offset: number;
  readonly width: 1 | 2 | 4;
  readonly value: number;
}

export interface HeaderSpec {
  readonly layout: HeaderLayout;
  /** Extra fields written as constants on encode and ignored on decode. */
  readonly constants: readonly HeaderConstSpec[];
}

export type Direction = 'client' | 'server' | 'both';
export const DIRECTIONS: readonly Direction[] = ['client', 'server', 'both'];

export interface PacketSpec {
  readonly name: string;
  readonly id: number;
  readonly direction: Direction;
  readonly description: string | null;
  /** The payload: a field list, or a protobuf message. */
  readonly body: StructSpec | { readonly kind: 'protobuf'; readonly typeName: string; readonly type: protobuf.Type };
}

export interface CatalogueSpec {
  readonly name: string;
  readonly description: string | null;
  readonly header: HeaderSpec;
  readonly maxPacketSize: number;
  readonly packets: readonly PacketSpec[];
}

/** Size in bytes when constant, else null. */
export function fixedSizeOf(spec: ValueSpec): number | null {
  switch (spec.kind) {
    case 'scalar':
      return SCALAR_WIDTHS[spec.type];
    case 'string':
    case 'bytes':
      return spec.length;
    case 'array': {
      if (spec.length === null) return null;
      const e = fixedSizeOf(spec.element);
      return e === null ? null : e * spec.length;
    }
    case 'struct': {
      let total = 0;
      for (const f of spec.fields) {
        const s = fixedSizeOf(f.value);
        if (s === null) return null;
        total += s;
      }
      return total;
    }
  }
}

/**
 * Smallest encoding in bytes: fixed parts plus empty variable parts. This is
 * also the size of an all-zero element, which pads fixed-length arrays.
 */
export function minSizeOf(spec: ValueSpec): number {
  switch (spec.kind) {
    case 'scalar':
      return SCALAR_WIDTHS[spec.type];
    case 'string':
    case 'bytes':
      return spec.prefix !== null ? PREFIX_TYPES[spec.prefix] : spec.length!;
    case 'array':
      return spec.prefix !== null ? PREFIX_TYPES[spec.prefix] : spec.length! * minSizeOf(spec.element);
    case 'struct':
      return spec.fields.reduce((sum, f) => sum + minSizeOf(f.value), 0);
  }
}

/** The `type:` name of a value, as written in the catalogue. */
export function typeNameOf(spec: ValueSpec): string {
  return spec.kind === 'scalar' ? spec.type : spec.kind;
}
