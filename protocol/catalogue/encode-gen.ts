/**
 * Generates a packet's encoder as two straight-line functions:
 *
 *   measure(values) → size   validates every value, returns the packet size
 *   write(buf, o, values, n)  writes header and fields; trusts measure
 *
 * Splitting them lets `encode` allocate exactly once and `encodeInto` check
 * the caller's room before touching it; values are read twice, which costs
 * far less than a second pass over strings (write learns a string's byte
 * length from `buf.write`, so it is computed only once per pass).
 */
import { CodeBuilder, type Cursor, at, compileFunction, lit, widthOf, writeStmt } from './code-builder.ts';
import {
  type ArraySpec,
  type FieldSpec,
  type HeaderSpec,
  INT_TYPES,
  type LengthSpec,
  type PrefixType,
  type ScalarSpec,
  type StructSpec,
  type ValueSpec,
  minSizeOf,
  prefixMax,
} from './spec.ts';

/** A compiled encoder. */
export interface EncoderFns {
  measure(values: Record<string, unknown>): number;
  write(buf: Buffer, offset: number, values: Record<string, unknown>, size: number): void;
}

const F32_MAX = 3.4028234663852886e38;

/** Generator state for one function: the builder, the packet name and the constants table. */
class Gen {
  readonly c = new CodeBuilder();
  constructor(
    readonly pkt: string,
    readonly constants: unknown[],
  ) {}

  constant(v: unknown): string {
    this.constants.push(v);
    return `D[${this.constants.length - 1}]`;
  }

  /** `throw H.name(PKT, ...args)`. */
  fail(name: string, ...args: string[]): string {
    return `throw H.${name}(${lit(this.pkt)}, ${args.join(', ')});`;
  }
}

/** Length limit for a prefixed value and the phrase explaining it. */
function limitOf(spec: LengthSpec): { limit: number; why: string } {
  if (spec.length !== null) return { limit: spec.length, why: 'fixed length' };
  const byPrefix = prefixMax(spec.prefix!);
  if (spec.maxLength !== null && spec.maxLength < byPrefix) return { limit: spec.maxLength, why: 'maxLength' };
  return { limit: byPrefix, why: `${spec.prefix} length prefix` };
}

// ---------------------------------------------------------------------------
// measure: validation and size
// ---------------------------------------------------------------------------

function measureScalar(g: Gen, spec: ScalarSpec, v: string, path: string): void {
  const c = g.c;
  switch (spec.type) {
    case 'f64':
      c.line(`if (typeof ${v} !== "number") ${g.fail('badType', path, lit('a number'), v)}`);
      return;
    case 'f32':
      c.line(`if (typeof ${v} !== "number") ${g.fail('badType', path, lit('a number'), v)}`);
      c.line(
        `if ((${v} > ${F32_MAX} || ${v} < -${F32_MAX}) && ${v} !== Infinity && ${v} !== -Infinity) ${g.fail('f32Range', path, v)}`,
      );
      return;
    case 'bool':
      c.line(
        `if (${v} !== true && ${v} !== false && ${v} !== 0 && ${v} !== 1) ${g.fail('badType', path, lit('true, false, 0 or 1'), v)}`,
      );
      return;
    case 'u64':
    case 'i64': {
      const r = INT_TYPES[spec.type];
      // Number bounds: 2⁶⁴ and ±2⁶³ are exact doubles, so `<` on them is exact.
      const lo = spec.type === 'u64' ? '0' : '-9223372036854775808';
      const hi = spec.type === 'u64' ? '18446744073709551616' : '9223372036854775808';
      const err = g.fail('intRange', path, lit(spec.type), `${r.min}n`, `${r.max}n`, v);
      c.open(`if (typeof ${v} === "number")`);
      c.line(`if (!(${v} >= ${lo} && ${v} < ${hi}) || ${v} % 1 !== 0) ${err}`);
      c.close();
      c.line(`else if (typeof ${v} !== "bigint" || ${v} < ${r.min}n || ${v} > ${r.max}n) ${err}`);
      return;
    }
    default: {
      const r = INT_TYPES[spec.type];
      c.line(
        `if (typeof ${v} !== "number" || !(${v} >= ${r.min} && ${v} <= ${r.max}) || ${v} % 1 !== 0) ${g.fail('intRange', path, lit(spec.type), `${r.min}n`, `${r.max}n`, v)}`,
      );
    }
  }
}

function checkLength(g: Gen, spec: LengthSpec, len: string, what: string, path: string): void {
  const { limit, why } = limitOf(spec);
  g.c.line(`if (${len} > ${limit}) ${g.fail('tooLong', path, lit(what), len, String(limit), lit(why))}`);
}

