/**
 * Engine configuration: every limit with its default, in one table.
 *
 * {@link LIMIT_SPECS} is the single source of truth: the JSON schema (one,
 * compiled once, `additionalProperties: false`), the defaults, the CLI flags
 * and `--help` of the TestServer, and the limits table in docs/server.md are
 * all derived from it. A resolved config is frozen.
 */
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { MAX_WIRE_PACKET_SIZE, HEADER_SIZE } from '../../protocol/index.ts';
import { ServerConfigError, type ConfigIssue } from './errors.ts';

/** Every per-session and per-server limit. All values are integers. */
export interface EngineLimits {
  /** Open sessions at most; beyond it a handshake is answered SERVER_FULL. */
  maxSessions: number;
  /** Connections over `maxSessions` held at once while waiting to be told SERVER_FULL; beyond it they are closed at accept. */
  maxPendingRejections: number;
  /** Largest packet accepted, header included, in bytes. */
  maxPacketSize: number;
  /** SessionConnectReq must arrive within this many ms of accept. 0 = no deadline. */
  handshakeTimeoutMs: number;
  /** A connected session that sends no complete packet for this long is closed. 0 = never. */
  idleTimeoutMs: number;
  /** Sustained packets per second per session (token bucket refill). 0 = no rate limit. */
  rateLimitPerSecond: number;
  /** Token bucket size: packets a session may send in a burst. */
  rateLimitBurst: number;
  /** Outbound bytes (queued + in the socket) above which reading from the session pauses; resumes under half. */
  maxOutboundBytes: number;
  /** Outbound bytes at which a session is dropped as SlowConsumer at once. Default 4 × maxOutboundBytes. */
  outboundHardLimitBytes: number;
  /** A session paused for backpressure this long is dropped as SlowConsumer. */
  slowConsumerTimeoutMs: number;
  /** After a DisconnectNotice and `end`, the socket is destroyed this long later if the peer has not closed. */
  closeGraceMs: number;
  /** Tick of the timer wheel that checks every deadline above. */
  timerResolutionMs: number;
}

/** Description of one limit, for the schema, the CLI and the docs. */
export interface LimitSpec {
  readonly key: keyof EngineLimits;
  /** Default value; `null` means derived (see `help`). */
  readonly default: number | null;
  readonly min: number;
  readonly max: number;
  readonly unit: 'count' | 'bytes' | 'ms' | 'packets/s' | 'packets';
  readonly help: string;
  /** The metric that counts each time this limit fires, if any. */
  readonly metric: string | null;
}

const MiB = 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;

/** Every limit, with default, range, help text and metric. */
export const LIMIT_SPECS: readonly LimitSpec[] = Object.freeze([
  { key: 'maxSessions', default: 20_000, min: 1, max: 10_000_000, unit: 'count', help: 'open sessions at most; further handshakes get SERVER_FULL', metric: 'nmt_limit_hits_total{limit="max_sessions"}' },
  { key: 'maxPendingRejections', default: 1024, min: 0, max: 10_000_000, unit: 'count', help: 'over-capacity connections waiting for their SERVER_FULL answer; more are closed at accept', metric: 'nmt_limit_hits_total{limit="max_pending_rejections"}' },
  { key: 'maxPacketSize', default: 16 * 1024, min: HEADER_SIZE, max: MAX_WIRE_PACKET_SIZE, unit: 'bytes', help: 'largest packet accepted, header included', metric: 'nmt_limit_hits_total{limit="max_packet_size"}' },
  { key: 'handshakeTimeoutMs', default: 5000, min: 0, max: DAY_MS, unit: 'ms', help: 'SessionConnectReq must arrive within this time (0 = no deadline)', metric: 'nmt_limit_hits_total{limit="handshake_timeout"}' },
  { key: 'idleTimeoutMs', default: 60_000, min: 0, max: DAY_MS, unit: 'ms', help: 'close a session that sends no packet for this long (0 = never)', metric: 'nmt_limit_hits_total{limit="idle_timeout"}' },
  { key: 'rateLimitPerSecond', default: 10_000, min: 0, max: 100_000_000, unit: 'packets/s', help: 'sustained packets per second per session (0 = unlimited)', metric: 'nmt_limit_hits_total{limit="rate_limit"}' },
  { key: 'rateLimitBurst', default: 20_000, min: 1, max: 100_000_000, unit: 'packets', help: 'packets a session may send in one burst', metric: null },
  { key: 'maxOutboundBytes', default: 1 * MiB, min: 1024, max: 1024 * MiB, unit: 'bytes', help: 'pause reading a session whose unsent output exceeds this; resume under half', metric: 'nmt_limit_hits_total{limit="backpressure_pause"}' },
  { key: 'outboundHardLimitBytes', default: null, min: 1024, max: 4096 * MiB, unit: 'bytes', help: 'drop a session as SlowConsumer at once when its unsent output exceeds this (default 4 × max-outbound-bytes)', metric: 'nmt_limit_hits_total{limit="outbound_hard_limit"}' },
  { key: 'slowConsumerTimeoutMs', default: 10_000, min: 0, max: DAY_MS, unit: 'ms', help: 'drop a session that stays paused for backpressure this long', metric: 'nmt_limit_hits_total{limit="slow_consumer"}' },
  { key: 'closeGraceMs', default: 1000, min: 0, max: 60_000, unit: 'ms', help: 'after a DisconnectNotice, destroy the socket this long later if the peer keeps it open', metric: 'nmt_limit_hits_total{limit="close_grace"}' },
  { key: 'timerResolutionMs', default: 250, min: 1, max: 10_000, unit: 'ms', help: 'tick of the timer wheel that enforces every deadline', metric: null },
] satisfies LimitSpec[]);

