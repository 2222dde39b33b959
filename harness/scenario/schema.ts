/**
 * The JSON schema of the scenario YAML — the one place its structure is
 * described. Compiled once (module load) with ajv in schema-check.ts;
 * `additionalProperties: false` on every object so a misspelt field is an
 * error, never ignored.
 *
 * Alternatives ("a string or an object", the step kinds, the executors) are
 * written as `if`/`then`/`else` chains rather than `oneOf`: ajv then reports
 * only the errors of the branch the value was meant for, which turn into
 * one precise message each instead of a pile from every branch.
 *
 * Quantities go through custom keywords (schema-keywords.ts) so that `10k`, `1m30s` and range
 * checks give a message that says what is allowed:
 *   nmtDuration { min: 'zero' | 'positive' }            30s, 1m30s, 500ms, 0
 *   nmtCount    { min: number, integer?, exclusive? }   100, 10k, 1.5M
 *   nmtHostPort                                          127.0.0.1:7000, [::1]:7000
 *   nmtHint     (annotation) the message used for pattern/enum/const errors
 *   nmtTypeHint (annotation) what the value may be, for type errors ("a list of steps or …")
 */
import type { SchemaObject } from 'ajv';

/** Executor type strings, as users write them. */
export const EXECUTORS = [
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
  'constant-request-rate',
] as const;

/** Step kinds, as users write them. */
export const STEP_KINDS = ['connect', 'disconnect', 'ping', 'send', 'think', 'loop', 'set'] as const;

const IDENT = '^[A-Za-z_][A-Za-z0-9_]*$';
const IDENT_HINT = 'letters, digits and _, not starting with a digit, e.g. lastPos';
const TAG_VALUE = '^[A-Za-z0-9_.-]+$';
const TAG_HINT = 'may contain only letters, digits, ., - and _ (it is used as a metric tag)';

const duration = (min: 'zero' | 'positive'): SchemaObject => ({ nmtDuration: { min } });
const count = (min: number, extra: { integer?: boolean; max?: number } = {}): SchemaObject => ({ nmtCount: { min, ...extra } });
const rate = (): SchemaObject => ({ nmtCount: { min: 0, exclusive: true } });
const obj = (properties: Record<string, SchemaObject>, required: string[] = []): SchemaObject => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...(required.length > 0 ? { required } : {}),
});
/** `if string then A else B` — each branch reports only its own errors. */
const stringOr = (asString: SchemaObject, otherwise: SchemaObject): SchemaObject => ({
  if: { type: 'string' },
  then: asString,
  else: { ...otherwise, nmtOrString: true },
});
const ref = (name: string): SchemaObject => ({ $ref: `#/$defs/${name}` });
/** Says in type errors what the value may be, where the schema's `type` alone would mislead. */
const typeHint = (hint: string, schema: SchemaObject): SchemaObject => ({ ...schema, nmtTypeHint: hint });

const pingObject = obj({ timeout: duration('positive') });
const sendBody = stringOr(
  { minLength: 1, nmtHint: 'must be a packet name (e.g. PlayerMove)' },
  obj(
    {
      packet: { type: 'string', minLength: 1 },
      name: { type: 'string', pattern: TAG_VALUE, nmtHint: TAG_HINT },
      values: { type: 'object' },
    },
    ['packet'],
  ),
);
const expectSchema = obj(
  {
    packet: { type: 'string', minLength: 1 },
    match: { type: 'object' },
    capture: {
      type: 'object',
      propertyNames: { pattern: IDENT, nmtHint: `is not a valid capture name (${IDENT_HINT})` },
      additionalProperties: { type: 'string', minLength: 1, nmtHint: 'must be the name of a field of the response' },
    },
    timeout: duration('positive'),
  },
  ['packet'],
);
const sendStep = { ...obj({ send: sendBody, expect: expectSchema }, ['send']), nmtStep: true };
const sendRequest = { ...obj({ send: sendBody, expect: expectSchema }, ['send', 'expect']), nmtStep: true };
const emptyBody: SchemaObject = { type: ['null', 'object'], maxProperties: 0, nmtHint: 'takes no options (write just the step name)' };

