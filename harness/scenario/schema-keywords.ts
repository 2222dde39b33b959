/**
 * The custom ajv keywords of the scenario schema (see schema.ts): quantity
 * checks whose messages say what is allowed, and the catch-all for unknown
 * step kinds. Each validator reports one error with a finished message.
 */
import { STEP_KINDS } from './schema.ts';
import { DURATION_EXAMPLES, parseCount, parseDurationMs } from './units.ts';

interface CustomError {
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}
/** An ajv `validate` keyword function; it sets `.errors` when it fails. */
export type KeywordFn = ((schema: unknown, data: unknown, parentSchema?: unknown, dataCxt?: { parentDataProperty: string | number }) => boolean) & {
  errors?: CustomError[];
};

function fieldName(dataCxt: { parentDataProperty: string | number } | undefined): string {
  const p = dataCxt?.parentDataProperty;
  return typeof p === 'string' ? p : 'value';
}

/** A value as quoted in messages. */
export function show(data: unknown): string {
  return typeof data === 'string' ? `'${data}'` : JSON.stringify(data) ?? String(data);
}

/** `nmtDuration { min: 'zero' | 'positive' }`: a duration text (or 0). */
export const validateDuration: KeywordFn = function nmtDuration(schema, data, _parent, dataCxt) {
  const { min } = schema as { min: 'zero' | 'positive' };
  const name = fieldName(dataCxt);
  const fail = (message: string): boolean => {
    validateDuration.errors = [{ keyword: 'nmtDuration', message, params: {} }];
    return false;
  };
  if (typeof data === 'number' && data !== 0) return fail(`${name} ${data} needs a unit (${DURATION_EXAMPLES})`);
  if (typeof data !== 'string' && typeof data !== 'number') return fail(`${name} must be a duration (${DURATION_EXAMPLES}), got ${show(data)}`);
  const ms = parseDurationMs(data);
  if (ms === undefined) return fail(`${name} ${show(data)} is not a duration (${DURATION_EXAMPLES})`);
  if (min === 'positive' && ms <= 0) return fail(`${name} must be greater than 0 (${DURATION_EXAMPLES})`);
  return true;
};

/** `nmtCount { min, integer?, exclusive?, max? }`: a number or k/M text within range. */
export const validateCount: KeywordFn = function nmtCount(schema, data, _parent, dataCxt) {
  const { min, integer, exclusive, max } = schema as { min: number; integer?: boolean; exclusive?: boolean; max?: number };
  const name = fieldName(dataCxt);
  const fail = (message: string): boolean => {
    validateCount.errors = [{ keyword: 'nmtCount', message, params: {} }];
    return false;
  };
  if (typeof data === 'number' && Number.isFinite(data) && data < min) return fail(`${name} must be ${exclusive === true ? '>' : '≥'} ${min}, got ${data}`);
  const n = parseCount(data);
  const kind = integer === true ? 'an integer' : 'a number';
  if (n === undefined) return fail(`${name} must be ${kind} (k/M suffixes allowed: 100, 10k, 1.5M), got ${show(data)}`);
  if (integer === true && !Number.isInteger(n)) return fail(`${name} must be a whole number, got ${show(data)}`);
  if (exclusive === true ? n <= min : n < min) return fail(`${name} must be ${exclusive === true ? '>' : '≥'} ${min}, got ${show(data)}`);
  if (max !== undefined && n > max) return fail(`${name} must be ≤ ${max}, got ${show(data)}`);
  return true;
};

/** `host:port` or `[v6]:port`; the loader splits it the same way. */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

/** `nmtHostPort`: `host:port` text. */
export const validateHostPort: KeywordFn = function nmtHostPort(_schema, data, _parent, dataCxt) {
  if (typeof data === 'string' && splitHostPort(data) !== undefined) return true;
  validateHostPort.errors = [
    {
      keyword: 'nmtHostPort',
      message: `${fieldName(dataCxt)} ${show(data)} must be host:port with a port 1-65535 (e.g. 127.0.0.1:7000) or { host, port, metrics }`,
      params: {},
    },
  ];
  return false;
};

/** `nmtUnknownStep`: always fails; the last branch of the step chain, naming the unknown kind. */
export const validateUnknownStep: KeywordFn = function nmtUnknownStep(_schema, data) {
  const keys = data !== null && typeof data === 'object' ? Object.keys(data) : [];
  const what = keys.length === 0 ? 'an empty step' : `unknown step '${keys[0]}'`;
  validateUnknownStep.errors = [{ keyword: 'nmtUnknownStep', message: `${what} (steps: ${STEP_KINDS.join(', ')})`, params: {} }];
  return false;
};