function measureValue(g: Gen, spec: ValueSpec, v: string, path: string): void {
  const c = g.c;
  switch (spec.kind) {
    case 'scalar':
      measureScalar(g, spec, v, path);
      return;
    case 'string': {
      c.line(`if (typeof ${v} !== "string") ${g.fail('badType', path, lit('a string'), v)}`);
      const len = c.fresh('L');
      if (spec.encoding === 'latin1') {
        c.line(`if (/[^\\u0000-\\u00ff]/.test(${v})) ${g.fail('notLatin1', path)}`);
        c.line(`const ${len} = ${v}.length;`);
      } else if (spec.encoding === 'utf16le') {
        c.line(`const ${len} = ${v}.length * 2;`);
      } else {
        c.line(`const ${len} = Buffer.byteLength(${v}, "utf8");`);
      }
      checkLength(g, spec, len, 'bytes', path);
      if (spec.prefix !== null) c.line(`n += ${len};`);
      return;
    }
    case 'bytes': {
      c.line(
        `if (!(${v} instanceof Uint8Array) && !H.isByteArray(${v})) ${g.fail('badType', path, lit('a Buffer, a Uint8Array or an array of integers 0-255'), v)}`,
      );
      checkLength(g, spec, `${v}.length`, 'bytes', path);
      if (spec.prefix !== null) c.line(`n += ${v}.length;`);
      return;
    }
    case 'array':
      measureArray(g, spec, v, path);
      return;
    case 'struct':
      measureStruct(g, spec, v, path);
      return;
  }
}

function measureArray(g: Gen, spec: ArraySpec, v: string, path: string): void {
  const c = g.c;
  c.line(`if (!Array.isArray(${v})) ${g.fail('badType', path, lit('an array'), v)}`);
  const count = c.fresh('c');
  c.line(`const ${count} = ${v}.length;`);
  checkLength(g, spec, count, 'elements', path);
  // A fixed-length array's elements are already counted in the static size (as padding).
  if (spec.prefix !== null) c.line(`n += ${count} * ${minSizeOf(spec.element)};`);
  const i = c.fresh('i');
  const e = c.fresh('e');
  c.open(`for (let ${i} = 0; ${i} < ${count}; ${i}++)`);
  c.line(`const ${e} = ${v}[${i}];`);
  measureValue(g, spec.element, e, `${path} + "[" + ${i} + "]"`);
  c.close();
}

/** Reads a field of `obj` into a new variable, applying its default. */
function readField(g: Gen, f: FieldSpec, obj: string, path: string): string {
  const v = g.c.fresh('v');
  g.c.line(`let ${v} = ${obj}[${lit(f.name)}];`);
  const fallback = f.hasDefault ? `${v} = ${g.constant(f.defaultValue)};` : g.fail('missing', path);
  g.c.line(`if (${v} === undefined) ${fallback}`);
  return v;
}

function fieldPath(parent: string, name: string): string {
  return parent === '""' ? lit(name) : `${parent} + ${lit(`.${name}`)}`;
}

function measureStruct(g: Gen, spec: StructSpec, obj: string, path: string): void {
  const expected = `an object with fields ${spec.fields.map((f) => f.name).join(', ')}`;
  g.c.line(`if (${obj} === null || typeof ${obj} !== "object") ${g.fail('badType', path, lit(expected), obj)}`);
  for (const f of spec.fields) {
    const p = fieldPath(path, f.name);
    measureValue(g, f.value, readField(g, f, obj, p), p);
  }
}

// ---------------------------------------------------------------------------
// write: bytes only, values already validated
// ---------------------------------------------------------------------------

function writePrefix(g: Gen, type: PrefixType, le: boolean, v: string, pos: string): void {
  g.c.line(writeStmt(type, le, v, pos));
}

function writeValue(g: Gen, spec: ValueSpec, v: string, cur: Cursor): Cursor {
  const c = g.c;
  switch (spec.kind) {
    case 'scalar':
      c.line(writeStmt(spec.type, spec.littleEndian, v, at(cur)));
      return { base: cur.base, k: cur.k + widthOf(spec.type) };
    case 'string': {
      const len = c.fresh('L');
      const enc = lit(spec.encoding);
      if (spec.length !== null) {
        c.line(`const ${len} = buf.write(${v}, ${at(cur)}, ${spec.length}, ${enc});`);
        c.line(`if (${len} < ${spec.length}) buf.fill(0, ${at(cur)} + ${len}, ${at(cur, spec.length)});`);
        return { base: cur.base, k: cur.k + spec.length };
      }
      const w = widthOf(spec.prefix!);
      c.line(`const ${len} = buf.write(${v}, ${at(cur, w)}, ${enc});`);
      writePrefix(g, spec.prefix!, spec.littleEndian, len, at(cur));
      c.line(`p = ${at(cur, w)} + ${len};`);
      return { base: 'p', k: 0 };
    }
    case 'bytes': {
      if (spec.length !== null) {
        c.line(`buf.set(${v}, ${at(cur)});`);
        c.line(`if (${v}.length < ${spec.length}) buf.fill(0, ${at(cur)} + ${v}.length, ${at(cur, spec.length)});`);
        return { base: cur.base, k: cur.k + spec.length };
      }
      const w = widthOf(spec.prefix!);
      writePrefix(g, spec.prefix!, spec.littleEndian, `${v}.length`, at(cur));
      c.line(`buf.set(${v}, ${at(cur, w)});`);
      c.line(`p = ${at(cur, w)} + ${v}.length;`);
      return { base: 'p', k: 0 };
    }
    case 'array':
      return writeArray(g, spec, v, cur);
    case 'struct': {
      let pos = cur;
      for (const f of spec.fields) {
        const fv = g.c.fresh('v');
        g.c.line(`let ${fv} = ${v}[${lit(f.name)}];`);
        if (f.hasDefault) g.c.line(`if (${fv} === undefined) ${fv} = ${g.constant(f.defaultValue)};`);
        pos = writeValue(g, f.value, fv, pos);
      }
      return pos;
    }
  }
}

