/**
 * Runs the C load-client for one measurement and reads its JSON result
 * (format in calibration/src/load-client.c). Any failure — bad exit, no
 * JSON, missing fields — is a {@link CalibrationError} NMT_CAL_CLIENT_FAILED
 * quoting its stderr; a deadline is NMT_CAL_TIMEOUT; the signal is
 * NMT_CAL_INTERRUPTED.
 */
import type { CalibrationTools } from './build.ts';
import { CalibrationError, CalibrationErrorCode } from './errors.ts';
import { lastJsonLine, runChild, type ChildOutcome } from './run-child.ts';
import type { LatencySummary, LoadSpec, SideMeasurement } from './types.ts';

/** Slack on top of connect timeout + warmup + window before a run is declared hung. */
const DEADLINE_SLACK_MS = 30_000;

/** The load-client's argv for a spec. */
export function loadClientArgs(spec: LoadSpec): string[] {
  const args = [
    '--host', spec.host,
    '--port', String(spec.port),
    '--mode', spec.mode,
    '--connections', String(spec.connections),
    '--inflight', String(spec.inflight),
    '--warmup-ms', String(spec.warmupMs),
    '--duration-ms', String(spec.durationMs),
    '--connect-timeout-ms', String(spec.connectTimeoutMs),
  ];
  if (spec.mode === 'echo') args.push('--size', String(spec.size));
  if (spec.sourceAddresses.length > 0) args.push('--source-addresses', spec.sourceAddresses.join(','));
  return args;
}

function num(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}.${key} is not a number (${JSON.stringify(v)})`);
  return v;
}

/** Parses the load-client's JSON result into a {@link SideMeasurement}; throws Error naming the bad field. */
export function parseLoadClientResult(o: Record<string, unknown>, server: string): SideMeasurement {
  const lat = o.latencyMicros;
  const errs = o.errors;
  if (lat === null || typeof lat !== 'object') throw new Error('latencyMicros is missing');
  if (errs === null || typeof errs !== 'object') throw new Error('errors is missing');
  const l = lat as Record<string, unknown>;
  const e = errs as Record<string, unknown>;
  const count = num(l, 'count', 'latencyMicros');
  const latency: LatencySummary | null =
    count === 0
      ? null
      : { count, p50: num(l, 'p50', 'latencyMicros'), p90: num(l, 'p90', 'latencyMicros'), p99: num(l, 'p99', 'latencyMicros'), max: num(l, 'max', 'latencyMicros'), mean: num(l, 'mean', 'latencyMicros') };
  const errors: Record<string, number> = {};
  for (const key of ['connect', 'closed', 'rejected', 'protocol', 'timeout']) errors[key] = num(e, key, 'errors');
  return {
    generator: 'C load-client',
    server,
    rate: num(o, 'rps', 'result'),
    responses: num(o, 'responses', 'result'),
    windowMs: num(o, 'windowMs', 'result'),
    connected: num(o, 'connected', 'result'),
    latencyMicros: latency,
    errors,
    generatorCpuPercent: num(o, 'cpuPercent', 'result'),
    serverCpuPercent: null,
    serverRssBytes: null,
  };
}

/** Maps a failed child run to a CalibrationError. */
export function childFailure(
  what: string,
  outcome: ChildOutcome,
  timeoutMs: number,
  code: CalibrationErrorCode,
  detail: string | null = null,
): CalibrationError {
  const tail = outcome.stderrTail;
  const quote = tail === '' ? '' : `; its last output:\n${tail}`;
  if (outcome.stoppedBy === 'abort') return new CalibrationError(CalibrationErrorCode.INTERRUPTED, 'calibration interrupted (Ctrl-C / SIGTERM)');
  if (outcome.stoppedBy === 'timeout') {
    return new CalibrationError(CalibrationErrorCode.TIMEOUT, `${what} did not finish within ${timeoutMs} ms${quote}`, tail || null);
  }
  if (outcome.spawnError !== null) return new CalibrationError(code, `${what} could not be started: ${outcome.spawnError}`);
  const how = outcome.signal !== null ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
  return new CalibrationError(code, `${what} ${detail ?? how}${quote}`, tail || null);
}

/** One load-client run against `server` (a label for reports). */
export async function runLoadClient(
  tools: CalibrationTools,
  spec: LoadSpec,
  server: string,
  signal?: AbortSignal,
): Promise<SideMeasurement> {
  const args = loadClientArgs(spec);
  const timeoutMs = spec.connectTimeoutMs + spec.warmupMs + spec.durationMs + DEADLINE_SLACK_MS;
  const what = `C load-client (${[tools.loadClient, ...args].join(' ')})`;
  const outcome = await runChild({ command: tools.loadClient, args, cwd: process.cwd(), timeoutMs, ...(signal === undefined ? {} : { signal }) });
  if (outcome.code !== 0 || outcome.stoppedBy !== null) throw childFailure(what, outcome, timeoutMs, CalibrationErrorCode.CLIENT_FAILED);
  const json = lastJsonLine(outcome.stdout);
  if (json === null) throw childFailure(what, outcome, timeoutMs, CalibrationErrorCode.CLIENT_FAILED, 'printed no JSON result');
  try {
    return parseLoadClientResult(json, server);
  } catch (err) {
    throw childFailure(what, outcome, timeoutMs, CalibrationErrorCode.CLIENT_FAILED, `printed an unusable result: ${(err as Error).message}`);
  }
}
