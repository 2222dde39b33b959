/**
 * Flow steps: raw (schema-valid) YAML → {@link Step}, plus the checks the
 * schema cannot express — templates (syntax, unknown feeders/columns/
 * variables, `sent` outside `expect.match`), loops with both or neither of
 * count/duration, uniform think ranges.
 */
import { TemplateError } from './errors.ts';
import type { CheckContext } from './check-context.ts';
import { setOrigin } from './origins.ts';
import { isTemplateString, parseTemplate } from './templates.ts';
import type { ExpectConfig, FlowConfig, Step, ThinkConfig, ValueExpr } from './types.ts';
import { parseCount, parseDurationMs } from './units.ts';
import type { DocPath } from './yaml-source.ts';
import { DEFAULTS } from './defaults.ts';

type Raw = Record<string, unknown>;

/** Where a template is used: `sent.FIELD` is only meaningful in `expect.match`. */
export interface TemplateScope {
  sentAllowed: boolean;
  /**
   * Variables visible here when not all of them are: `variables` entries are
   * evaluated once per VU, in order, before anything else runs, so they can
   * only read earlier entries. Absent = every defined variable.
   */
  visibleVars?: ReadonlySet<string>;
}

/**
 * Checks every template inside `value` (recursively) and reports problems at
 * `path`. Literal values pass unchanged.
 */
export function checkTemplates(value: unknown, path: DocPath, ctx: CheckContext, scope: TemplateScope): void {
  if (typeof value === 'string') {
    if (isTemplateString(value)) checkTemplateString(value, path, ctx, scope);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkTemplates(v, [...path, i], ctx, scope));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkTemplates(v, [...path, k], ctx, scope);
  }
}

function checkTemplateString(text: string, path: DocPath, ctx: CheckContext, scope: TemplateScope): void {
  let refs;
  try {
    refs = parseTemplate(text).refs;
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    ctx.issue(path, `template '${text}': ${err.message}`);
    return;
  }
  for (const ref of refs) {
    const at = `template '${text}' column ${ref.column}`;
    const [first, second] = ref.segments as [string, string | undefined];
    if (ref.root === 'feeder') {
      if (!ctx.feeders.has(first)) {
        const known = [...ctx.feeders.keys()];
        ctx.issue(path, `${at}: unknown feeder '${first}' (${known.length === 0 ? 'no feeders are defined' : `feeders: ${known.join(', ')}`})`);
        continue;
      }
      const columns = ctx.feeders.get(first);
      if (columns !== null && columns !== undefined && second !== undefined && !columns.includes(second)) {
        ctx.issue(path, `${at}: feeder '${first}' has no column '${second}' (columns: ${columns.join(', ')})`);
      }
    } else if (ref.root === 'vars') {
      if (scope.visibleVars !== undefined && ctx.vars.has(first) && !scope.visibleVars.has(first)) {
        ctx.issue(
          path,
          `${at}: variable '${first}' is not set yet here (variables are evaluated in order when a VU starts, so they can only use earlier variables)`,
        );
      } else if (!ctx.vars.has(first)) {
        const known = [...ctx.vars];
        ctx.issue(
          path,
          `${at}: unknown variable '${first}' (${known.length === 0 ? 'none defined' : `defined: ${known.join(', ')}`}; define it under variables, with a set step, or as an expect capture)`,
        );
      }
    } else if (ref.root === 'sent' && !scope.sentAllowed) {
      ctx.issue(path, `${at}: sent.${first} is only available in expect.match (the fields of the request just sent)`);
    }
  }
}

/** Names defined by `set` steps and `expect.capture` anywhere in `steps` (loops included). */
export function collectDefinedVars(steps: unknown, into: Set<string>): void {
  if (!Array.isArray(steps)) return;
  for (const step of steps) {
    if (step === null || typeof step !== 'object') continue;
    const s = step as Raw;
    if (s.set !== null && typeof s.set === 'object') for (const k of Object.keys(s.set)) into.add(k);
    const expect = s.expect as Raw | undefined;
    if (expect?.capture !== null && typeof expect?.capture === 'object') for (const k of Object.keys(expect.capture)) into.add(k);
    const loop = s.loop as Raw | undefined;
    if (loop !== null && typeof loop === 'object') collectDefinedVars(loop.steps, into);
  }
}

/** Normalises the `flow` field: a list is the iteration with the default onStart/onStop. */
export function normaliseFlow(raw: unknown, ctx: CheckContext): FlowConfig {
  if (Array.isArray(raw)) {
    return {
      onStart: DEFAULTS.flow.onStart.map((name) => normaliseStep(name, ['flow'], ctx)),
      iteration: normaliseSteps(raw, ['flow'], ctx),
      onStop: DEFAULTS.flow.onStop.map((name) => normaliseStep(name, ['flow'], ctx)),
    };
  }
  const flow = raw as Raw;
  return {
    onStart: flow.onStart === undefined
      ? DEFAULTS.flow.onStart.map((name) => normaliseStep(name, ['flow'], ctx))
      : normaliseSteps(flow.onStart as unknown[], ['flow', 'onStart'], ctx),
    iteration: normaliseSteps(flow.iteration as unknown[], ['flow', 'iteration'], ctx),
    onStop: flow.onStop === undefined
      ? DEFAULTS.flow.onStop.map((name) => normaliseStep(name, ['flow'], ctx))
      : normaliseSteps(flow.onStop as unknown[], ['flow', 'onStop'], ctx),
  };
}

