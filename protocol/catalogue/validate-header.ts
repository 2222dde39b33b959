/**
 * Validates the `header:` section and turns it into the protocol's
 * {@link HeaderLayout} (what FrameDecoder consumes) plus constant extras.
 *
 *   header:
 *     endianness: big            # default little; also the default for fields
 *     fields: [id, size, flags]  # wire order
 *     id:    { type: u16 }
 *     size:  { type: u32, includesHeader: false }
 *     flags: { type: u8, value: 0 }   # constant on encode, ignored on decode
 */
import { isScalar, type Node, type YAMLMap } from 'yaml';
import type { HeaderLayout } from '../header.ts';
import { type Endianness, type HeaderConstSpec, type HeaderSpec, PREFIX_TYPES, type PrefixType, prefixMax } from './spec.ts';
import { type SourceContext, child, item } from './yaml-source.ts';

const HEADER_TYPES = Object.keys(PREFIX_TYPES) as PrefixType[];
const ENDIANNESS: readonly Endianness[] = ['little', 'big'];

interface HeaderField {
  readonly name: string;
  readonly width: 1 | 2 | 4;
  readonly offset: number;
  readonly includesHeader: boolean;
  readonly value: number;
}

/**
 * Validates `header:`; returns the header (null when it has problems, which
 * are reported) and the default byte order for fields.
 */
export function validateHeader(ctx: SourceContext, node: Node | null): { header: HeaderSpec | null; littleEndian: boolean } {
  const path = 'header';
  const map = ctx.map(node, path, 'header');
  if (map === null) return { header: null, littleEndian: true };

  // The field list decides which other keys are allowed, so read it first.
  const names: string[] = [];
  const namesOk = readFieldNames(ctx, map, names);
  const e = ctx.entries(map, path, ['endianness', 'fields', 'size', 'id', ...names.filter((n) => n !== 'size' && n !== 'id')]);

  let littleEndian = true;
  const endianness = e.get('endianness');
  if (endianness !== undefined) {
    const v = ctx.oneOf(endianness, ENDIANNESS);
    if (v !== null) littleEndian = v === 'little';
  }

  let ok = namesOk;
  const fields: HeaderField[] = [];
  let offset = 0;
  for (const name of names) {
    const entry = e.get(name);
    if (entry === undefined) {
      ctx.missing(map, path, name, `header.fields lists "${name}", so define it, e.g. ${name}: { type: u16 }`);
      ok = false;
      continue;
    }
    const f = readHeaderField(ctx, entry.value, entry.path, name, offset);
    if (f === null) {
      ok = false;
      continue;
    }
    fields.push(f);
    offset += f.width;
  }
  for (const key of ['size', 'id']) {
    const entry = e.get(key);
    if (entry !== undefined && !names.includes(key) && e.has('fields')) {
      ctx.add(entry.path, entry.keyNode, `"${key}" is defined but not listed in header.fields`);
      ok = false;
    }
  }
  if (!ok) return { header: null, littleEndian };

  const size = fields.find((f) => f.name === 'size')!;
  const id = fields.find((f) => f.name === 'id')!;
  const layout: HeaderLayout = Object.freeze({
    headerSize: offset,
    sizeOffset: size.offset,
    sizeWidth: size.width,
    idOffset: id.offset,
    idWidth: id.width,
    littleEndian,
    sizeIncludesHeader: size.includesHeader,
  });
  if (layout.sizeIncludesHeader && layout.headerSize > prefixMax(widthType(layout.sizeWidth))) {
    ctx.add(child(path, 'size'), map, `a ${layout.sizeWidth}-byte size field cannot count a ${layout.headerSize}-byte header`);
    return { header: null, littleEndian };
  }
  const constants: HeaderConstSpec[] = fields
    .filter((f) => f.name !== 'size' && f.name !== 'id')
    .map((f) => ({ name: f.name, offset: f.offset, width: f.width, value: f.value }));
  return { header: { layout, constants }, littleEndian };
}

function widthType(width: 1 | 2 | 4): PrefixType {
  return width === 1 ? 'u8' : width === 2 ? 'u16' : 'u32';
}

/** Reads `header.fields` into `names`; returns false after reporting a problem. */
function readFieldNames(ctx: SourceContext, map: YAMLMap, names: string[]): boolean {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === 'fields');
  const path = 'header.fields';
  if (pair === undefined) {
    ctx.add(path, map, '"fields" is required: the header fields in wire order, e.g. fields: [size, id]');
    return false;
  }
  const seq = ctx.seq(ctx.resolve(pair.value), path, 'header.fields');
  if (seq === null) return false;
  let ok = true;
  seq.items.forEach((raw, i) => {
    const n = ctx.resolve(raw);
    const v = isScalar(n) ? n.value : undefined;
    if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) || v === 'endianness' || v === 'fields') {
      ctx.add(item(path, i), n, `header field names must be identifiers other than "endianness" and "fields", got ${String(v)}`);
      ok = false;
    } else if (names.includes(v)) {
      ctx.add(item(path, i), n, `"${v}" is listed twice`);
      ok = false;
    } else {
      names.push(v);
    }
  });
  for (const required of ['size', 'id']) {
    if (!names.includes(required)) {
      ctx.add(path, seq, `the header needs a "${required}" field (fields lists ${names.join(', ') || 'nothing'})`);
      ok = false;
    }
  }
  return ok;
}

function readHeaderField(ctx: SourceContext, node: Node | null, path: string, name: string, offset: number): HeaderField | null {
  const map = ctx.map(node, path, `header field "${name}"`);
  if (map === null) return null;
  const isSize = name === 'size';
  const isExtra = name !== 'size' && name !== 'id';
  const allowed = isSize ? ['type', 'includesHeader'] : isExtra ? ['type', 'value'] : ['type'];
  const e = ctx.entries(map, path, allowed);
  const typeEntry = e.get('type');
  if (typeEntry === undefined) {
    ctx.missing(map, path, 'type', 'one of u8, u16, u32');
    return null;
  }
  const type = ctx.oneOf(typeEntry, HEADER_TYPES, 'one of u8, u16, u32 (header fields are unsigned, at most 4 bytes)');
  let includesHeader = true;
  const inc = e.get('includesHeader');
  if (inc !== undefined) {
    const v = ctx.bool(inc);
    if (v === null) return null;
    includesHeader = v;
  }
  let value = 0;
  const valueEntry = e.get('value');
  if (valueEntry !== undefined && type !== null) {
    const v = ctx.int(valueEntry, 0, prefixMax(type), `an integer from 0 to ${prefixMax(type)} (${type})`);
    if (v === null) return null;
    value = v;
  }
  if (type === null || e.size !== map.items.length) return null;
  return { name, width: PREFIX_TYPES[type], offset, includesHeader, value };
}
