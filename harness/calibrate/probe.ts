/**
 * The harness side of a `harness` comparison: the project's own load
 * generator — executors, virtual users, connections, the metrics recorder,
 * exactly the code a worker process runs — driving a server with the same
 * load shape the C load-client uses:
 *
 *   ping, K = 1   constant-vus, flow [ping]                (closed loop)
 *   ping, K > 1   constant-request-rate at an unreachable rate with
 *                 maxInFlightPerConnection = K             (K always in flight)
 *   echo          the same with the calibration EchoReq/EchoRes of `size` bytes
 *   handshake     constant-vus, flow [connect, disconnect], no onStart/onStop
 *
 * Every latency is recorded into the HDR histograms as in a real run. The
 * window starts once every connection is open plus the warmup, and is read
 * with two recorder deltas (window start, window end), like the C client's.
 * Runs in its own process (probe-main.ts) so it has a core to itself.
 */
import { PLAIN_TCP } from '../security/client-security.ts';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { BUILTIN_CATALOGUE_PATH, builtinCatalogue, parseCatalogue, type Catalogue } from '../../protocol/catalogue/index.ts';
import { createExecutor } from '../executors/index.ts';
import type { WorkerContext } from '../executors/types.ts';
import type { MetricsDelta } from '../metrics/delta.ts';
import { ERROR_KINDS } from '../metrics/delta.ts';
import { decodeHistogram, summarizeHistogram } from '../metrics/histogram.ts';
import { WorkerRecorder } from '../metrics/worker-recorder.ts';
import { parseScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/types.ts';
import type { LatencySummary, LoadSpec, SideMeasurement } from './types.ts';

/** Ids of the calibration-only echo packets (calibration/src/wire.h); never sent to a TestServer. */
export const ECHO_REQ_ID = 0x0f01;
export const ECHO_RES_ID = 0x0f02;
/** Fixed part of an echo packet: header, clientTime u64, seq u32. */
const ECHO_FIXED = 16;
/** A rate no connection can reach: K in flight is then the only limit (closed loop). */
const UNREACHABLE_RATE_PER_CONNECTION = 10_000_000;
/** How often the probe checks whether every connection is open. */
const OPEN_POLL_MS = 10;

/** The built-in v1 catalogue plus EchoReq/EchoRes of `size` bytes (payload: clientTime, seq, padding). */
export function echoCatalogue(size: number): Catalogue {
  const doc = parseYaml(readFileSync(BUILTIN_CATALOGUE_PATH, 'utf8')) as { catalogue: string; packets: Record<string, unknown> };
  const pad = size - ECHO_FIXED;
  const fields = [
    { name: 'clientTime', type: 'u64' },
    { name: 'seq', type: 'u32' },
    ...(pad > 0 ? [{ name: 'pad', type: 'bytes', length: pad }] : []),
  ];
  doc.catalogue = `game-v1-echo-${size}`;
  doc.packets.EchoReq = { id: ECHO_REQ_ID, direction: 'client', fields };
  doc.packets.EchoRes = { id: ECHO_RES_ID, direction: 'server', fields };
  return parseCatalogue(stringifyYaml(doc), { source: `calibration echo catalogue (${size} bytes)`, baseDir: process.cwd() });
}

/** The scenario a probe runs (built as data, validated by the normal loader). */
export function probeScenario(spec: LoadSpec): Scenario {
  const runMs = Math.ceil(spec.connectTimeoutMs + spec.warmupMs + spec.durationMs + 1000);
  const echoRequest = {
    send: { packet: 'EchoReq', values: { clientTime: '{{ now() }}', seq: '{{ counter(seq) }}', ...(spec.size > ECHO_FIXED ? { pad: [] } : {}) } },
    expect: { packet: 'EchoRes', match: { seq: '{{ sent.seq }}' } },
  };
  const request = spec.mode === 'echo' ? echoRequest : 'ping';
  const phase =
    spec.mode === 'handshake' || spec.inflight === 1
      ? { name: 'probe', executor: 'constant-vus', vus: spec.connections, duration: `${runMs}ms`, gracefulStop: '500ms' }
      : {
          name: 'probe',
          executor: 'constant-request-rate',
          connections: spec.connections,
          rate: spec.connections * UNREACHABLE_RATE_PER_CONNECTION,
          duration: `${runMs}ms`,
          gracefulStop: '500ms',
          request,
        };
  const flow =
    spec.mode === 'handshake'
      ? { onStart: [], iteration: ['connect', 'disconnect'], onStop: [] }
      : spec.inflight === 1
        ? [request]
        : { onStart: ['connect'], iteration: [request], onStop: ['disconnect'] };
  const doc = {
    name: 'calibration-probe',
    target: `${spec.host}:${spec.port}`,
    connect: {
      // Open every connection quickly; the window starts only once they are all open.
      // (handshake mode: no limit worth the name, the server's speed is what is measured).
      rate: spec.mode === 'handshake' ? 10_000_000 : Math.max(5000, spec.connections * 10),
      timeout: `${Math.max(1, spec.connectTimeoutMs)}ms`,
      ...(spec.sourceAddresses.length > 0 ? { sourceAddresses: spec.sourceAddresses } : {}),
    },
    timeout: '30s',
    flow,
    phases: [phase],
  };
  // JSON is YAML: the same loader, defaults and checks as a scenario file.
  return parseScenario(JSON.stringify(doc), 'calibration-probe.yaml');
}

function latencyOf(encoded: string | null): LatencySummary | null {
  if (encoded === null) return null;
  const s = summarizeHistogram(decodeHistogram(encoded));
  return s.count === 0 ? null : { count: s.count, p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, mean: s.mean };
}

/** Reads a window's delta into a side measurement. */
export function measurementFromDelta(delta: MetricsDelta, spec: LoadSpec, connected: number, cpuPercent: number, server: string): SideMeasurement {
  const windowMs = delta.endMs - delta.startMs;
  const errors: Record<string, number> = {};
  ERROR_KINDS.forEach((kind, i) => {
    if (delta.errors[i]! > 0) errors[kind] = delta.errors[i]!;
  });
  let responses: number;
  let latency: LatencySummary | null;
  if (spec.mode === 'handshake') {
    // One handshake-time sample per completed handshake.
    latency = latencyOf(delta.handshakeTime);
    responses = latency?.count ?? 0;
  } else {
    const req = delta.requests.find((r) => r.name === (spec.mode === 'echo' ? 'EchoReq' : 'PingReq'));
    responses = req?.responses ?? 0;
    latency = latencyOf(req?.latencyUncorrected ?? null);
  }
  return {
    generator: 'harness',
    server,
    rate: windowMs > 0 ? (responses / windowMs) * 1000 : 0,
    responses,
    windowMs,
    connected,
    latencyMicros: latency,
    errors,
    generatorCpuPercent: cpuPercent,
    serverCpuPercent: null,
    serverRssBytes: null,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Measures the harness against `spec`'s server in this process; `server`
 * labels it in the result. The signal stops the load early (the result then
 * covers what was measured).
 */
export async function measureHarness(spec: LoadSpec, server: string, signal: AbortSignal): Promise<SideMeasurement> {
  const scenario = probeScenario(spec);
  const catalogue = spec.mode === 'echo' ? echoCatalogue(spec.size) : builtinCatalogue();
  const recorder = new WorkerRecorder(0);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const ctx: WorkerContext = {
    scenario,
    catalogue,
    endpoints: [{ host: spec.host, port: spec.port }],
    security: PLAIN_TCP,
    segment: { index: 0, count: 1 },
    recorder,
    signal: stop.signal,
    feeders: {},
  };
  const phase = scenario.phases[0]!;
  const warnings: string[] = [];
  const executor = createExecutor(phase.executor, {
    maxInFlightPerConnection: Math.max(1, spec.inflight),
    warn: (m) => warnings.push(m),
  });
  const t0 = performance.now();
  const run = executor.run(phase, ctx);
  let connected = spec.connections;
  if (spec.mode !== 'handshake') {
    const deadline = t0 + spec.connectTimeoutMs;
    while (recorder.openSessions < spec.connections && performance.now() < deadline && !stop.signal.aborted) {
      await sleep(OPEN_POLL_MS, stop.signal);
    }
    connected = recorder.openSessions;
  }
  await sleep(spec.warmupMs, stop.signal);
  const startMs = performance.now() - t0;
  recorder.takeDelta(0, startMs, 0, false, null);
  const cpu0 = process.cpuUsage();
  await sleep(spec.durationMs, stop.signal);
  const cpu = process.cpuUsage(cpu0);
  const endMs = performance.now() - t0;
  const delta = recorder.takeDelta(startMs, endMs, 0, true, null);
  stop.abort();
  await run.catch(() => undefined);
  signal.removeEventListener('abort', onAbort);
  recorder.dispose();
  const cpuPercent = endMs > startMs ? ((cpu.user + cpu.system) / 1000 / (endMs - startMs)) * 100 : 0;
  const m = measurementFromDelta(delta, spec, connected, cpuPercent, server);
  if (warnings.length > 0) m.errors.warnings = warnings.length;
  return m;
}
