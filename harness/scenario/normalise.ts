/**
 * Raw scenario data (already schema-valid) → {@link Scenario}: defaults
 * applied, quantities converted to base units (ms, per second), relative
 * paths resolved, and every semantic check made — templates, feeders,
 * thresholds (parsed and checked against metrics, phases and request names).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parseThreshold } from '../thresholds/parse.ts';
import { ThresholdError } from '../thresholds/errors.ts';
import { normaliseCalibrate } from './calibrate.ts';
import type { CheckContext } from './check-context.ts';
import { DEFAULTS } from './defaults.ts';
import { fileProblem, resolveFrom } from './paths.ts';
import { normalisePhases } from './phases.ts';
import { normaliseSecurity } from './security.ts';
import { splitHostPort } from './schema-keywords.ts';
import { checkTemplates, collectDefinedVars, normaliseFlow } from './steps.ts';
import type {
  ConnectConfig,
  EmbeddedServerConfig,
  FeederConfig,
  Phase,
  Scenario,
  Step,
  TargetConfig,
  ThresholdConfig,
  ValueExpr,
} from './types.ts';
import { parseCount, parseDurationMs } from './units.ts';

type Raw = Record<string, unknown>;

/** Limits on what the loader reads besides the scenario itself. */
export interface NormaliseLimits {
  /** Bytes read from the start of each feeder CSV to find its header row. Default 64 KiB. */
  feederHeaderBytes?: number;
}

/** Builds the Scenario from schema-valid data; problems go to `ctx.issues`. */
export function normaliseScenario(raw: Raw, source: string, ctx: CheckContext, limits: NormaliseLimits = {}): Scenario {
  ctx.defaultTimeoutMs = raw.timeout === undefined ? DEFAULTS.timeoutMs : ms(raw.timeout);

  const variables = (raw.variables ?? {}) as Record<string, ValueExpr>;
  for (const name of Object.keys(variables)) ctx.vars.add(name);
  const rawFlow = raw.flow as unknown;
  if (Array.isArray(rawFlow)) collectDefinedVars(rawFlow, ctx.vars);
  else for (const part of ['onStart', 'iteration', 'onStop']) collectDefinedVars((rawFlow as Raw)[part], ctx.vars);

  const feeders = normaliseFeeders((raw.feeders ?? {}) as Raw, ctx, limits.feederHeaderBytes ?? 64 * 1024);
  // Variables may be templates, evaluated once per VU in order: each sees only the ones before it.
  const earlier = new Set<string>();
  for (const [name, value] of Object.entries(variables)) {
    checkTemplates(value, ['variables', name], ctx, { sentAllowed: false, visibleVars: earlier });
    earlier.add(name);
  }
  const connect = normaliseConnect((raw.connect ?? {}) as Raw, ctx);
  const flow = normaliseFlow(rawFlow, ctx);
  const phases = normalisePhases(raw.phases as unknown[], ctx);
  const thresholds = normaliseThresholds((raw.thresholds ?? []) as unknown[], phases, [flow.onStart, flow.iteration, flow.onStop], ctx);
  const server = normaliseServer((raw.server ?? {}) as Raw, ctx);
  const catalogue = normaliseCatalogue(raw.catalogue as string | undefined, ctx);
  const calibrate = normaliseCalibrate(raw.calibrate, server, catalogue, ctx);
  const target = normaliseTarget(raw.target);
  const security = normaliseSecurity(raw, { target, server, connect }, ctx);

  return {
    name: raw.name as string,
    description: (raw.description as string | undefined) ?? DEFAULTS.description,
    source,
    target,
    server,
    catalogue,
    workers: raw.workers === undefined || raw.workers === 'auto' ? DEFAULTS.workers : (raw.workers as number),
    connect,
    ...security,
    variables,
    feeders,
    flow,
    phases,
    thresholds,
    defaultTimeoutMs: ctx.defaultTimeoutMs,
    // Only present when asked for, so scenarios without it keep their exact shape.
    ...(calibrate === undefined ? {} : { calibrate }),
  };
}

const ms = (v: unknown): number => parseDurationMs(v) as number;

/** `host:port` text or `{ host, port, metrics }` → TargetConfig; undefined → null (embedded server). */
export function normaliseTarget(raw: unknown): TargetConfig | null {
  if (raw === undefined) return null;
  if (typeof raw === 'string') {
    const hp = splitHostPort(raw) as { host: string; port: number };
    return { host: hp.host, port: hp.port, metricsUrl: null };
  }
  const t = raw as Raw;
  return { host: t.host as string, port: t.port as number, metricsUrl: (t.metrics as string | undefined) ?? null };
}

function normaliseServer(s: Raw, ctx: CheckContext): EmbeddedServerConfig {
  const command = s.command === undefined ? null : (s.command as (string | number)[]).map(String);
  const options = (s.options ?? {}) as Record<string, string | number | boolean>;
  if (command !== null && Object.keys(options).length > 0) {
    ctx.issue(['server', 'options'], 'options are flags for the reference TestServer; with a command, put the flags into the command instead');
  }
  return {
    processes: s.processes === undefined ? DEFAULTS.server.processes : (parseCount(s.processes) as number),
    options,
    command,
    readyTimeoutMs: s.readyTimeout === undefined ? DEFAULTS.server.readyTimeoutMs : ms(s.readyTimeout),
  };
}

