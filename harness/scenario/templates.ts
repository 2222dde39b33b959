/**
 * Templates in scenario values: `"{{ vu.id }}"`, `"player-{{ feeder.players.name }}"`,
 * `"{{ random(0, 100) }}"`. Each template is parsed ONCE, at load time, and
 * compiled into a small closure tree, so the hot path (one call per packet
 * sent) does no parsing, no lookups by string and no regex work.
 *
 *   "id-{{ vu.id }}-{{ counter(seq) }}"
 *        │            │
 *        ▼            ▼
 *   parts: ["id-", path(vu.id), "-", call(counter,"seq")]  ──compile──▶  (ctx) => "id-" + … + "-" + …
 *
 * A string that is exactly one `{{ … }}` yields the expression's own value
 * (a number stays a number); text around or between templates yields a string.
 *
 * Expression language (deliberately tiny, see docs/scenarios.md "Templates"):
 *   vu.id  vu.iteration  vars.NAME[.KEY…]  feeder.NAME.COLUMN  sent.FIELD[.KEY…]
 *   counter(name)  random(min, max)  randomFloat(min, max)  uuid()  now()
 *   number and string literals ('…' or "…") as arguments or to write a literal `{{`.
 */
import { randomUUID } from 'node:crypto';
import { TemplateError } from './errors.ts';
import type { ValueExpr } from './types.ts';

/**
 * What a compiled template reads at run time. The VU implementation owns one
 * object per VU and updates `iteration`, `sent` etc. in place, so calling a
 * compiled value allocates nothing beyond its result.
 */
export interface TemplateContext {
  /** Global id of the virtual user (as assigned by the runner). */
  vuId: number;
  /** Iterations this VU has started before the current one (0 in the first). */
  iteration: number;
  /** Scenario `variables`, then values from `set` steps and `capture`s (later writes win). */
  vars: Readonly<Record<string, unknown>>;
  /** The row of feeder `name` this VU uses for the current iteration; undefined when none. */
  feederRow(name: string): Readonly<Record<string, string>> | undefined;
  /** Field values of the request just sent (for `expect.match`); null elsewhere. */
  sent: Readonly<Record<string, unknown>> | null;
  /** Per-VU counters for `counter(name)`: the value returned next; absent = 0. Mutated by templates. */
  counters: Map<string, number>;
  /** Current time in microseconds (any monotonic or wall clock the VU uses for timestamps). */
  nowMicros(): number;
  /** Source of randomness in [0, 1) for random()/randomFloat(); Math.random when absent (tests inject one). */
  random?: () => number;
}

/** A compiled value: call it once per use with the VU's context. */
export type CompiledValue = (ctx: TemplateContext) => unknown;

/** Roots a template path may start with, as shown in messages. */
export const TEMPLATE_ROOTS = ['vu.id', 'vu.iteration', 'vars.NAME', 'feeder.NAME.COLUMN', 'sent.FIELD'] as const;
/** Functions a template may call, as shown in messages. */
export const TEMPLATE_FUNCTIONS = ['counter(name)', 'random(min, max)', 'randomFloat(min, max)', 'uuid()', 'now()'] as const;

/** A parsed `{{ … }}` expression. `column` is 1-based within the whole template string. */
export type TemplateNode =
  | { type: 'number'; value: number; column: number }
  | { type: 'string'; value: string; column: number }
  | { type: 'path'; root: 'vu' | 'vars' | 'feeder' | 'sent'; segments: string[]; column: number }
  | { type: 'call'; name: 'counter' | 'random' | 'randomFloat' | 'uuid' | 'now'; args: TemplateNode[]; column: number };

/** A path a template reads, for load-time checks (unknown feeder, undefined variable, `sent` outside expect). */
export interface TemplateRef {
  root: 'vu' | 'vars' | 'feeder' | 'sent';
  segments: readonly string[];
  column: number;
}

/** A template string split into literal text and expressions. */
export interface ParsedTemplate {
  parts: (string | TemplateNode)[];
  /** True when the string is exactly one `{{ … }}`: the value keeps its type. */
  whole: boolean;
  refs: TemplateRef[];
}

