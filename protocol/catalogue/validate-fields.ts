/**
 * Validates field lists (`fields:` of a packet, `of:` of an array) into
 * {@link StructSpec}s. Every problem is reported; a list with any problem
 * yields null but its siblings are still checked.
 *
 *   - { name: hp, type: u16 }                              scalar
 *   - { name: nick, type: string, lengthPrefix: u8 }       u8 byte count, then UTF-8
 *   - { name: account, type: string, length: 32 }          32 bytes, NUL-padded
 *   - { name: ids, type: array, lengthPrefix: u16, of: u32 }
 *   - { name: items, type: array, lengthPrefix: u8, of: [ {name: slot, type: u8}, ... ] }
 */
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { compileValueCheck } from './encode-gen.ts';
import { CatalogueError } from './errors.ts';
import {
  FIELD_TYPES,
  type FieldSpec,
  PREFIX_TYPES,
  type PrefixType,
  SCALAR_WIDTHS,
  type ScalarType,
  STRING_ENCODINGS,
  type StringEncoding,
  type StructSpec,
  type ValueSpec,
  prefixMax,
} from './spec.ts';
import { type Entry, type SourceContext, item, suggest } from './yaml-source.ts';

const ELEMENT_KEYS = ['type', 'endianness', 'lengthPrefix', 'length', 'maxLength', 'of', 'encoding'] as const;
const FIELD_KEYS = ['name', 'description', 'default', ...ELEMENT_KEYS] as const;
const PREFIXES = Object.keys(PREFIX_TYPES) as PrefixType[];
/** Which type each optional key belongs to. */
const KEY_TYPES: Record<string, readonly string[]> = {
  lengthPrefix: ['string', 'bytes', 'array'],
  length: ['string', 'bytes', 'array'],
  maxLength: ['string', 'bytes', 'array'],
  of: ['array'],
  encoding: ['string'],
};

/** Validation state shared by one packet's fields. */
export interface FieldScope {
  readonly ctx: SourceContext;
  /** The packet name, for default-value messages. */
  readonly pkt: string;
}

/** Validates a list of fields; null when any of them has a problem (all are reported). */
export function validateFieldList(s: FieldScope, node: Node | null, path: string, littleEndian: boolean, at?: Entry): StructSpec | null {
  const seq = s.ctx.seq(node, path, 'a field list', at);
  if (seq === null) return null;
  const fields: FieldSpec[] = [];
  const seen = new Map<string, number | undefined>();
  let ok = true;
  seq.items.forEach((raw, i) => {
    const f = validateField(s, s.ctx.resolve(raw), item(path, i), littleEndian, seen);
    if (f === null) ok = false;
    else fields.push(f);
  });
  return ok ? { kind: 'struct', fields } : null;
}

function validateField(
  s: FieldScope,
  node: Node | null,
  path: string,
  littleEndian: boolean,
  seen: Map<string, number | undefined>,
): FieldSpec | null {
  const { ctx } = s;
  const map = ctx.map(node, path, 'a field');
  if (map === null) return null;
  const e = ctx.entries(map, path, FIELD_KEYS);
  let ok = e.size === map.items.length;

  let name: string | null = null;
  const nameEntry = e.get('name');
  if (nameEntry === undefined) {
    ctx.missing(map, path, 'name', 'every field needs a name, e.g. { name: seq, type: u32 }');
    ok = false;
  } else {
    name = ctx.string(nameEntry);
    if (name !== null && !ctx.name(name, nameEntry.path, nameEntry.value, 'field name')) name = null;
    if (name !== null && seen.has(name)) {
      const first = seen.get(name);
      ctx.add(nameEntry.path, nameEntry.value, `field name "${name}" is already used${first !== undefined ? ` on line ${first}` : ''}`);
      name = null;
    } else if (name !== null) {
      seen.set(name, ctx.lineOf(nameEntry.value));
    }
    if (name === null) ok = false;
  }
  const description = e.get('description');
  if (description !== undefined && ctx.string(description) === null) ok = false;

  const value = validateValue(s, map, e, path, littleEndian);
  if (value === null || !ok || name === null) return null;

  const def = e.get('default');
  if (def === undefined) return { name, value, hasDefault: false, defaultValue: undefined };
  const checked = checkDefault(s, def, name, value);
  return checked.ok ? { name, value, hasDefault: true, defaultValue: checked.value } : null;
}

