/**
 * Packets whose payload is a protobuf message (`protobuf: pkg.Message`).
 *
 * protobufjs does the wire work; this module makes its values follow the
 * catalogue's conventions:
 * - field names are exactly those of the .proto (files load with keepCase);
 * - 64-bit integers encode from number, bigint or a decimal string and decode
 *   to a number when exact, else a bigint (as catalogue u64/i64 fields do);
 * - integers out of their type's range are rejected instead of wrapped
 *   (protobufjs's own `verify` only checks that they are integers);
 * - decoded bytes never alias the caller's frame buffer.
 * Absent fields decode to their proto3 defaults; enums decode to numbers.
 */
import protobuf from 'protobufjs';
import { decodeError, encodeError } from './errors.ts';
import { describe } from './runtime.ts';

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-0x8000_0000n, 0x7fff_ffffn],
  sint32: [-0x8000_0000n, 0x7fff_ffffn],
  sfixed32: [-0x8000_0000n, 0x7fff_ffffn],
  uint32: [0n, 0xffff_ffffn],
  fixed32: [0n, 0xffff_ffffn],
  int64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
  sint64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
  sfixed64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
  uint64: [0n, 0xffff_ffff_ffff_ffffn],
  fixed64: [0n, 0xffff_ffff_ffff_ffffn],
};
const LONG_TYPES = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const DECIMAL = /^-?\d+$/;
const TO_OBJECT: protobuf.IConversionOptions = { longs: BigInt, defaults: true, arrays: true, objects: true };

/** What needs converting in one field of a message. */
interface FieldPlan {
  readonly name: string;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly kind: 'int' | 'long' | 'message';
  readonly range: readonly [bigint, bigint];
  readonly unsigned: boolean;
  readonly message: MessagePlan | null;
}

interface MessagePlan {
  readonly fields: FieldPlan[];
  /** True when some nested field is `bytes` (decode must not alias the frame). */
  hasBytes: boolean;
}

function planOf(type: protobuf.Type, memo: Map<protobuf.Type, MessagePlan>): MessagePlan {
  const known = memo.get(type);
  if (known !== undefined) return known;
  const plan: MessagePlan = { fields: [], hasBytes: false };
  memo.set(type, plan); // before recursing: message types may refer to themselves
  for (const field of type.fieldsArray) {
    field.resolve();
    const repeated = field.repeated;
    const map = field instanceof protobuf.MapField;
    if (field.type === 'bytes') plan.hasBytes = true;
    const range = INT_RANGES[field.type];
    if (range !== undefined) {
      const kind = LONG_TYPES.has(field.type) ? 'long' : 'int';
      plan.fields.push({ name: field.name, repeated, map, kind, range, unsigned: range[0] === 0n, message: null });
    } else if (field.resolvedType instanceof protobuf.Type) {
      const sub = planOf(field.resolvedType, memo);
      plan.hasBytes ||= sub.hasBytes;
      plan.fields.push({ name: field.name, repeated, map, kind: 'message', range: [0n, 0n], unsigned: false, message: sub });
    }
  }
  return plan;
}

/** Encodes and decodes one protobuf message type with catalogue conventions. */
export class ProtobufPayload {
  readonly typeName: string;
  private readonly type: protobuf.Type;
  private readonly plan: MessagePlan;

  constructor(type: protobuf.Type) {
    this.type = type;
    this.typeName = type.fullName.replace(/^\./, '');
    this.plan = planOf(type, new Map());
  }

  /** The message's top-level field names. */
  get fieldNames(): string[] {
    return this.type.fieldsArray.map((f) => f.name);
  }

  /** Encodes `values` into message bytes; throws ENCODE naming `pkt` and the field. */
  encode(pkt: string, values: Record<string, unknown>): Uint8Array {
    if (values === null || typeof values !== 'object') {
      throw encodeError(pkt, '', `the values must be an object of ${this.typeName} fields, got ${describe(values)}`);
    }
    const prepared = this.prepare(pkt, this.plan, values, '');
    const problem = this.type.verify(prepared);
    if (problem !== null) {
      const field = problem.split(':')[0] ?? '';
      throw encodeError(pkt, field, `${problem} (protobuf ${this.typeName})`);
    }
    try {
      return this.type.encode(this.type.fromObject(prepared)).finish();
    } catch (err) {
      throw encodeError(pkt, '', `protobuf ${this.typeName}: ${(err as Error).message}`);
    }
  }