const OPEN = '{{';
const CLOSE = '}}';

/** True when `text` contains a template (`{{`); such strings are parsed, others are literal. */
export function isTemplateString(text: string): boolean {
  return text.includes(OPEN);
}

/** True when `expr` or anything nested in it contains a template. */
export function hasTemplate(expr: ValueExpr): boolean {
  if (typeof expr === 'string') return isTemplateString(expr);
  if (Array.isArray(expr)) return expr.some(hasTemplate);
  if (expr !== null && typeof expr === 'object') return Object.values(expr).some(hasTemplate);
  return false;
}

/**
 * Parses a template string. Throws {@link TemplateError} (with a 1-based
 * column) at the first syntax error, unknown function or unknown path root.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: (string | TemplateNode)[] = [];
  const refs: TemplateRef[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf(OPEN, pos);
    if (open === -1) {
      parts.push(text.slice(pos));
      break;
    }
    if (open > pos) parts.push(text.slice(pos, open));
    const parser = new ExprParser(text, open + OPEN.length, refs);
    const node = parser.parseTop(open);
    parts.push(node);
    pos = parser.pos + CLOSE.length;
  }
  const whole = parts.length === 1 && typeof parts[0] !== 'string';
  return { parts, whole, refs };
}

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /-?(?:\d+(?:\.\d+)?|\.\d+)/y;
const FUNCTION_ARITY: Readonly<Record<string, number>> = { counter: 1, random: 2, randomFloat: 2, uuid: 0, now: 0 };

/** Recursive-descent parser over one `{{ … }}`; `pos` ends on the closing `}}`. */
class ExprParser {
  pos: number;

  constructor(
    private readonly text: string,
    start: number,
    private readonly refs: TemplateRef[],
  ) {
    this.pos = start;
  }

  parseTop(openAt: number): TemplateNode {
    this.skipSpace();
    if (this.text.startsWith(CLOSE, this.pos)) this.fail(`empty template '{{ }}' (expected one of ${TEMPLATE_ROOTS.join(', ')} or a function: ${TEMPLATE_FUNCTIONS.join(', ')})`);
    if (this.pos >= this.text.length) this.failAt(openAt, "unclosed '{{' (missing '}}')");
    const node = this.parseExpr();
    this.skipSpace();
    if (this.pos >= this.text.length) this.failAt(openAt, "unclosed '{{' (missing '}}')");
    if (!this.text.startsWith(CLOSE, this.pos)) this.fail(`unexpected '${this.text[this.pos]}' (expected '}}')`);
    return node;
  }

  private parseExpr(): TemplateNode {
    this.skipSpace();
    const column = this.pos + 1;
    const ch = this.text[this.pos];
    if (ch === '"' || ch === "'") return { type: 'string', value: this.parseString(ch), column };
    NUMBER.lastIndex = this.pos;
    const num = NUMBER.exec(this.text);
    if (num !== null) {
      this.pos = NUMBER.lastIndex;
      return { type: 'number', value: Number(num[0]), column };
    }
    const name = this.ident();
    this.skipSpace();
    if (this.text[this.pos] === '(') return this.parseCall(name, column);
    const segments: string[] = [];
    while (this.text[this.pos] === '.') {
      this.pos++;
      segments.push(this.ident());
    }
    return this.checkPath(name, segments, column);
  }