/** One step kind per list item: `{ think: 10ms }`, `{ loop: {...} }`, or a bare name. */
const stepSchema: SchemaObject = stringOr(
  { enum: ['connect', 'disconnect', 'ping'], nmtHint: `is not a step (as a bare name: connect, disconnect, ping; with options: ${STEP_KINDS.join(', ')})` },
  {
    type: 'object',
    nmtTypeHint: 'a step: a bare name (connect, disconnect, ping) or a mapping like { think: 10ms }',
    if: { required: ['send'] },
    then: sendStep,
    else: {
      if: { required: ['ping'] },
      then: { ...obj({ ping: { type: ['null', 'object'], ...withoutType(pingObject) } }), nmtStep: true },
      else: {
        if: { required: ['think'] },
        then: { ...obj({ think: ref('think') }), nmtStep: true },
        else: {
          if: { required: ['loop'] },
          then: {
            ...obj({
              loop: obj({ count: count(1, { integer: true }), duration: duration('positive'), steps: ref('steps') }, ['steps']),
            }),
            nmtStep: true,
          },
          else: {
            if: { required: ['set'] },
            then: {
              ...obj({
                set: {
                  type: 'object',
                  minProperties: 1,
                  propertyNames: { pattern: IDENT, nmtHint: `is not a valid variable name (${IDENT_HINT})` },
                },
              }),
              nmtStep: true,
            },
            else: {
              if: { required: ['connect'] },
              then: { ...obj({ connect: emptyBody }), nmtStep: true },
              else: {
                if: { required: ['disconnect'] },
                then: { ...obj({ disconnect: emptyBody }), nmtStep: true },
                else: { nmtUnknownStep: true },
              },
            },
          },
        },
      },
    },
  },
);

function withoutType(schema: SchemaObject): SchemaObject {
  const { type: _type, ...rest } = schema;
  return rest;
}

const thinkSchema: SchemaObject = {
  if: { type: 'object' },
  then: {
    ...obj({
      uniform: { type: 'array', minItems: 2, maxItems: 2, items: duration('zero'), nmtHint: 'must be [min, max], e.g. [5ms, 20ms]' },
      exponential: duration('positive'),
    }),
    minProperties: 1,
    maxProperties: 1,
    nmtHint: 'must be a duration (10ms), { uniform: [5ms, 20ms] } or { exponential: 10ms }',
  },
  else: duration('zero'),
};

const stagesVus: SchemaObject = {
  type: 'array',
  minItems: 1,
  items: obj({ duration: duration('zero'), target: count(0, { integer: true }) }, ['duration', 'target']),
};
const stagesRate: SchemaObject = {
  type: 'array',
  minItems: 1,
  items: obj({ duration: duration('zero'), target: count(0) }, ['duration', 'target']),
};

const phaseCommon = {
  name: { type: 'string', pattern: TAG_VALUE, nmtHint: TAG_HINT },
  gracefulStop: duration('zero'),
};
const PHASES: Record<(typeof EXECUTORS)[number], SchemaObject> = {
  'constant-vus': obj(
    { ...phaseCommon, executor: {}, vus: count(1, { integer: true }), duration: duration('positive') },
    ['vus', 'duration'],
  ),
  'ramping-vus': obj(
    { ...phaseCommon, executor: {}, startVus: count(0, { integer: true }), stages: stagesVus },
    ['stages'],
  ),
  'constant-arrival-rate': obj(
    {
      ...phaseCommon,
      executor: {},
      rate: rate(),
      duration: duration('positive'),
      preAllocatedVus: count(1, { integer: true }),
      maxVus: count(1, { integer: true }),
    },
    ['rate', 'duration', 'preAllocatedVus'],
  ),
  'ramping-arrival-rate': obj(
    {
      ...phaseCommon,
      executor: {},
      startRate: count(0),
      stages: stagesRate,
      preAllocatedVus: count(1, { integer: true }),
      maxVus: count(1, { integer: true }),
    },
    ['stages', 'preAllocatedVus'],
  ),
  'constant-request-rate': obj(
    {
      ...phaseCommon,
      executor: {},
      connections: count(1, { integer: true }),
      rate: rate(),
      duration: duration('positive'),
      request: stringOr(
        { enum: ['ping'], nmtHint: "must be ping, { ping: { timeout } } or { send: …, expect: … }" },
        { type: 'object', if: { required: ['send'] }, then: sendRequest, else: { ...obj({ ping: { type: ['null', 'object'], ...withoutType(pingObject) } }, ['ping']), nmtStep: true } },
      ),
    },
    ['connections', 'rate', 'duration'],
  ),
};

