/**
 * Generates a packet's decoder: one straight-line function that reads every
 * field at constant offsets where it can and returns a plain object.
 *
 * Bounds are checked as rarely as correctness allows. The decoder tracks, at
 * generation time, how many bytes from the current position are already
 * known to be inside the packet (`checked`): the initial size check covers
 * every fixed-offset field, and after each variable-length field one compare
 * covers the fixed fields that follow it.
 *
 *   [hdr][u32][u16 len][ str … ][u8][u64][u16 len][ str … ]
 *        └ size ≥ min ┘          └ end − p ≥ 11 ┘
 *
 * An array's element count is checked against the bytes left before any
 * element is read, so a hostile count cannot make the decoder allocate.
 * Strings and bytes are copied out: the frame view is only valid during the
 * decoder's onFrame call.
 */
import { CodeBuilder, at, compileFunction, lit, readExpr, widthOf } from './code-builder.ts';
import type { ArraySpec, HeaderSpec, LengthSpec, ScalarType, StructSpec, ValueSpec } from './spec.ts';
import { fixedSizeOf, minSizeOf } from './spec.ts';

/** A compiled decoder. */
export type DecodeFn = (buf: Buffer, offset: number, size: number) => Record<string, unknown>;
/** A compiled reader of one fixed-offset number. */
export type FieldReaderFn = (buf: Buffer, offset: number) => number | bigint;

/** A position plus the number of bytes from it known to be inside the packet. */
interface DCursor {
  readonly base: string;
  readonly k: number;
  readonly checked: number;
}

class Gen {
  readonly c = new CodeBuilder();
  constructor(readonly pkt: string) {}

  fail(name: string, ...args: string[]): string {
    return `throw H.${name}(${lit(this.pkt)}, ${args.join(', ')});`;
  }

  /** Emits a check that `need` bytes are left at `cur`; returns the cursor with them covered. */
  ensure(cur: DCursor, need: number, path: string): DCursor {
    if (cur.k + need <= cur.checked) return cur;
    const pos = at(cur);
    this.c.line(`if (end - (${pos}) < ${need}) ${this.fail('truncated', path, String(need), `${pos} - o`, 'size')}`);
    return { base: cur.base, k: cur.k, checked: cur.k + need };
  }
}

interface Decoded {
  readonly v: string;
  readonly cur: DCursor;
}

function assertCovered(cur: DCursor, need: number): void {
  if (cur.k + need > cur.checked) {
    // A generator bug, not a user error: reading here could run past the packet.
    throw new Error(`catalogue decoder generation: unchecked read of ${need} bytes at ${cur.base}+${cur.k}`);
  }
}

/** Reads a length prefix and validates it against maxLength; returns [lengthVar, startVar]. */
function readLength(g: Gen, spec: LengthSpec, cur: DCursor, path: string): [string, string] {
  const w = widthOf(spec.prefix!);
  assertCovered(cur, w);
  const len = g.c.fresh('L');
  const start = g.c.fresh('s');
  g.c.line(`const ${len} = ${readExpr(spec.prefix!, spec.littleEndian, at(cur))};`);
  if (spec.maxLength !== null) {
    g.c.line(`if (${len} > ${spec.maxLength}) ${g.fail('decodeTooLong', path, len, String(spec.maxLength), `${at(cur)} - o`)}`);
  }
  g.c.line(`const ${start} = ${at(cur, w)};`);
  return [len, start];
}

function decodeValue(g: Gen, spec: ValueSpec, cur: DCursor, path: string): Decoded {
  const c = g.c;
  switch (spec.kind) {
    case 'scalar': {
      const w = widthOf(spec.type);
      assertCovered(cur, w);
      const v = c.fresh('f');
      c.line(`const ${v} = ${readExpr(spec.type, spec.littleEndian, at(cur))};`);
      return { v, cur: { ...cur, k: cur.k + w } };
    }
    case 'string':
    case 'bytes': {
      const v = c.fresh('f');
      if (spec.length !== null) {
        assertCovered(cur, spec.length);
        c.line(
          spec.kind === 'string'
            ? `const ${v} = H.rdFixedString(buf, ${at(cur)}, ${spec.length}, ${lit(spec.encoding)});`
            : `const ${v} = Buffer.from(buf.subarray(${at(cur)}, ${at(cur, spec.length)}));`,
        );
        return { v, cur: { ...cur, k: cur.k + spec.length } };
      }
      const [len, start] = readLength(g, spec, cur, path);
      c.line(`if (end - ${start} < ${len}) ${g.fail('truncated', path, len, `${start} - o`, 'size')}`);
      c.line(
        spec.kind === 'string'
          ? `const ${v} = buf.toString(${lit(spec.encoding)}, ${start}, ${start} + ${len});`
          : `const ${v} = Buffer.from(buf.subarray(${start}, ${start} + ${len}));`,
      );
      c.line(`p = ${start} + ${len};`);
      return { v, cur: { base: 'p', k: 0, checked: 0 } };
    }
    case 'array':
      return decodeArray(g, spec, cur, path);
    case 'struct':
      return decodeStruct(g, spec, cur, path);
  }
}