  private parseCall(name: string, column: number): TemplateNode {
    const arity = FUNCTION_ARITY[name];
    if (arity === undefined) this.failAt(column - 1, `unknown function '${name}' (allowed: ${TEMPLATE_FUNCTIONS.join(', ')})`);
    this.pos++; // '('
    const args: TemplateNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] !== ')') {
      for (;;) {
        args.push(name === 'counter' ? this.parseCounterName() : this.parseExpr());
        this.skipSpace();
        if (this.text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        if (this.text[this.pos] === ')') break;
        this.fail(this.pos >= this.text.length ? `unclosed '(' in ${name}(…)` : `unexpected '${this.text[this.pos]}' in ${name}(…) (expected ',' or ')')`);
      }
    }
    this.pos++; // ')'
    if (args.length !== arity) {
      this.failAt(column - 1, `${name}() takes ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length} (usage: ${TEMPLATE_FUNCTIONS.find((f) => f.startsWith(`${name}(`))})`);
    }
    if (name === 'random' || name === 'randomFloat') checkRandomArgs(name, args);
    return { type: 'call', name: name as 'counter', args, column };
  }

  /** counter(seq) names a counter with a bare word; a quoted string works too. */
  private parseCounterName(): TemplateNode {
    this.skipSpace();
    const column = this.pos + 1;
    const ch = this.text[this.pos];
    if (ch === '"' || ch === "'") return { type: 'string', value: this.parseString(ch), column };
    return { type: 'string', value: this.ident(), column };
  }

  private checkPath(root: string, segments: string[], column: number): TemplateNode {
    const shown = [root, ...segments].join('.');
    switch (root) {
      case 'vu':
        if (segments.length !== 1 || (segments[0] !== 'id' && segments[0] !== 'iteration')) {
          this.failAt(column - 1, `unknown value '${shown}' (allowed: vu.id, vu.iteration)`);
        }
        break;
      case 'vars':
      case 'sent':
        if (segments.length === 0) this.failAt(column - 1, `'${root}' needs a name: ${root === 'vars' ? 'vars.NAME' : 'sent.FIELD'}`);
        break;
      case 'feeder':
        if (segments.length !== 2) this.failAt(column - 1, `'${shown}' must be feeder.NAME.COLUMN`);
        break;
      default:
        this.failAt(column - 1, `unknown value '${shown}' (allowed: ${TEMPLATE_ROOTS.join(', ')}, or a function: ${TEMPLATE_FUNCTIONS.join(', ')})`);
    }
    const node = { type: 'path' as const, root: root as 'vu', segments, column };
    this.refs.push({ root: node.root, segments, column });
    return node;
  }

  private parseString(quote: string): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    while (this.pos < this.text.length && this.text[this.pos] !== quote) {
      if (this.text[this.pos] === '\\' && this.pos + 1 < this.text.length) this.pos++;
      out += this.text[this.pos];
      this.pos++;
    }
    if (this.pos >= this.text.length) this.failAt(start, 'unterminated string literal');
    this.pos++;
    return out;
  }

  private ident(): string {
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.text);
    if (m === null) {
      const got = this.pos >= this.text.length ? 'end of text' : `'${this.text[this.pos]}'`;
      this.fail(`expected a name, number or string, got ${got}`);
    }
    this.pos = IDENT.lastIndex;
    return m[0];
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }

  private fail(message: string): never {
    this.failAt(this.pos, message);
  }

  private failAt(index: number, message: string): never {
    throw new TemplateError(`${message} (column ${index + 1})`, index + 1);
  }
}

function checkRandomArgs(name: string, args: TemplateNode[]): void {
  for (const a of args) {
    if (a.type === 'string') throw new TemplateError(`${name}() arguments must be numbers, got '${a.value}' (column ${a.column})`, a.column);
  }
  const [min, max] = args as [TemplateNode, TemplateNode];
  if (min.type === 'number' && max.type === 'number') {
    if (min.value > max.value) throw new TemplateError(`${name}(${min.value}, ${max.value}): min must be ≤ max (column ${min.column})`, min.column);
    if (name === 'random' && (!Number.isInteger(min.value) || !Number.isInteger(max.value))) {
      throw new TemplateError(`random() takes integers (use randomFloat() for fractions) (column ${min.column})`, min.column);
    }
  }
}

/**
 * Compiles a step value — a literal, a template string, or arrays/objects of
 * them — into a function of the VU's {@link TemplateContext}. Throws
 * {@link TemplateError} for an invalid template (the scenario loader has
 * already reported those, so a validated scenario never throws here).
 *
 * Constant parts are not rebuilt per call: a value without templates returns
 * the same (frozen, shared) object every time, so callers must not mutate results.
 */