function phaseChain(i: number): SchemaObject {
  const executor = EXECUTORS[i];
  if (executor === undefined) {
    return {
      required: ['executor'],
      properties: { executor: { enum: [...EXECUTORS], nmtHint: `is not an executor (allowed: ${EXECUTORS.join(', ')})` } },
    };
  }
  return {
    if: { required: ['executor'], properties: { executor: { const: executor } } },
    then: PHASES[executor],
    else: phaseChain(i + 1),
  };
}

const stepsSchema: SchemaObject = { type: 'array', items: ref('step') };

/** One `calibrate.compare` entry: a kind name, or a mapping with options. */
const CALIBRATION_KINDS = ['server', 'harness', 'handshake'] as const;
const calibrationCompare: SchemaObject = stringOr(
  { enum: [...CALIBRATION_KINDS], nmtHint: `is not a comparison (${CALIBRATION_KINDS.join(', ')})` },
  typeHint(
    'a comparison name (server, harness, handshake) or a mapping { kind, inflight, minRatio, … }',
    obj(
      {
        kind: { enum: [...CALIBRATION_KINDS], nmtHint: `must be one of ${CALIBRATION_KINDS.join(', ')}` },
        name: { type: 'string', pattern: TAG_VALUE, nmtHint: TAG_HINT },
        connections: count(1, { integer: true, max: 1_000_000 }),
        inflight: count(1, { integer: true, max: 4096 }),
        size: { type: 'integer', minimum: 16, maximum: 65535 },
        minRatio: { type: 'number', exclusiveMinimum: 0 },
      },
      ['kind'],
    ),
  ),
);

/** `calibrate: true`, or a mapping (docs/scenarios.md "calibrate"). */
const calibrateSchema: SchemaObject = {
  if: { type: 'boolean' },
  then: {},
  else: typeHint(
    'true, false, or a mapping { warmup, duration, repeats, connections, compare }',
    obj({
      warmup: duration('zero'),
      duration: duration('positive'),
      repeats: count(1, { integer: true, max: 100 }),
      connections: count(1, { integer: true, max: 1_000_000 }),
      compare: { type: 'array', minItems: 1, items: calibrationCompare },
    }),
  ),
};

/** `tls:` — the client side of transport tls / wss (docs/scenarios.md "Transports"). */
const tlsSchema: SchemaObject = obj({
  ca: { type: 'string', minLength: 1 },
  cert: { type: 'string', minLength: 1 },
  key: { type: 'string', minLength: 1 },
  serverName: { type: 'string', minLength: 1 },
  insecure: { type: 'boolean' },
  minVersion: { enum: ['1.3', '1.2'], nmtHint: "must be '1.3' or '1.2' (quoted: 1.2 unquoted is a number)" },
});

/** `auth:` — per-VU JWTs (docs/scenarios.md "Authentication"). */
const authSchema: SchemaObject = obj({
  kid: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$', nmtHint: 'must be 1–64 letters, digits, ., - or _' },
  alg: { enum: ['HS256', 'EdDSA', 'ES256'], nmtHint: 'must be HS256, EdDSA or ES256' },
  secret: { type: 'string', minLength: 1 },
  secretEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', nmtHint: 'must be an environment variable name, e.g. NMT_JWT_SECRET' },
  keyFile: { type: 'string', minLength: 1 },
  issuer: { type: 'string', minLength: 1 },
  audience: { type: 'string', minLength: 1 },
  role: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$', nmtHint: 'must be 1–32 of a-z, 0-9, _ and -, starting with a letter (e.g. user, admin)' },
  ttl: duration('positive'),
  subject: { type: 'string', minLength: 1 },
});

