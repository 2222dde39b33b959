/**
 * A tiny source builder for the generated codecs, plus the per-type read and
 * write snippets they share.
 *
 * Why generate code: a packet's layout is known once the catalogue loads, so
 * each packet gets straight-line functions with constant offsets
 * (`buf.writeUInt32LE(v, o + 20)`) instead of an interpreter walking a field
 * list per call. protobufjs and fast-json-stringify make the same choice.
 * Only names that passed validation (identifiers, not Object.prototype
 * members) reach the source, and they go in as JSON string literals.
 */
import { RUNTIME, type Runtime } from './runtime.ts';
import { SCALAR_WIDTHS, type PrefixType, type ScalarType } from './spec.ts';

/** A JavaScript literal for a string. */
export const lit = (s: string): string => JSON.stringify(s);

export class CodeBuilder {
  private readonly lines: string[] = [];
  private depth = 1;
  private counter = 0;

  /** A variable name unique within this function. */
  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  line(s: string): void {
    this.lines.push('  '.repeat(this.depth) + s);
  }

  open(head: string): void {
    this.line(`${head} {`);
    this.depth++;
  }

  close(): void {
    this.depth--;
    this.line('}');
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

/**
 * Builds a function from generated source. `H` is the runtime helper object,
 * `D` the packet's constants (default values).
 */
export function compileFunction<T>(name: string, params: readonly string[], body: string, constants: readonly unknown[]): T {
  const source = `"use strict";\nreturn function ${name}(${params.join(', ')}) {\n${body}\n};`;
  const factory = new Function('H', 'D', source) as (h: Runtime, d: readonly unknown[]) => T;
  return factory(RUNTIME, constants);
}

/**
 * A write/read position known partly at compile time: `base` is a variable
 * (`o` the packet start, or `p` after a variable-length field) and `k` a
 * constant added to it, so fixed-size runs need no position arithmetic at run
 * time.
 */
export interface Cursor {
  readonly base: string;
  readonly k: number;
}

/** Position expression `base + k + extra`. */
export function at(c: Cursor, extra = 0): string {
  const k = c.k + extra;
  return k === 0 ? c.base : `${c.base} + ${k}`;
}

const SUFFIX: Record<ScalarType, string> = {
  u8: 'UInt8',
  u16: 'UInt16',
  u32: 'UInt32',
  u64: '',
  i8: 'Int8',
  i16: 'Int16',
  i32: 'Int32',
  i64: '',
  f32: 'Float',
  f64: 'Double',
  bool: '',
};

/** Expression reading a scalar at `pos` (from `buf`). */
export function readExpr(type: ScalarType, le: boolean, pos: string): string {
  switch (type) {
    case 'u8':
      return `buf[${pos}]`;
    case 'i8':
      return `buf.readInt8(${pos})`;
    case 'bool':
      return `buf[${pos}] !== 0`;
    case 'u64':
      return `H.rdU64(buf, ${pos}, ${le})`;
    case 'i64':
      return `H.rdI64(buf, ${pos}, ${le})`;
    default:
      return `buf.read${SUFFIX[type]}${le ? 'LE' : 'BE'}(${pos})`;
  }
}

/** Statement writing a validated scalar `v` at `pos` (into `buf`). */
export function writeStmt(type: ScalarType, le: boolean, v: string, pos: string): string {
  switch (type) {
    case 'u8':
      return `buf[${pos}] = ${v};`;
    case 'i8':
      return `buf.writeInt8(${v}, ${pos});`;
    case 'bool':
      return `buf[${pos}] = ${v} ? 1 : 0;`;
    case 'u64':
      return `H.wrU64(buf, ${v}, ${pos}, ${le});`;
    case 'i64':
      return `H.wrI64(buf, ${v}, ${pos}, ${le});`;
    default:
      return `buf.write${SUFFIX[type]}${le ? 'LE' : 'BE'}(${v}, ${pos});`;
  }
}

/** Width of a prefix or scalar type. */
export function widthOf(type: ScalarType | PrefixType): number {
  return SCALAR_WIDTHS[type];
}