function writeArray(g: Gen, spec: ArraySpec, v: string, cur: Cursor): Cursor {
  const c = g.c;
  const count = c.fresh('c');
  c.line(`const ${count} = ${v}.length;`);
  if (spec.prefix !== null) {
    writePrefix(g, spec.prefix, spec.littleEndian, count, at(cur));
    c.line(`p = ${at(cur, widthOf(spec.prefix))};`);
  } else if (at(cur) !== 'p') {
    c.line(`p = ${at(cur)};`);
  }
  const i = c.fresh('i');
  const e = c.fresh('e');
  c.open(`for (let ${i} = 0; ${i} < ${count}; ${i}++)`);
  c.line(`const ${e} = ${v}[${i}];`);
  const end = writeValue(g, spec.element, e, { base: 'p', k: 0 });
  if (end.k > 0) c.line(`p += ${end.k};`);
  c.close();
  if (spec.length !== null) {
    // Missing elements of a fixed-length array are zero bytes: the smallest
    // element encoding (zero numbers, empty prefixed strings).
    const zero = c.fresh('z');
    c.open(`if (${count} < ${spec.length})`);
    c.line(`const ${zero} = (${spec.length} - ${count}) * ${minSizeOf(spec.element)};`);
    c.line(`buf.fill(0, p, p + ${zero});`);
    c.line(`p += ${zero};`);
    c.close();
  }
  return { base: 'p', k: 0 };
}

function writeHeader(g: Gen, header: HeaderSpec, id: number): void {
  const l = header.layout;
  const le = l.littleEndian;
  const type = (w: 1 | 2 | 4) => (w === 1 ? 'u8' : w === 2 ? 'u16' : 'u32');
  const sizeValue = l.sizeIncludesHeader ? 'n' : `n - ${l.headerSize}`;
  g.c.line(writeStmt(type(l.sizeWidth), le, sizeValue, at({ base: 'o', k: l.sizeOffset })));
  g.c.line(writeStmt(type(l.idWidth), le, String(id), at({ base: 'o', k: l.idOffset })));
  for (const k of header.constants) g.c.line(writeStmt(type(k.width), le, String(k.value), at({ base: 'o', k: k.offset })));
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/** Compiles the encoder of a packet whose payload is `body`. */
export function compileEncoder(
  pkt: string,
  id: number,
  header: HeaderSpec,
  body: StructSpec,
  maxPacketSize: number,
): EncoderFns {
  const constants: unknown[] = [];

  const m = new Gen(pkt, constants);
  m.c.line(`let n = ${header.layout.headerSize + minSizeOf(body)};`);
  measureStruct(m, body, 'values', '""');
  m.c.line(`if (n > ${maxPacketSize}) ${m.fail('packetTooLarge', 'n', String(maxPacketSize))}`);
  m.c.line('return n;');

  const w = new Gen(pkt, constants);
  w.c.line('let p = 0;');
  writeHeader(w, header, id);
  writeValue(w, body, 'values', { base: 'o', k: header.layout.headerSize });

  return {
    measure: compileFunction(`measure${pkt}`, ['values'], m.c.toString(), constants),
    write: compileFunction(`write${pkt}`, ['buf', 'o', 'values', 'n'], w.c.toString(), constants),
  };
}

/**
 * Compiles a validator for one value of `spec`, used to check `default:`
 * values with exactly the rules encode applies. Throws the ENCODE error.
 */
export function compileValueCheck(pkt: string, field: string, spec: ValueSpec): (value: unknown) => void {
  const g = new Gen(pkt, []);
  g.c.line('let n = 0;');
  measureValue(g, spec, 'value', lit(field));
  g.c.line('return n;');
  return compileFunction('check', ['value'], g.c.toString(), g.constants);
}

/** Compiles a writer of just the header (for protobuf packets, whose payload protobufjs encodes). */
export function compileHeaderWriter(pkt: string, id: number, header: HeaderSpec): (buf: Buffer, o: number, n: number) => void {
  const g = new Gen(pkt, []);
  writeHeader(g, header, id);
  return compileFunction(`writeHeader${pkt}`, ['buf', 'o', 'n'], g.c.toString(), []);
}