/** The whole scenario document. */
export const scenarioSchema: SchemaObject = {
  $defs: { step: stepSchema, steps: stepsSchema, think: thinkSchema },
  ...obj(
    {
      name: { type: 'string', pattern: '^[a-z0-9_-]+$', nmtHint: 'must be lowercase letters, digits, - and _ (e.g. ping-100)' },
      description: { type: 'string' },
      target: stringOr(
        { nmtHostPort: true },
        typeHint('host:port or a mapping { host, port, metrics }', obj(
          {
            host: { type: 'string', minLength: 1 },
            port: { type: 'integer', minimum: 1, maximum: 65535 },
            metrics: { type: 'string', pattern: '^https?://', nmtHint: 'must be an http(s) URL, e.g. http://127.0.0.1:9100/metrics' },
          },
          ['host', 'port'],
        )),
      ),
      server: obj({
        processes: count(1, { integer: true }),
        options: {
          type: 'object',
          propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9-]*$', nmtHint: 'is not a valid option name (TestServer flags without the dashes, e.g. maxSessions)' },
          additionalProperties: { type: ['string', 'number', 'boolean'] },
        },
        command: { type: 'array', minItems: 1, items: { type: ['string', 'number'] } },
        readyTimeout: duration('positive'),
      }),
      catalogue: { type: 'string', minLength: 1 },
      workers: stringOr({ const: 'auto', nmtHint: "must be 'auto' or an integer ≥ 1" }, { type: 'integer', minimum: 1, nmtTypeHint: "'auto' or an integer ≥ 1" }),
      timeout: duration('positive'),
      transport: { enum: ['tcp', 'tls', 'ws', 'wss'], nmtHint: 'must be tcp, tls, ws or wss' },
      tls: tlsSchema,
      ws: obj({ path: { type: 'string', pattern: '^/[^?#\\s]*$', nmtHint: 'must start with / and hold no ?, # or spaces (e.g. /game)' } }),
      auth: authSchema,
      connect: obj({
        rate: rate(),
        timeout: duration('positive'),
        clientVersion: { type: 'integer', minimum: 0, maximum: 4294967295 },
        token: { type: 'string' },
        sourceAddresses: {
          type: 'array',
          uniqueItems: true,
          items: {
            type: 'string',
            pattern: '^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$',
            nmtHint: 'must be an IPv4 address (e.g. 127.0.0.2)',
          },
        },
      }),
      variables: {
        type: 'object',
        propertyNames: { pattern: IDENT, nmtHint: `is not a valid variable name (${IDENT_HINT})` },
      },
      feeders: {
        type: 'object',
        propertyNames: { pattern: IDENT, nmtHint: `is not a valid feeder name (${IDENT_HINT})` },
        additionalProperties: stringOr(
          { minLength: 1 },
          typeHint(
            'a CSV file path or a mapping { file, order }',
            obj({ file: { type: 'string', minLength: 1 }, order: { enum: ['sequential', 'random', 'unique'] } }, ['file']),
          ),
        ),
      },
      flow: {
        if: { type: 'array' },
        then: { ...ref('steps'), minItems: 1 },
        else: typeHint(
          'a list of steps or a mapping { onStart, iteration, onStop }',
          obj({ onStart: ref('steps'), iteration: { ...ref('steps'), minItems: 1 }, onStop: ref('steps') }, ['iteration']),
        ),
      },
      phases: { type: 'array', minItems: 1, items: { type: 'object', nmtTypeHint: 'a mapping { executor, … }', ...phaseChain(0) } },
      calibrate: calibrateSchema,
      thresholds: {
        type: 'array',
        items: stringOr(
          { minLength: 1 },
          obj({ threshold: { type: 'string', minLength: 1 }, abortOnFail: { type: 'boolean' }, delayAbortEval: duration('zero') }, ['threshold']),
        ),
      },
    },
    ['name', 'flow', 'phases'],
  ),
};