function decodeArray(g: Gen, spec: ArraySpec, cur: DCursor, path: string): Decoded {
  const c = g.c;
  const elemMin = minSizeOf(spec.element);
  const elemFixed = fixedSizeOf(spec.element) !== null;
  let count: string;
  let rest: number;
  if (spec.prefix !== null) {
    const [len, start] = readLength(g, spec, cur, path);
    count = len;
    c.line(`p = ${start};`);
    c.line(`if (end - p < ${count} * ${elemMin}) ${g.fail('truncated', path, `${count} * ${elemMin}`, 'p - o', 'size')}`);
    rest = 0;
  } else {
    assertCovered(cur, spec.length! * elemMin);
    count = String(spec.length);
    if (at(cur) !== 'p') c.line(`p = ${at(cur)};`);
    rest = cur.checked - cur.k;
  }
  const arr = c.fresh('a');
  const i = c.fresh('i');
  c.line(`const ${arr} = [];`);
  c.open(`for (let ${i} = 0; ${i} < ${count}; ${i}++)`);
  const elemPath = `${path} + "[" + ${i} + "]"`;
  // Fixed-size elements are covered by the check before the loop; variable ones check each start.
  const start: DCursor = elemFixed ? { base: 'p', k: 0, checked: elemMin } : g.ensure({ base: 'p', k: 0, checked: 0 }, elemMin, elemPath);
  const el = decodeValue(g, spec.element, start, elemPath);
  c.line(`${arr}.push(${el.v});`);
  if (el.cur.k > 0) c.line(`p += ${el.cur.k};`);
  c.close();
  // After a fixed array of fixed elements, what the parent had checked beyond it still holds.
  const checked = spec.length !== null && elemFixed ? rest - spec.length * elemMin : 0;
  return { v: arr, cur: { base: 'p', k: 0, checked } };
}

function decodeStruct(g: Gen, spec: StructSpec, cur: DCursor, path: string): Decoded {
  const vars: string[] = [];
  const mins = spec.fields.map((f) => minSizeOf(f.value));
  let pos = cur;
  spec.fields.forEach((f, idx) => {
    const fp = path === '""' ? lit(f.name) : `${path} + ${lit(`.${f.name}`)}`;
    const restMin = mins.slice(idx).reduce((a, b) => a + b, 0);
    pos = g.ensure(pos, restMin, fp);
    const d = decodeValue(g, f.value, pos, fp);
    vars.push(d.v);
    pos = d.cur;
  });
  const obj = g.c.fresh('r');
  const props = spec.fields.map((f, idx) => `${lit(f.name)}: ${vars[idx]}`).join(', ');
  g.c.line(`const ${obj} = { ${props} };`);
  return { v: obj, cur: pos };
}

/** Compiles the decoder of a packet whose payload is `body`. */
export function compileDecoder(pkt: string, id: number, header: HeaderSpec, body: StructSpec): DecodeFn {
  const g = new Gen(pkt);
  const c = g.c;
  const l = header.layout;
  const hs = l.headerSize;
  const idType: ScalarType = l.idWidth === 1 ? 'u8' : l.idWidth === 2 ? 'u16' : 'u32';
  const fixed = fixedSizeOf(body);
  const min = hs + minSizeOf(body);

  c.line(`if (!(o >= 0 && size >= ${hs} && o + size <= buf.length)) ${g.fail('badFrame', 'buf', 'o', 'size', String(hs))}`);
  c.line(`const id = ${readExpr(idType, l.littleEndian, `o + ${l.idOffset}`)};`);
  c.line(`if (id !== ${id}) ${g.fail('wrongId', String(id), 'id')}`);
  if (fixed !== null) c.line(`if (size !== ${hs + fixed}) ${g.fail('wrongSize', String(hs + fixed), 'size')}`);
  else c.line(`if (size < ${min}) ${g.fail('tooShort', String(min), 'size')}`);
  c.line('const end = o + size;');
  c.line('let p = 0;');
  const d = decodeStruct(g, body, { base: 'o', k: hs, checked: min }, '""');
  if (fixed === null) c.line(`if (${at(d.cur)} !== end) ${g.fail('trailing', `${at(d.cur)} - o`, 'size')}`);
  c.line(`return ${d.v};`);
  return compileFunction(`decode${pkt}`, ['buf', 'o', 'size'], c.toString(), []);
}

/** Compiles a reader for a number at a fixed offset from the start of the packet. */
export function compileFieldReader(type: ScalarType, littleEndian: boolean, offset: number): FieldReaderFn {
  return compileFunction('readField', ['buf', 'o'], `return ${readExpr(type, littleEndian, `o + ${offset}`)};`, []);
}
