/**
 * Reading a YAML catalogue node by node while collecting every problem with
 * its path and line (k6-style `Validate() []error`: report all at once).
 *
 * Validation works on the YAML nodes rather than on `toJS()` output so each
 * issue can point at the line of the key or value at fault. Integers are
 * parsed as bigint (`intAsBigInt`) so 64-bit defaults stay exact.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import type { CatalogueIssue } from './errors.ts';

/** One `key: value` of a mapping. */
export interface Entry {
  readonly key: string;
  readonly keyNode: Scalar;
  /** The value, aliases resolved (`key:` with nothing after it is a null scalar). */
  readonly value: Node | null;
  readonly path: string;
}

/** Path of a child key. */
export const child = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);
/** Path of a list element. */
export const item = (parent: string, index: number): string => `${parent}[${index}]`;

/** Name rules for packets and fields: identifiers that every JS object does not already carry. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The catalogue being validated: the parsed document and the issues found so far. */
export class SourceContext {
  readonly issues: CatalogueIssue[] = [];
  readonly doc: Document;
  private readonly lines: LineCounter;
  /** The key each mapping is the value of, so "missing key" issues point at `name:` rather than the first child. */
  private readonly owners = new WeakMap<object, Scalar>();

  constructor(text: string) {
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, intAsBigInt: true, prettyErrors: false });
  }

  /** 1-based line of a node, when it came from the source. */
  lineOf(node: { range?: readonly [number, number, number] | null } | null | undefined): number | undefined {
    const start = node?.range?.[0];
    if (start === undefined) return undefined;
    return Math.max(1, this.lines.linePos(start).line);
  }

  /** 1-based line of a character offset. */
  lineAt(offset: number): number {
    return Math.max(1, this.lines.linePos(offset).line);
  }

  add(path: string, at: { range?: readonly [number, number, number] | null } | null | undefined, message: string): void {
    const line = this.lineOf(at);
    this.issues.push(line === undefined ? { path, message } : { path, line, message });
  }

  /** Follows an alias (`*name`) to its anchored node. */
  resolve(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node as Node;
  }

  /** The mapping at `node`, or null after reporting that it is not one. */
  map(node: Node | null, path: string, what: string, at?: Entry): YAMLMap | null {
    if (isMap(node)) return node;
    this.add(path, node ?? at?.keyNode, `${what} must be a mapping (key: value lines or { ... })`);
    return null;
  }

  /** The list at `node`, or null after reporting that it is not one. */
  seq(node: Node | null, path: string, what: string, at?: Entry): YAMLSeq | null {
    if (isSeq(node)) return node;
    this.add(path, node ?? at?.keyNode, `${what} must be a list (- item lines or [ ... ])`);
    return null;
  }

  /**
   * The entries of a mapping by key. Keys not in `allowed` are reported (with
   * a suggestion when one is close); non-string keys too.
   */
  entries(map: YAMLMap, path: string, allowed: readonly string[]): Map<string, Entry> {
    const out = new Map<string, Entry>();
    for (const pair of map.items) {
      const keyNode = pair.key;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        this.add(path, keyNode as Node, `keys must be plain names, got ${String(isScalar(keyNode) ? keyNode.value : keyNode)}`);
        continue;
      }
      const key = keyNode.value;
      const entry: Entry = { key, keyNode, value: this.resolve(pair.value), path: child(path, key) };
      if (entry.value !== null) this.owners.set(entry.value, keyNode);
      if (!allowed.includes(key)) {
        this.add(entry.path, keyNode, `unknown key "${key}"${suggest(key, allowed)}; allowed here: ${allowed.join(', ')}`);
        continue;
      }
      out.set(key, entry);
    }
    return out;
  }

  /** Reports a missing required key at the mapping's line. */
  missing(map: YAMLMap, path: string, key: string, hint: string): void {
    this.add(child(path, key), this.owners.get(map) ?? map, `"${key}" is required: ${hint}`);
  }

  /** Records that `value` is the value of `key` (for entries read without {@link entries}). */
  own(value: Node | null, key: Scalar): void {
    if (value !== null) this.owners.set(value, key);
  }

  /** A string value, or null after reporting. */
  string(e: Entry): string | null {
    if (isScalar(e.value) && typeof e.value.value === 'string' && e.value.value !== '') return e.value.value;
    this.add(e.path, e.value ?? e.keyNode, `"${e.key}" must be a non-empty string`);
    return null;
  }

  /** An integer in [min, max], or null after reporting. */
  int(e: Entry, min: number, max: number, what = `an integer from ${min} to ${max}`): number | null {
    const v = isScalar(e.value) ? e.value.value : undefined;
    const n = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null;
    if (n !== null && n >= BigInt(min) && n <= BigInt(max)) return Number(n);
    this.add(e.path, e.value ?? e.keyNode, `"${e.key}" must be ${what}, got ${shown(v ?? e.value)}`);
    return null;
  }

  /** A boolean, or null after reporting. */
  bool(e: Entry): boolean | null {
    if (isScalar(e.value) && typeof e.value.value === 'boolean') return e.value.value;
    this.add(e.path, e.value ?? e.keyNode, `"${e.key}" must be true or false`);
    return null;
  }

  /** One of a fixed set of words, or null after reporting. */
  oneOf<T extends string>(e: Entry, options: readonly T[], what = `one of ${options.join(', ')}`): T | null {
    const v = isScalar(e.value) ? e.value.value : undefined;
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
    const hint = typeof v === 'string' ? suggest(v, options) : '';
    this.add(e.path, e.value ?? e.keyNode, `"${e.key}" must be ${what}, got ${shown(v ?? e.value)}${hint}`);
    return null;
  }

  /** Checks a packet or field name; reports and returns false when it cannot be used. */
  name(name: string, path: string, at: Node | Scalar | null, what: string): boolean {
    if (!IDENTIFIER.test(name)) {
      this.add(path, at, `${what} "${name}" must be an identifier (letters, digits, _; not starting with a digit)`);
      return false;
    }
    if (name in Object.prototype) {
      this.add(path, at, `${what} "${name}" is reserved: every JavaScript object already has a property of that name`);
      return false;
    }
    return true;
  }
}

/** Short rendering of a YAML value for messages. */
export function shown(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isMap(v)) return 'a mapping';
  if (isSeq(v)) return 'a list';
  if (isScalar(v)) return shown(v.value);
  return typeof v;
}

/** ` (did you mean "x"?)` when a candidate is within two edits, else ''. */
export function suggest(word: string, candidates: readonly string[]): string {
  let best: string | null = null;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best === null ? '' : ` (did you mean "${best}"?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
