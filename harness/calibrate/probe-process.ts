/**
 * Runs the harness probe (probe.ts) in a process of its own, as the
 * coordinator runs workers: `node --import tsx harness/calibrate/probe-main.ts`.
 * A separate process gets a core of its own, like a worker, and starts
 * cold each time, like a worker.
 */
import { join } from 'node:path';
import { childFailure } from './c-client.ts';
import { CalibrationErrorCode } from './errors.ts';
import { lastJsonLine, runChild } from './run-child.ts';
import type { LoadSpec, SideMeasurement } from './types.ts';

/** tsx compiles the probe on start-up: allow for it on a busy machine. */
const STARTUP_SLACK_MS = 60_000;

function isMeasurement(v: Record<string, unknown>): v is Record<string, unknown> & SideMeasurement {
  return (
    typeof v.rate === 'number' &&
    typeof v.responses === 'number' &&
    typeof v.windowMs === 'number' &&
    typeof v.connected === 'number' &&
    typeof v.errors === 'object' &&
    v.errors !== null
  );
}

/** Measures the harness against `spec`'s server; `server` labels it. Rejects with a CalibrationError. */
export async function runHarnessProbe(projectRoot: string, spec: LoadSpec, server: string, signal?: AbortSignal): Promise<SideMeasurement> {
  const script = join(projectRoot, 'harness', 'calibrate', 'probe-main.ts');
  const args = ['--import', 'tsx', script, JSON.stringify({ spec, server })];
  const timeoutMs = spec.connectTimeoutMs + spec.warmupMs + spec.durationMs + STARTUP_SLACK_MS;
  const what = `harness probe (${spec.mode}, ${spec.connections} connections, ${spec.inflight} in flight, against ${server})`;
  const outcome = await runChild({ command: process.execPath, args, cwd: projectRoot, timeoutMs, ...(signal === undefined ? {} : { signal }) });
  if (outcome.code !== 0 || outcome.stoppedBy !== null) throw childFailure(what, outcome, timeoutMs, CalibrationErrorCode.PROBE_FAILED);
  const json = lastJsonLine(outcome.stdout);
  if (json === null || !isMeasurement(json)) {
    throw childFailure(what, outcome, timeoutMs, CalibrationErrorCode.PROBE_FAILED, 'printed no valid JSON result');
  }
  return json;
}
