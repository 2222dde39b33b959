/**
 * Loading a scenario: read → YAML (with lines) → schema → normalise and
 * semantic checks → overrides → deep freeze. Every problem found on the way
 * is collected and thrown together as one {@link ScenarioError}.
 *
 *   file ──read──▶ text ──readYaml──▶ data + lineOf ──checkSchema──▶ issues?
 *                                          │                          │
 *                                          ▼                          ▼
 *                                 normaliseScenario ──▶ Scenario ──▶ overrides ──▶ freeze
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createCheckContext } from './check-context.ts';
import { ScenarioError, ScenarioErrorCode } from './errors.ts';
import type { ScenarioIssue } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import { normaliseScenario } from './normalise.ts';
import { applyDurationOverride } from './override.ts';
import { checkSchema } from './schema-check.ts';
import { splitHostPort } from './schema-keywords.ts';
import type { Scenario, TransportKind } from './types.ts';
import { formatPath, readYaml } from './yaml-source.ts';

/** Command-line overrides applied after validation. */
export interface ScenarioOverrides {
  /** `host:port` replacing the scenario's target (metrics URL dropped unless the scenario's target has the same host:port). */
  target?: string;
  /** Total run time: sets a single constant phase's duration, else scales all phases (see override.ts). */
  durationMs?: number;
  /** Replaces `transport:`; `tls:`/`ws:` blocks the new transport does not use are then ignored. */
  transport?: TransportKind;
}

/** Limits of the loader, each with a default far above real scenarios. */
export interface LoadLimits {
  /** Largest scenario file accepted. Default 1 MiB. */
  maxFileBytes?: number;
  /** YAML alias expansions allowed. Default 100. */
  maxAliasCount?: number;
  /** Bytes read from each feeder CSV to find its header. Default 64 KiB. */
  feederHeaderBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * Reads and validates the scenario file at `path`. Throws {@link ScenarioError}
 * with code `NMT_SCENARIO_UNREADABLE` when the file cannot be read and
 * `NMT_SCENARIO_INVALID` (with every issue and its line) when it is wrong.
 * The returned Scenario is deep-frozen.
 */
export function loadScenario(path: string, overrides: ScenarioOverrides = {}, limits: LoadLimits = {}): Scenario {
  const maxBytes = limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw unreadable(path, `${path} is not a file`);
    if (st.size > maxBytes) throw unreadable(path, `${path} is ${st.size} bytes; scenarios are limited to ${maxBytes} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw unreadable(path, `cannot read scenario ${path}: ${why}`);
  }
  return parseScenario(text, path, overrides, limits);
}

function unreadable(path: string, message: string): ScenarioError {
  return new ScenarioError(ScenarioErrorCode.UNREADABLE, path, [{ path: '', line: null, message }], message);
}

/**
 * Validates scenario YAML `text`. `source` names it in issues and locates
 * relative paths (catalogue, feeders are resolved from `dirname(source)`).
 * Throws {@link ScenarioError} (`NMT_SCENARIO_INVALID`) listing every issue.
 */
export function parseScenario(text: string, source: string, overrides: ScenarioOverrides = {}, limits: LoadLimits = {}): Scenario {
  const absolute = resolve(source);
  const yaml = readYaml(text, limits.maxAliasCount === undefined ? {} : { maxAliasCount: limits.maxAliasCount });
  if (yaml.syntaxIssues.length > 0) throw invalid(source, yaml.syntaxIssues);
  if (overrides.transport !== undefined) overrideTransport(yaml.data, overrides.transport);

  const schemaIssues: ScenarioIssue[] = checkSchema(yaml.data).map((i) => ({
    path: formatPath(i.path),
    line: yaml.lineOf(i.path, i.atKey),
    message: i.message,
  }));
  const ctx = createCheckContext(yaml.lineOf, dirname(absolute));
  const normaliseLimits = limits.feederHeaderBytes === undefined ? {} : { feederHeaderBytes: limits.feederHeaderBytes };

  if (schemaIssues.length > 0) {
    // Still run the semantic checks (templates, thresholds, feeders…) so one
    // pass reports everything; they may trip over the invalid parts, so keep
    // only their issues about places the schema found nothing wrong with.
    if (yaml.data !== null && typeof yaml.data === 'object' && !Array.isArray(yaml.data)) {
      try {
        normaliseScenario(yaml.data as Record<string, unknown>, absolute, ctx, normaliseLimits);
      } catch {
        // Invalid structure the normaliser cannot walk: the schema issues say why.
      }
    }
    const extra = ctx.issues.filter((i) => !schemaIssues.some((s) => overlaps(s.path, i.path)));
    throw invalid(source, [...schemaIssues, ...extra]);
  }

  const scenario = normaliseScenario(yaml.data as Record<string, unknown>, absolute, ctx, normaliseLimits);
  applyOverrides(scenario, overrides, ctx.issues);
  if (ctx.issues.length > 0) throw invalid(source, ctx.issues);
  return deepFreeze(scenario);
}

/** `--transport`: set before validation, so the scenario is checked as it will run. */
function overrideTransport(data: unknown, transport: TransportKind): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return;
  const doc = data as Record<string, unknown>;
  doc.transport = transport;
  if (transport !== 'tls' && transport !== 'wss') delete doc.tls;
  if (transport !== 'ws' && transport !== 'wss') delete doc.ws;
}

function applyOverrides(scenario: Scenario, overrides: ScenarioOverrides, issues: ScenarioIssue[]): void {
  if (overrides.target !== undefined) {
    const hp = splitHostPort(overrides.target);
    if (hp === undefined) {
      issues.push({ path: '(--target)', line: null, message: `'${overrides.target}' must be host:port with a port 1-65535 (e.g. 127.0.0.1:7000)` });
    } else {
      const keepMetrics = scenario.target !== null && scenario.target.host === hp.host && scenario.target.port === hp.port;
      scenario.target = { ...hp, metricsUrl: keepMetrics ? (scenario.target?.metricsUrl ?? null) : null };
      if (scenario.auth?.key.kind === 'generate') {
        issues.push({ path: 'auth', line: null, message: 'with --target, auth needs secret, secretEnv or keyFile: a key generated for the run can only be handed to the TestServer the harness starts itself' });
      }
    }
  }
  if (overrides.durationMs !== undefined) {
    const problem = applyDurationOverride(scenario.phases, overrides.durationMs);
    if (problem !== null) issues.push({ path: '(--duration)', line: null, message: problem });
  }
}

/** True when one path is the other or contains it (`phases[0]` and `phases[0].vus`); root issues overlap nothing. */
function overlaps(a: string, b: string): boolean {
  const within = (outer: string, inner: string): boolean =>
    outer !== '' && (inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`));
  return within(a, b) || within(b, a);
}

function invalid(source: string, issues: ScenarioIssue[]): ScenarioError {
  const sorted = [...issues].sort((x, y) => (x.line ?? Number.MAX_SAFE_INTEGER) - (y.line ?? Number.MAX_SAFE_INTEGER));
  return new ScenarioError(ScenarioErrorCode.INVALID, source, sorted);
}