/** Engine settings that can be written as JSON. */
export interface EngineConfig {
  /** Name used in logs (`TestServer`, `DBServer`). */
  readonly name: string;
  readonly host: string;
  /** 0 = ephemeral. */
  readonly port: number;
  /** The metrics HTTP endpoint, or null when disabled. Port 0 = ephemeral. */
  readonly metrics: { readonly host: string; readonly port: number } | null;
  readonly limits: Readonly<EngineLimits>;
  /** Default deadline of `shutdown()`. */
  readonly shutdownDeadlineMs: number;
}

/** Input of {@link resolveEngineConfig}: everything optional. */
export interface EngineConfigInput {
  name?: string;
  host?: string;
  port?: number;
  /** `null`/`false` or absent = no metrics endpoint. */
  metrics?: { host?: string; port?: number } | null | false;
  limits?: Partial<EngineLimits>;
  shutdownDeadlineMs?: number;
}

/** Defaults of the non-limit settings. */
export const DEFAULT_ENGINE_SETTINGS = Object.freeze({
  name: 'server',
  host: '127.0.0.1',
  port: 0,
  shutdownDeadlineMs: 5000,
});

const limitsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    LIMIT_SPECS.map((s) => [s.key, { type: 'integer', minimum: s.min, maximum: s.max }]),
  ),
};

const portSchema = { type: 'integer', minimum: 0, maximum: 65535 };
const hostSchema = { type: 'string', minLength: 1 };

const engineSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    host: hostSchema,
    port: portSchema,
    metrics: {
      anyOf: [
        { type: 'null' },
        { const: false },
        { type: 'object', additionalProperties: false, properties: { host: hostSchema, port: portSchema } },
      ],
    },
    limits: limitsSchema,
    shutdownDeadlineMs: { type: 'integer', minimum: 0, maximum: 10 * 60_000 },
  },
};

const ajv = new Ajv({ allErrors: true, strict: true });
const validateEngine = ajv.compile(engineSchema);
const validateLimits = ajv.compile(limitsSchema);

/** Converts ajv errors to issues with dotted paths, one per problem. */
export function ajvIssues(errors: ErrorObject[] | null | undefined, root: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const e of errors ?? []) {
    const path = root + e.instancePath.replace(/\//g, '.');
    // anyOf reports one error per branch plus a summary; keep the summary.
    if (e.schemaPath.includes('/anyOf/')) continue;
    if (e.keyword === 'additionalProperty' || e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      issues.push({ path: `${path}.${key}`.replace(/^\./, ''), message: 'unknown key' });
    } else if (e.keyword === 'anyOf') {
      issues.push({ path: path.replace(/^\./, ''), message: 'must be null, false or { host?, port? }' });
    } else {
      issues.push({ path: path.replace(/^\./, ''), message: e.message ?? e.keyword });
    }
  }
  return issues;
}

/** Checks between limits that a schema cannot express. */
function crossIssues(l: EngineLimits, root: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (l.outboundHardLimitBytes < l.maxOutboundBytes) {
    issues.push({
      path: `${root}outboundHardLimitBytes`,
      message: `must be at least maxOutboundBytes (${l.maxOutboundBytes}), got ${l.outboundHardLimitBytes}`,
    });
  }
  return issues;
}

function fillLimits(partial: Partial<EngineLimits>): EngineLimits {
  const out = {} as EngineLimits;
  for (const s of LIMIT_SPECS) {
    const v = partial[s.key];
    if (v !== undefined) out[s.key] = v;
    else if (s.default !== null) out[s.key] = s.default;
  }
  if (partial.outboundHardLimitBytes === undefined) out.outboundHardLimitBytes = 4 * out.maxOutboundBytes;
  return out;
}

/**
 * Validates limits and fills defaults. Throws {@link ServerConfigError} with
 * every problem (unknown keys included). The result is frozen.
 */
export function resolveLimits(partial: Partial<EngineLimits>): Readonly<EngineLimits> {
  if (!validateLimits(partial)) throw new ServerConfigError(ajvIssues(validateLimits.errors, 'limits'), 'limits');
  const limits = fillLimits(partial);
  const cross = crossIssues(limits, 'limits.');
  if (cross.length > 0) throw new ServerConfigError(cross, 'limits');
  return Object.freeze(limits);
}

/**
 * Validates engine settings and fills defaults. Throws
 * {@link ServerConfigError} listing every problem. The result is frozen.
 */
export function resolveEngineConfig(input: EngineConfigInput = {}): EngineConfig {
  if (!validateEngine(input)) throw new ServerConfigError(ajvIssues(validateEngine.errors, ''));
  const limits = fillLimits(input.limits ?? {});
  const cross = crossIssues(limits, 'limits.');
  if (cross.length > 0) throw new ServerConfigError(cross);
  const host = input.host ?? DEFAULT_ENGINE_SETTINGS.host;
  const m = input.metrics;
  return Object.freeze({
    name: input.name ?? DEFAULT_ENGINE_SETTINGS.name,
    host,
    port: input.port ?? DEFAULT_ENGINE_SETTINGS.port,
    metrics: m === null || m === false || m === undefined ? null : Object.freeze({ host: m.host ?? host, port: m.port ?? 0 }),
    limits: Object.freeze(limits),
    shutdownDeadlineMs: input.shutdownDeadlineMs ?? DEFAULT_ENGINE_SETTINGS.shutdownDeadlineMs,
  });
}

/** The defaults, resolved (derived values filled in). */
export const DEFAULT_LIMITS: Readonly<EngineLimits> = resolveLimits({});