function normaliseCatalogue(raw: string | undefined, ctx: CheckContext): string {
  if (raw === undefined || raw === 'builtin') return DEFAULTS.catalogue;
  const file = resolveFrom(ctx.baseDir, raw);
  const problem = fileProblem(file);
  if (problem !== null) ctx.issue(['catalogue'], `catalogue '${raw}' ${problem} (looked for ${file}; paths are relative to the scenario file; or use 'builtin')`);
  return file;
}

function normaliseConnect(c: Raw, ctx: CheckContext): ConnectConfig {
  const token = (c.token as ValueExpr | undefined) ?? DEFAULTS.connect.token;
  checkTemplates(token, ['connect', 'token'], ctx, { sentAllowed: false });
  return {
    ratePerSec: c.rate === undefined ? DEFAULTS.connect.ratePerSec : (parseCount(c.rate) as number),
    timeoutMs: c.timeout === undefined ? DEFAULTS.connect.timeoutMs : ms(c.timeout),
    clientVersion: (c.clientVersion as number | undefined) ?? DEFAULTS.connect.clientVersion,
    token,
    sourceAddresses: (c.sourceAddresses as string[] | undefined) ?? [],
  };
}

function normaliseFeeders(raw: Raw, ctx: CheckContext, headerBytes: number): FeederConfig[] {
  return Object.entries(raw).map(([name, value]) => {
    const spec = typeof value === 'string' ? { file: value } : (value as Raw);
    const rel = spec.file as string;
    const file = resolveFrom(ctx.baseDir, rel);
    const path = ['feeders', name, ...(typeof value === 'string' ? [] : ['file'])];
    const problem = fileProblem(file);
    if (problem !== null) {
      ctx.issue(path, `feeder file '${rel}' ${problem} (looked for ${file}; paths are relative to the scenario file)`);
      ctx.feeders.set(name, null);
    } else {
      const columns = readCsvHeader(file, headerBytes);
      if (columns.length === 0 || columns.every((c) => c === '')) {
        ctx.issue(path, `feeder file '${rel}' has no header row (the first line must name the columns, e.g. id,name)`);
        ctx.feeders.set(name, null);
      } else {
        ctx.feeders.set(name, columns);
      }
    }
    return { name, file, order: (spec.order as FeederConfig['order'] | undefined) ?? DEFAULTS.feederOrder };
  });
}


/** The column names of a CSV's first line ("quoted, fields" and "" escapes honoured). */
export function readCsvHeader(file: string, maxBytes: number): string[] {
  const fd = openSync(file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(maxBytes);
    const n = readSync(fd, buf, 0, maxBytes, 0);
    text = buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nl = text.search(/\r?\n/);
  return splitCsvLine(nl === -1 ? text : text.slice(0, nl));
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Request names as the metrics see them: a send's `name` (default: packet), `PingReq` for pings. */
export function requestNames(stepLists: readonly (readonly Step[])[], phases: readonly Phase[]): Set<string> {
  const names = new Set<string>();
  const visit = (steps: readonly Step[]): void => {
    for (const s of steps) {
      if (s.kind === 'send') names.add(s.name);
      else if (s.kind === 'ping') names.add('PingReq');
      else if (s.kind === 'loop') visit(s.steps);
    }
  };
  stepLists.forEach(visit);
  for (const p of phases) if (p.executor === 'constant-request-rate') visit([p.request]);
  return names;
}

function normaliseThresholds(raw: readonly unknown[], phases: readonly Phase[], flow: readonly (readonly Step[])[], ctx: CheckContext): ThresholdConfig[] {
  const phaseNames = phases.map((p) => p.name);
  const requests = requestNames(flow, phases);
  const out: ThresholdConfig[] = [];
  raw.forEach((item, i) => {
    const entry = typeof item === 'string' ? { threshold: item } : (item as Raw);
    const expr = entry.threshold as string;
    const path = typeof item === 'string' ? ['thresholds', i] : ['thresholds', i, 'threshold'];
    const config: ThresholdConfig = {
      expr: expr.trim(),
      abortOnFail: (entry.abortOnFail as boolean | undefined) ?? DEFAULTS.threshold.abortOnFail,
      delayAbortEvalMs: entry.delayAbortEval === undefined ? DEFAULTS.threshold.delayAbortEvalMs : ms(entry.delayAbortEval),
      line: ctx.lineOf(['thresholds', i]),
    };
    if (entry.delayAbortEval !== undefined && entry.abortOnFail !== true) {
      ctx.issue(['thresholds', i, 'delayAbortEval'], 'delayAbortEval only applies with abortOnFail: true');
    }
    try {
      config.parsed = parseThreshold(expr);
    } catch (err) {
      if (!(err instanceof ThresholdError)) throw err;
      ctx.issue(path, `threshold '${err.expr}': ${err.detail} (column ${err.column})`);
      out.push(config);
      return;
    }
    const { tags } = config.parsed.query;
    if (tags.phase !== undefined && !phaseNames.includes(tags.phase)) {
      ctx.issue(path, `threshold '${config.expr}': no phase named '${tags.phase}' (phases: ${phaseNames.join(', ')})`);
    }
    if (tags.packet !== undefined && !requests.has(tags.packet)) {
      const known = [...requests];
      ctx.issue(
        path,
        `threshold '${config.expr}': no request named '${tags.packet}' (${known.length === 0 ? 'the flow sends no requests' : `requests: ${known.join(', ')}`}; a send is named by its name or packet, a ping is PingReq)`,
      );
    }
    out.push(config);
  });
  return out;
}
