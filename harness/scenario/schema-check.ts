/**
 * Schema validation with messages for people: the scenario schema compiled
 * once with ajv (allErrors, so every problem is found in one pass), and each
 * ajv error translated into a path plus a message that says what was wrong
 * and what is allowed.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, SchemaObject } from 'ajv';
import { scenarioSchema, STEP_KINDS } from './schema.ts';
import { show, validateCount, validateDuration, validateHostPort, validateUnknownStep } from './schema-keywords.ts';
import { suggest } from './suggest.ts';

/** A schema violation: the path of the offending node and a message for people. */
export interface SchemaIssue {
  /** Segments from the document root: `['phases', 1, 'stages', 0, 'duration']`. */
  path: (string | number)[];
  /** True when the issue is about the key at `path` (an unknown field), not its value. */
  atKey: boolean;
  message: string;
}

/** Internal: lets a misspelt field and the required field it was meant to be collapse into one issue. */
interface RawIssue extends SchemaIssue {
  suggestion?: string | null;
  missing?: string;
}

// strictTypes/strictRequired off: the if/then chains deliberately use
// `required` and type-specific keywords without repeating `type` in every branch.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'nmtDuration', schemaType: 'object', validate: validateDuration, errors: true });
ajv.addKeyword({ keyword: 'nmtCount', schemaType: 'object', validate: validateCount, errors: true });
ajv.addKeyword({ keyword: 'nmtHostPort', schemaType: 'boolean', validate: validateHostPort, errors: true });
ajv.addKeyword({ keyword: 'nmtUnknownStep', schemaType: 'boolean', validate: validateUnknownStep, errors: true });
ajv.addKeyword({ keyword: 'nmtHint', schemaType: 'string' });
ajv.addKeyword({ keyword: 'nmtStep', schemaType: 'boolean' });
ajv.addKeyword({ keyword: 'nmtOrString', schemaType: 'boolean' });
ajv.addKeyword({ keyword: 'nmtTypeHint', schemaType: 'string' });

const validate = ajv.compile(scenarioSchema);

/** Validates a parsed YAML document against the schema; every problem is returned. */
export function checkSchema(data: unknown): SchemaIssue[] {
  if (validate(data)) return [];
  const issues: RawIssue[] = [];
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const issue = translate(err, data);
    if (issue === null) continue;
    // One issue per message and place; and one type error per place (nested
    // branches of an alternative may each complain that 7 is not a mapping).
    const place = issue.path.join('\u0000');
    const key = err.keyword === 'type' ? `${place}\u0000type` : `${place}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  // `vu: 10` where `vus` is required is one mistake, not two: keep the
  // "unknown field 'vu' (did you mean 'vus'?)" issue, drop "missing 'vus'".
  const sameParent = (a: RawIssue, b: RawIssue): boolean =>
    a.path.length === b.path.length - 1 && a.path.every((seg, i) => seg === b.path[i]);
  const kept = issues.filter(
    (i) => i.missing === undefined || !issues.some((u) => u.suggestion === i.missing && sameParent(i, u)),
  );
  return kept.map(({ path, atKey, message }) => ({ path, atKey, message }));
}

/** JSON pointer → segments, with array indices as numbers (decided by walking the data). */
function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function typeName(t: unknown): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'empty' };
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => names[String(x)] ?? String(x)).join(' or ');
}

function gotType(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${show(v)}`;
}

function translate(err: ErrorObject, root: unknown): RawIssue | null {
  const path = pointerToPath(err.instancePath, root);
  const parent = (err.parentSchema ?? {}) as SchemaObject;
  const hint = typeof parent.nmtHint === 'string' ? parent.nmtHint : undefined;
  const lastSeg = path.length > 0 ? path[path.length - 1] : 'scenario';
  // Items of lists are named by the path already ("thresholds[0]: must be …").
  const last = typeof lastSeg === 'number' ? 'item' : lastSeg;
  if (err.propertyName !== undefined) {
    // propertyNames: the key itself is wrong; point at it.
    if (err.keyword === 'propertyNames') return null;
    return { path: [...path, err.propertyName], atKey: true, message: `'${err.propertyName}' ${hint ?? 'is not an allowed name'}` };
  }
  switch (err.keyword) {
    case 'if':
      return null; // the branch's own errors say what is wrong
    case 'additionalProperties': {
      const field = String(err.params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as object);
      if (parent.nmtStep === true && STEP_KINDS.includes(field as (typeof STEP_KINDS)[number])) {
        return { path: [...path, field], atKey: true, message: `one step per list item: put '${field}' in its own '- ${field}: …' entry` };
      }
      const close = suggest(field, allowed);
      const guess = close === null ? '' : `did you mean '${close}'? `;
      return { path: [...path, field], atKey: true, message: `unknown field '${field}' (${guess}allowed: ${allowed.join(', ')})`, suggestion: close };
    }
    case 'required': {
      const field = String(err.params.missingProperty);
      return { path, atKey: false, message: `missing required field '${field}'`, missing: field };
    }
    case 'type': {
      const allowed =
        typeof parent.nmtTypeHint === 'string'
          ? parent.nmtTypeHint
          : `${parent.nmtOrString === true ? 'a string or ' : ''}${typeName(err.params.type)}`;
      return { path, atKey: false, message: `${last} must be ${allowed}, got ${gotType(err.data)}` };
    }
    case 'enum':
      return {
        path,
        atKey: false,
        message: hint !== undefined ? `${show(err.data)} ${hint}` : `${last} must be one of ${(err.params.allowedValues as unknown[]).join(', ')}, got ${show(err.data)}`,
      };
    case 'const':
      return { path, atKey: false, message: `${last} ${hint ?? `must be ${show(err.params.allowedValue)}`}, got ${show(err.data)}` };
    case 'pattern':
      return { path, atKey: false, message: `${last} ${show(err.data)} ${hint ?? `must match ${String(err.params.pattern)}`}` };
    case 'propertyNames':
      return null; // reported by the nested pattern error, which names the key
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, atKey: false, message: `${last} must be ${String(err.params.comparison).replace('>=', '≥').replace('<=', '≤')} ${String(err.params.limit)}, got ${show(err.data)}` };
    case 'minItems':
      return { path, atKey: false, message: hint ?? `${last} must have at least ${String(err.params.limit)} item${err.params.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      return { path, atKey: false, message: hint ?? `${last} must have at most ${String(err.params.limit)} items` };
    case 'minLength':
      return { path, atKey: false, message: `${last} must not be empty` };
    case 'minProperties':
    case 'maxProperties':
      return { path, atKey: false, message: hint ?? (err.keyword === 'minProperties' ? `${last} must not be empty` : `${last} ${parent.nmtHint ?? 'has too many fields'}`) };
    case 'uniqueItems':
      return { path, atKey: false, message: `${last} must not repeat items (items ${String(err.params.j)} and ${String(err.params.i)} are equal)` };
    default:
      return { path, atKey: false, message: err.message ?? `invalid ${last}` };
  }
}