/** Validates the type-related keys of a field or an `of:` element. */
function validateValue(s: FieldScope, map: YAMLMap, e: Map<string, Entry>, path: string, inherited: boolean): ValueSpec | null {
  const { ctx } = s;
  const typeEntry = e.get('type');
  if (typeEntry === undefined) {
    ctx.missing(map, path, 'type', `one of ${FIELD_TYPES.join(', ')}`);
    return null;
  }
  const type = ctx.oneOf(typeEntry, FIELD_TYPES);
  let littleEndian = inherited;
  const endianness = e.get('endianness');
  if (endianness !== undefined) {
    const v = ctx.oneOf(endianness, ['little', 'big'] as const);
    if (v === null) return null;
    littleEndian = v === 'little';
  }
  if (type === null) return null;

  let ok = true;
  for (const [key, types] of Object.entries(KEY_TYPES)) {
    const entry = e.get(key);
    if (entry !== undefined && !types.includes(type)) {
      ctx.add(entry.path, entry.keyNode, `"${key}" applies only to ${types.join(', ')} fields, not ${type}`);
      ok = false;
    }
  }
  if (type in SCALAR_WIDTHS) return ok ? { kind: 'scalar', type: type as ScalarType, littleEndian } : null;

  // string, bytes, array: a prefix or a fixed length.
  const lp = e.get('lengthPrefix');
  const len = e.get('length');
  const max = e.get('maxLength');
  let prefix: PrefixType | null = null;
  let length: number | null = null;
  let maxLength: number | null = null;
  const unit = type === 'array' ? 'element count' : 'byte length';
  if (lp !== undefined && len !== undefined) {
    ctx.add(len.path, len.keyNode, 'use either lengthPrefix (length sent before the data) or length (fixed), not both');
    ok = false;
  } else if (lp === undefined && len === undefined) {
    ctx.add(path, map, `a ${type} field needs lengthPrefix: u8|u16|u32 (its ${unit} is sent first) or length: N (fixed)`);
    ok = false;
  }
  if (lp !== undefined) {
    prefix = ctx.oneOf(lp, PREFIXES);
    if (prefix === null) ok = false;
  }
  if (len !== undefined) {
    length = ctx.int(len, 1, 0xffff_ffff, `a positive ${unit}`);
    if (length === null) ok = false;
  }
  if (max !== undefined) {
    if (lp === undefined) {
      ctx.add(max.path, max.keyNode, '"maxLength" needs lengthPrefix (a fixed length is already the maximum)');
      ok = false;
    } else if (prefix !== null) {
      maxLength = ctx.int(max, 0, prefixMax(prefix), `an integer from 0 to ${prefixMax(prefix)} (what a ${prefix} prefix holds)`);
      if (maxLength === null) ok = false;
    }
  }

  if (type === 'string') {
    let encoding: StringEncoding = 'utf8';
    const enc = e.get('encoding');
    if (enc !== undefined) {
      const v = ctx.oneOf(enc, STRING_ENCODINGS);
      if (v === null) ok = false;
      else encoding = v;
    }
    if (encoding === 'utf16le' && length !== null && length % 2 !== 0) {
      ctx.add(len!.path, len!.value, `a utf16le string needs an even length (2 bytes per code unit), got ${length}`);
      ok = false;
    }
    return ok ? { kind: 'string', encoding, prefix, length, maxLength, littleEndian } : null;
  }
  if (type === 'bytes') return ok ? { kind: 'bytes', prefix, length, maxLength, littleEndian } : null;

  const of = e.get('of');
  if (of === undefined) {
    ctx.missing(map, path, 'of', 'the element type: a scalar type (of: u32), a mapping (of: { type: string, lengthPrefix: u8 }) or a field list');
    return null;
  }
  const element = validateElement(s, of, littleEndian);
  return ok && element !== null ? { kind: 'array', prefix, length, maxLength, littleEndian, element } : null;
}

/** `of:` — a scalar type name, an unnamed element mapping, or a field list (elements are objects). */
function validateElement(s: FieldScope, of: Entry, littleEndian: boolean): ValueSpec | null {
  const { ctx } = s;
  const node = of.value;
  if (isScalar(node) && typeof node.value === 'string') {
    const t = node.value;
    if (t in SCALAR_WIDTHS) return { kind: 'scalar', type: t as ScalarType, littleEndian };
    if (t === 'string' || t === 'bytes' || t === 'array') {
      ctx.add(of.path, node, `"of: ${t}" needs its length too, e.g. of: { type: ${t}, lengthPrefix: u8${t === 'array' ? ', of: u8' : ''} }`);
    } else {
      ctx.add(of.path, node, `unknown element type "${t}"${suggest(t, FIELD_TYPES)}; use one of ${Object.keys(SCALAR_WIDTHS).join(', ')}, a mapping or a field list`);
    }
    return null;
  }
  if (isMap(node)) {
    const e = ctx.entries(node, of.path, ELEMENT_KEYS);
    const v = validateValue(s, node, e, of.path, littleEndian);
    return e.size === node.items.length ? v : null;
  }
  if (isSeq(node)) {
    if (node.items.length === 0) {
      ctx.add(of.path, node, 'an element field list needs at least one field');
      return null;
    }
    return validateFieldList(s, node, of.path, littleEndian);
  }
  ctx.add(of.path, node ?? of.keyNode, '"of" must be a scalar type name, a mapping or a list of fields');
  return null;
}

/**
 * Checks a `default:` with the same code encode uses (so both agree on what
 * is valid) and returns it in the form encode consumes.
 */
function checkDefault(s: FieldScope, def: Entry, name: string, spec: ValueSpec): { ok: boolean; value?: unknown } {
  const { ctx } = s;
  if (def.value === null || (isScalar(def.value) && def.value.value === null)) {
    ctx.add(def.path, def.keyNode, '"default" needs a value');
    return { ok: false };
  }
  let value = narrowInts(def.value.toJS(ctx.doc));
  if (spec.kind === 'bytes' && typeof value === 'string') {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) {
      ctx.add(def.path, def.value, 'a bytes default is a hex string ("00ff10") or a list of byte values');
      return { ok: false };
    }
    value = Buffer.from(value, 'hex');
  }
  try {
    compileValueCheck(s.pkt, name, spec)(value);
  } catch (err) {
    if (!(err instanceof CatalogueError)) throw err;
    ctx.add(def.path, def.value, `invalid default: ${err.issues[0]?.message ?? err.message}`);
    return { ok: false };
  }
  if (spec.kind === 'bytes' && Array.isArray(value)) value = Buffer.from(value as number[]);
  return { ok: true, value: deepFreeze(value) };
}

/** YAML integers arrive as bigint; keep bigint only where a number would not be exact. */
function narrowInts(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  if (Array.isArray(v)) return v.map(narrowInts);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, narrowInts(x)]));
  }
  return v;
}

function deepFreeze<T>(v: T): T {
  if (Array.isArray(v) || (v !== null && typeof v === 'object' && !(v instanceof Uint8Array))) {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