export function normaliseSteps(raw: readonly unknown[], path: DocPath, ctx: CheckContext): Step[] {
  return raw.map((step, i) => normaliseStep(step, [...path, i], ctx));
}

/** One raw step (already schema-valid) → Step. */
export function normaliseStep(raw: unknown, path: DocPath, ctx: CheckContext): Step {
  const step = buildStep(raw, path, ctx);
  setOrigin(step, path, ctx.lineOf);
  return step;
}

function buildStep(raw: unknown, path: DocPath, ctx: CheckContext): Step {
  if (typeof raw === 'string') {
    if (raw === 'ping') return { kind: 'ping', timeoutMs: ctx.defaultTimeoutMs };
    return { kind: raw as 'connect' | 'disconnect' };
  }
  const s = raw as Raw;
  if ('send' in s) return normaliseSend(s, path, ctx);
  if ('ping' in s) {
    const timeout = (s.ping as Raw | null)?.timeout;
    return { kind: 'ping', timeoutMs: timeout === undefined ? ctx.defaultTimeoutMs : (parseDurationMs(timeout) as number) };
  }
  if ('think' in s) return { kind: 'think', think: normaliseThink(s.think, [...path, 'think'], ctx) };
  if ('loop' in s) return normaliseLoop(s.loop as Raw, [...path, 'loop'], ctx);
  if ('set' in s) {
    const vars = s.set as Record<string, ValueExpr>;
    checkTemplates(vars, [...path, 'set'], ctx, { sentAllowed: false });
    return { kind: 'set', vars };
  }
  return { kind: 'connect' in s ? 'connect' : 'disconnect' };
}

/** A send step; with `requireExpect` (constant-request-rate) the expect is mandatory (schema-checked). */
export function normaliseSend(s: Raw, path: DocPath, ctx: CheckContext): Extract<Step, { kind: 'send' }> {
  const body = typeof s.send === 'string' ? { packet: s.send } : (s.send as Raw);
  const packet = body.packet as string;
  const values = (body.values ?? {}) as Record<string, ValueExpr>;
  checkTemplates(values, [...path, 'send', 'values'], ctx, { sentAllowed: false });
  let expect: ExpectConfig | null = null;
  if (s.expect !== undefined) {
    const e = s.expect as Raw;
    const match = (e.match ?? {}) as Record<string, ValueExpr>;
    checkTemplates(match, [...path, 'expect', 'match'], ctx, { sentAllowed: true });
    expect = {
      packet: e.packet as string,
      match,
      capture: (e.capture ?? {}) as Record<string, string>,
      timeoutMs: e.timeout === undefined ? ctx.defaultTimeoutMs : (parseDurationMs(e.timeout) as number),
    };
    setOrigin(expect, [...path, 'expect'], ctx.lineOf);
  }
  const step = { kind: 'send' as const, packet, values, expect, name: (body.name as string | undefined) ?? packet };
  setOrigin(step, path, ctx.lineOf);
  return step;
}

function normaliseThink(raw: unknown, path: DocPath, ctx: CheckContext): ThinkConfig {
  if (raw !== null && typeof raw === 'object') {
    const t = raw as Raw;
    if (Array.isArray(t.uniform)) {
      const minMs = parseDurationMs(t.uniform[0]) as number;
      const maxMs = parseDurationMs(t.uniform[1]) as number;
      if (minMs > maxMs) ctx.issue([...path, 'uniform'], `uniform [${String(t.uniform[0])}, ${String(t.uniform[1])}]: min must be ≤ max`);
      return { kind: 'uniform', minMs, maxMs };
    }
    return { kind: 'exponential', meanMs: parseDurationMs(t.exponential) as number };
  }
  return { kind: 'fixed', ms: parseDurationMs(raw) as number };
}

function normaliseLoop(l: Raw, path: DocPath, ctx: CheckContext): Step {
  const hasCount = l.count !== undefined;
  const hasDuration = l.duration !== undefined;
  if (hasCount === hasDuration) {
    ctx.issue(path, `a loop needs exactly one of count or duration (${hasCount ? 'both were' : 'neither was'} given), e.g. { count: 10, steps: [ping] }`);
  }
  const steps = l.steps as unknown[];
  if (steps.length === 0) ctx.issue([...path, 'steps'], 'a loop needs at least one step');
  return {
    kind: 'loop',
    count: hasCount ? (parseCount(l.count) as number) : null,
    durationMs: hasDuration ? (parseDurationMs(l.duration) as number) : null,
    steps: normaliseSteps(steps, [...path, 'steps'], ctx),
  };
}