export function compileValue(expr: ValueExpr): CompiledValue {
  if (!hasTemplate(expr)) return constant(expr);
  if (typeof expr === 'string') return compileTemplate(expr);
  if (Array.isArray(expr)) {
    const items = expr.map(compileValue);
    const n = items.length;
    return (ctx) => {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = (items[i] as CompiledValue)(ctx);
      return out;
    };
  }
  const obj = expr as Record<string, ValueExpr>;
  const keys = Object.keys(obj);
  const fns = keys.map((k) => compileValue(obj[k] as ValueExpr));
  const n = keys.length;
  return (ctx) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) out[keys[i] as string] = (fns[i] as CompiledValue)(ctx);
    return out;
  };
}

function constant(value: unknown): CompiledValue {
  return () => value;
}

/** Compiles one template string (see {@link compileValue}). */
export function compileTemplate(text: string): CompiledValue {
  const parsed = parseTemplate(text);
  if (parsed.whole) return compileNode(parsed.parts[0] as TemplateNode);
  const pieces = parsed.parts.map((p) => (typeof p === 'string' ? p : compileNode(p)));
  if (pieces.length === 2) {
    // The common "prefix-{{ x }}" / "{{ x }}-suffix" shapes without a loop.
    const [a, b] = pieces as [string | CompiledValue, string | CompiledValue];
    if (typeof a === 'string' && typeof b !== 'string') return (ctx) => a + stringify(b(ctx));
    if (typeof a !== 'string' && typeof b === 'string') return (ctx) => stringify(a(ctx)) + b;
  }
  const n = pieces.length;
  return (ctx) => {
    let out = '';
    for (let i = 0; i < n; i++) {
      const p = pieces[i] as string | CompiledValue;
      out += typeof p === 'string' ? p : stringify(p(ctx));
    }
    return out;
  };
}

/** How a value is written inside text: nothing for null/undefined, JSON for objects. */
function stringify(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

function compileNode(node: TemplateNode): CompiledValue {
  switch (node.type) {
    case 'number':
    case 'string': {
      const value = node.value;
      return () => value;
    }
    case 'path':
      return compilePath(node.root, node.segments);
    case 'call':
      return compileCall(node.name, node.args);
  }
}

function compilePath(root: 'vu' | 'vars' | 'feeder' | 'sent', segments: readonly string[]): CompiledValue {
  if (root === 'vu') return segments[0] === 'id' ? (ctx) => ctx.vuId : (ctx) => ctx.iteration;
  if (root === 'feeder') {
    const [feeder, column] = segments as [string, string];
    return (ctx) => ctx.feederRow(feeder)?.[column];
  }
  const [first, ...rest] = segments as [string, ...string[]];
  const head: CompiledValue = root === 'vars' ? (ctx) => ctx.vars[first] : (ctx) => ctx.sent?.[first];
  if (rest.length === 0) return head;
  return (ctx) => {
    let v = head(ctx);
    for (const key of rest) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[key];
    }
    return v;
  };
}

function compileCall(name: 'counter' | 'random' | 'randomFloat' | 'uuid' | 'now', args: TemplateNode[]): CompiledValue {
  switch (name) {
    case 'counter': {
      const key = (args[0] as { value: string }).value;
      return (ctx) => {
        const v = ctx.counters.get(key) ?? 0;
        ctx.counters.set(key, v + 1);
        return v;
      };
    }
    case 'random': {
      const min = compileNode(args[0] as TemplateNode);
      const max = compileNode(args[1] as TemplateNode);
      return (ctx) => {
        const lo = Math.ceil(Number(min(ctx)));
        const hi = Math.floor(Number(max(ctx)));
        return lo + Math.floor((ctx.random ?? Math.random)() * (hi - lo + 1));
      };
    }
    case 'randomFloat': {
      const min = compileNode(args[0] as TemplateNode);
      const max = compileNode(args[1] as TemplateNode);
      return (ctx) => {
        const lo = Number(min(ctx));
        return lo + (ctx.random ?? Math.random)() * (Number(max(ctx)) - lo);
      };
    }
    case 'uuid':
      return () => randomUUID();
    case 'now':
      return (ctx) => ctx.nowMicros();
  }
}