  /** Decodes message bytes; `at` is the payload's offset in the packet, for errors. */
  decode(pkt: string, bytes: Buffer, at: number): Record<string, unknown> {
    // protobufjs returns views for bytes fields; copy once so they outlive the frame.
    const source = this.plan.hasBytes ? Buffer.from(bytes) : bytes;
    let message: protobuf.Message;
    try {
      message = this.type.decode(source);
    } catch (err) {
      throw decodeError(pkt, '', at, `payload is not a valid protobuf ${this.typeName}: ${(err as Error).message}`);
    }
    const obj = this.type.toObject(message, TO_OBJECT);
    narrowLongs(this.plan, obj);
    return obj;
  }

  /** Copies `obj`, turning 64-bit values into Longs and checking every integer's range. */
  private prepare(pkt: string, plan: MessagePlan, obj: Record<string, unknown>, path: string): Record<string, unknown> {
    if (plan.fields.length === 0) return obj;
    const out: Record<string, unknown> = { ...obj };
    for (const f of plan.fields) {
      const v = obj[f.name];
      if (v === undefined || v === null) continue;
      const fp = path === '' ? f.name : `${path}.${f.name}`;
      const one = (x: unknown, p: string): unknown => this.prepareValue(pkt, f, x, p);
      if (f.map && typeof v === 'object') {
        const m: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) m[k] = one(x, `${fp}.${k}`);
        out[f.name] = m;
      } else if (f.repeated && Array.isArray(v)) {
        out[f.name] = v.map((x, i) => one(x, `${fp}[${i}]`));
      } else {
        out[f.name] = one(v, fp);
      }
    }
    return out;
  }

  private prepareValue(pkt: string, f: FieldPlan, v: unknown, path: string): unknown {
    if (f.kind === 'message') {
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? this.prepare(pkt, f.message!, v as Record<string, unknown>, path) : v;
    }
    let big: bigint | null = null;
    if (typeof v === 'bigint') big = v;
    else if (typeof v === 'number' && Number.isInteger(v)) big = BigInt(v);
    else if (typeof v === 'string' && f.kind === 'long' && DECIMAL.test(v)) big = BigInt(v);
    else return v; // wrong types are left for protobufjs's verify to name
    const [min, max] = f.range;
    if (big < min || big > max) {
      throw encodeError(pkt, path, `field "${path}" must be an integer from ${min} to ${max}, got ${describe(v)}`);
    }
    return f.kind === 'long' ? toLongBits(big, f.unsigned) : v;
  }
}

/** Turns decoded 64-bit bigints into numbers where exact, in place. */
function narrowLongs(plan: MessagePlan, obj: Record<string, unknown>): void {
  for (const f of plan.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null || f.kind === 'int') continue;
    const one = (x: unknown): unknown => {
      if (f.kind === 'long') return typeof x === 'bigint' ? narrow(x) : x;
      if (x !== null && typeof x === 'object') narrowLongs(f.message!, x as Record<string, unknown>);
      return x;
    };
    if (f.map) {
      const m = v as Record<string, unknown>;
      for (const k of Object.keys(m)) m[k] = one(m[k]);
    } else if (f.repeated) {
      const a = v as unknown[];
      for (let i = 0; i < a.length; i++) a[i] = one(a[i]);
    } else {
      obj[f.name] = one(v);
    }
  }
}

/** The `{ low, high, unsigned }` shape protobufjs accepts for any 64-bit field (two signed 32-bit halves). */
function toLongBits(v: bigint, unsigned: boolean): { low: number; high: number; unsigned: boolean } {
  return { low: Number(BigInt.asIntN(32, v)), high: Number(BigInt.asIntN(32, v >> 32n)), unsigned };
}

function narrow(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/**
 * Loads .proto files (with their imports) into one root; field names keep
 * their .proto spelling. Returns the root and, per file, the error message
 * (a missing file, a syntax error, or a type that does not resolve — loadSync
 * resolves every reference) or null.
 */
export function loadProtoFiles(paths: readonly string[]): { root: protobuf.Root; errors: (string | null)[] } {
  const root = new protobuf.Root();
  const errors = paths.map((p) => {
    try {
      root.loadSync(p, { keepCase: true });
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  });
  return { root, errors };
}

/** Looks up a message type; null when the name is not a message in `root`. */
export function lookupMessage(root: protobuf.Root, name: string): protobuf.Type | null {
  try {
    return root.lookupType(name);
  } catch {
    return null;
  }
}

/** Every message name in `root`, for "did you mean" hints. */
export function messageNames(root: protobuf.Root): string[] {
  const out: string[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Type) out.push(child.fullName.replace(/^\./, ''));
      if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) walk(child);
    }
  };
  walk(root);
  return out;
}
