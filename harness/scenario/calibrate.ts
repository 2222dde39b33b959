/**
 * The `calibrate:` block (schema-valid data) → {@link CalibrateConfig}:
 * defaults from defaults.ts, names filled in, and the checks the schema
 * cannot express. `calibrate: false` (or absent) → undefined.
 *
 *   calibrate: true                           the default comparisons, report only
 *   calibrate:
 *     duration: 5s
 *     compare:
 *       - { kind: server, inflight: 16, minRatio: 0.65 }
 */
import type { CheckContext } from './check-context.ts';
import { DEFAULTS } from './defaults.ts';
import type { CalibrateConfig, CalibrationCompare, CalibrationKind, EmbeddedServerConfig } from './types.ts';
import { parseCount, parseDurationMs } from './units.ts';

type Raw = Record<string, unknown>;

/** Size of a PingReq: comparisons of this size use ping; larger ones the calibration echo packet. */
export const CALIBRATION_PING_SIZE = DEFAULTS.calibrate.size;

/** The default name of a comparison: `server-c100-k16`, `harness-c100-k1-s1024`. */
export function comparisonName(kind: CalibrationKind, connections: number, inflight: number, size: number): string {
  if (kind === 'handshake') return `handshake-c${connections}`;
  return `${kind}-c${connections}-k${inflight}${size === CALIBRATION_PING_SIZE ? '' : `-s${size}`}`;
}

/**
 * The defaults `calibrate: true` and the CLI's `--calibrate` run, with
 * `connections` for every comparison.
 */
export function defaultCalibrateConfig(connections: number = DEFAULTS.calibrate.connections): CalibrateConfig {
  const d = DEFAULTS.calibrate;
  return {
    warmupMs: d.warmupMs,
    durationMs: d.durationMs,
    repeats: d.repeats,
    compare: d.compare.map((c) => ({
      name: comparisonName(c.kind, connections, c.inflight, d.size),
      kind: c.kind,
      connections,
      inflight: c.inflight,
      size: d.size,
      minRatio: null,
    })),
  };
}

/**
 * Normalises `raw` (the value of `calibrate`, schema-valid). Checks:
 * unique names; handshake has no in-flight or size option; a size above a
 * PingReq only for `harness` (the TestServer has no echo packet); `server`
 * and `handshake` need a v1 server (not `server.command`, builtin catalogue).
 */
export function normaliseCalibrate(
  raw: unknown,
  server: EmbeddedServerConfig,
  catalogue: string,
  ctx: CheckContext,
): CalibrateConfig | undefined {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true) return defaultCalibrateConfig();
  const r = raw as Raw;
  const d = DEFAULTS.calibrate;
  const connections = r.connections === undefined ? d.connections : (parseCount(r.connections) as number);
  const base = defaultCalibrateConfig(connections);
  const compare =
    r.compare === undefined ? base.compare : (r.compare as unknown[]).map((item, i) => compareEntry(item, i, connections, ctx));
  const seen = new Map<string, number>();
  compare.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) {
      ctx.issue(['calibrate', 'compare', i], `comparison name '${c.name}' is used twice (also compare[${first}]); give one a distinct name`);
    } else seen.set(c.name, i);
    if (c.kind !== 'harness' && (server.command !== null || catalogue !== DEFAULTS.catalogue)) {
      ctx.issue(
        ['calibrate', 'compare', i],
        `a '${c.kind}' comparison drives the server with the C load-client, which speaks wire protocol v1 only: ` +
          'it needs the reference TestServer or a v1 target (no server.command, catalogue: builtin)',
      );
    }
  });
  return {
    warmupMs: r.warmup === undefined ? d.warmupMs : (parseDurationMs(r.warmup) as number),
    durationMs: r.duration === undefined ? d.durationMs : (parseDurationMs(r.duration) as number),
    repeats: r.repeats === undefined ? d.repeats : (parseCount(r.repeats) as number),
    compare,
  };
}

function compareEntry(item: unknown, i: number, connections: number, ctx: CheckContext): CalibrationCompare {
  const e: Raw = typeof item === 'string' ? { kind: item } : (item as Raw);
  const kind = e.kind as CalibrationKind;
  const path = ['calibrate', 'compare', i];
  if (kind === 'handshake') {
    if (e.inflight !== undefined) ctx.issue([...path, 'inflight'], 'a handshake comparison has no requests in flight (each connect loop does one handshake at a time)');
    if (e.size !== undefined) ctx.issue([...path, 'size'], 'a handshake comparison has no request size');
  } else if (kind === 'server' && e.size !== undefined && e.size !== CALIBRATION_PING_SIZE) {
    ctx.issue([...path, 'size'], `only 'harness' comparisons take a size: the TestServer answers PingReq (${CALIBRATION_PING_SIZE} bytes) only`);
  }
  const conns = e.connections === undefined ? connections : (parseCount(e.connections) as number);
  const inflight = kind === 'handshake' || e.inflight === undefined ? DEFAULTS.calibrate.inflight : (parseCount(e.inflight) as number);
  const size = kind === 'harness' && e.size !== undefined ? (e.size as number) : CALIBRATION_PING_SIZE;
  return {
    name: (e.name as string | undefined) ?? comparisonName(kind, conns, inflight, size),
    kind,
    connections: conns,
    inflight,
    size,
    minRatio: (e.minRatio as number | undefined) ?? null,
  };
}
