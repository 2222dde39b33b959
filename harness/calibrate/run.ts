/**
 * One calibration: build the C programs, start the C pong-server (and a
 * TestServer when a comparison needs our server and the run has no target),
 * then for each comparison measure `repeats` pairs back to back — the order
 * alternating (ours first, then the reference first, …) so a drift in the
 * machine's load does not favour one side — and summarise the ratios.
 *
 *   build ─▶ servers ─▶ comparison 1: pair 1 (ref, ours) pair 2 (ours, ref) pair 3 (ref, ours)
 *                       comparison 2: …                                     ─▶ stop servers ─▶ report
 *
 * Never throws: a missing compiler gives status `skipped`, a failure
 * `error`, Ctrl-C `interrupted` — each with its NMT_CAL_* code and message,
 * and whatever was measured until then. Servers started here are always
 * stopped.
 */
import { join } from 'node:path';
import { readProc } from '../metrics/server-monitor.ts';
import { optionFlags } from '../runner/embedded-servers.ts';
import { testServerLaunch } from '../runner/server-bundle.ts';
import { CALIBRATION_PING_SIZE } from '../scenario/calibrate.ts';
import type { CalibrateConfig, CalibrationCompare } from '../scenario/types.ts';
import { buildCalibrationTools, type CalibrationTools } from './build.ts';
import { runLoadClient } from './c-client.ts';
import { CalibrationError, CalibrationErrorCode } from './errors.ts';
import { pairRatio, summariseComparison, type SideLabels } from './fractions.ts';
import { runHarnessProbe } from './probe-process.ts';
import { startCalibrationServer, type CalibrationServer } from './server-process.ts';
import type { CalibrationReport, ComparisonResult, LoadSpec, PairResult, SideMeasurement } from './types.ts';

/** Options of {@link runCalibration}. */
export interface CalibrationOptions {
  config: CalibrateConfig;
  /** Project root: calibration/ sources, TestServer and probe scripts. */
  projectRoot: string;
  /** The server that `server`/`handshake` comparisons measure; null = start a reference TestServer. */
  target?: { host: string; port: number } | null;
  /** Flags for the TestServer started here (scenario `server.options`). `rateLimitPerSecond` defaults to 0 (off) — the C server has no limit. */
  serverOptions?: Readonly<Record<string, string | number | boolean>>;
  /** Local addresses to connect from (scenario `connect.sourceAddresses`). */
  sourceAddresses?: readonly string[];
  /** Longest time to open every connection of a measurement (ms). Default 30 s. */
  connectTimeoutMs?: number;
  /** How long servers may take to print their ready line (ms). Default 30 s. */
  readyTimeoutMs?: number;
  /** Stops calibration (Ctrl-C): running measurements end, servers are stopped. */
  signal?: AbortSignal;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Already built programs (tests); default: build them now. */
  tools?: CalibrationTools;
}

const REFERENCE_SERVER = 'C pong-server';
const REFERENCE_CLIENT = 'C load-client';

function labels(c: CalibrationCompare, ourServer: string): SideLabels {
  if (c.kind === 'harness') {
    return { subject: `harness → ${REFERENCE_SERVER}`, reference: `${REFERENCE_CLIENT} → ${REFERENCE_SERVER}` };
  }
  const what = c.kind === 'handshake' ? ' (connect + SessionConnect + close loops)' : '';
  return { subject: `${REFERENCE_CLIENT} → ${ourServer}${what}`, reference: `${REFERENCE_CLIENT} → ${REFERENCE_SERVER}${what}` };
}

/** Formats a rate like 123456 → "123k/s". */
export function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M/s`;
  if (rate >= 1e4) return `${Math.round(rate / 1e3)}k/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k/s`;
  return `${Math.round(rate)}/s`;
}

/**
 * The TestServer's argv, as the embedded servers start it (the bundled
 * server with its V8 flags, or tsx when bundling failed: `nodeArgs` from
 * server-bundle.ts), plus `options`.
 */
export function testServerArgs(
  projectRoot: string,
  options: Readonly<Record<string, string | number | boolean>>,
  nodeArgs: readonly string[] = ['--import', 'tsx', join(projectRoot, 'reference-server', 'test-server', 'main.ts')],
): string[] {
  const merged: Record<string, string | number | boolean> = { rateLimitPerSecond: 0, ...options };
  const hasLogLevel = Object.keys(merged).includes('logLevel');
  return [
    ...nodeArgs,
    '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--ready-json',
    ...(hasLogLevel ? [] : ['--log-level', 'warn']),
    ...optionFlags(merged),
  ];
}

function emptyReport(config: CalibrateConfig, startedAt: Date): CalibrationReport {
  return {
    status: 'measured',
    code: null,
    message: null,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    warmupMs: config.warmupMs,
    windowMs: config.durationMs,
    repeats: config.repeats,
    servers: [],
    comparisons: [],
  };
}

/**
 * Problems with a configuration built in code (scenarios are checked by the
 * loader with the same ranges): empty when it can run.
 */
export function configProblems(config: CalibrateConfig): string[] {
  const problems: string[] = [];
  const int = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;
  if (!(config.warmupMs >= 0 && Number.isFinite(config.warmupMs))) problems.push(`warmupMs must be ≥ 0, got ${config.warmupMs}`);
  if (!(config.durationMs > 0 && Number.isFinite(config.durationMs))) problems.push(`durationMs must be > 0, got ${config.durationMs}`);
  if (!int(config.repeats, 1, 100)) problems.push(`repeats must be an integer 1–100, got ${config.repeats}`);
  if (config.compare.length === 0) problems.push('compare lists no comparison');
  const names = new Set<string>();
  config.compare.forEach((c, i) => {
    if (names.has(c.name)) problems.push(`compare[${i}]: name '${c.name}' is used twice`);
    names.add(c.name);
    if (!int(c.connections, 1, 1_000_000)) problems.push(`compare[${i}] (${c.name}): connections must be an integer 1–1000000, got ${c.connections}`);
    if (!int(c.inflight, 1, 4096)) problems.push(`compare[${i}] (${c.name}): inflight must be an integer 1–4096, got ${c.inflight}`);
    if (!int(c.size, 16, 65535)) problems.push(`compare[${i}] (${c.name}): size must be an integer 16–65535, got ${c.size}`);
    if (c.size !== CALIBRATION_PING_SIZE && c.kind !== 'harness') problems.push(`compare[${i}] (${c.name}): only harness comparisons take a size other than ${CALIBRATION_PING_SIZE}`);
  });
  return problems;
}

/** Runs every comparison of `options.config`; see the module comment. */
export async function runCalibration(options: CalibrationOptions): Promise<CalibrationReport> {
  const started = new Date();
  const t0 = performance.now();
  const config = options.config;
  const log = options.log ?? (() => undefined);
  const report = emptyReport(config, started);
  const servers: CalibrationServer[] = [];
  const done = new Set<string>();
  const ourLabel = options.target ? `${options.target.host}:${options.target.port}` : 'TestServer';
  const finish = (status: CalibrationReport['status'], err: CalibrationError | null): CalibrationReport => {
    report.status = status;
    report.code = err?.code ?? null;
    report.message = err?.message ?? null;
    // Comparisons that never ran still appear, so a target that could not be checked fails visibly.
    for (const c of config.compare) {
      if (done.has(c.name)) continue;
      const why =
        err === null
          ? 'not run'
          : status === 'skipped'
            ? err.message
            : status === 'interrupted'
              ? 'not run: calibration interrupted'
              : `not run: ${err.message.split('\n')[0]}`;
      report.comparisons.push(summariseComparison(c, labels(c, ourLabel), [], why));
    }
    report.durationMs = Math.round(performance.now() - t0);
    return report;
  };
  try {
    const problems = configProblems(config);
    if (problems.length > 0) {
      throw new CalibrationError(CalibrationErrorCode.INVALID_CONFIG, `invalid calibration settings: ${problems.join('; ')}`);
    }
    const tools = options.tools ?? (await buildCalibrationTools({ projectRoot: options.projectRoot }));
    const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    const reference = await startCalibrationServer({
      what: REFERENCE_SERVER,
      command: tools.pongServer,
      args: ['--host', '127.0.0.1', '--port', '0'],
      cwd: options.projectRoot,
      readyTimeoutMs,
    });
    servers.push(reference);
    let ours: { host: string; port: number; label: string; process: CalibrationServer | null } | null = null;
    const target = options.target ?? null;
    if (config.compare.some((c) => c.kind !== 'harness')) {
      if (target !== null) {
        ours = { host: target.host, port: target.port, label: `${target.host}:${target.port}`, process: null };
      } else {
        const ts = await startCalibrationServer({
          what: 'TestServer',
          command: process.execPath,
          // The same process `npm run bench` starts: bundled, with a capped young generation.
          args: testServerArgs(options.projectRoot, options.serverOptions ?? {}, (await testServerLaunch(options.projectRoot)).nodeArgs),
          cwd: options.projectRoot,
          readyTimeoutMs,
        });
        servers.push(ts);
        ours = { host: ts.host, port: ts.port, label: 'TestServer', process: ts };
      }
    }
    report.servers = servers.map((s) => ({ what: s.what, pid: s.pid, host: s.host, port: s.port, argv: s.argv }));
    log(`calibration: ${REFERENCE_SERVER} pid ${reference.pid} on ${reference.host}:${reference.port}${ours?.process ? `, TestServer pid ${ours.process.pid} on ${ours.host}:${ours.port}` : ''}`);

    for (const c of config.compare) {
      if (options.signal?.aborted === true) throw new CalibrationError(CalibrationErrorCode.INTERRUPTED, 'calibration interrupted');
      const { result, interrupted } = await runComparison(c, { tools, options, reference, ours, log });
      report.comparisons.push(result);
      done.add(c.name);
      if (interrupted) throw new CalibrationError(CalibrationErrorCode.INTERRUPTED, 'calibration interrupted (Ctrl-C / SIGTERM)');
    }
    return finish('measured', null);
  } catch (err) {
    if (!(err instanceof CalibrationError)) throw err;
    const status = err.code === CalibrationErrorCode.NO_COMPILER ? 'skipped' : err.code === CalibrationErrorCode.INTERRUPTED ? 'interrupted' : 'error';
    log(`calibration ${status}: ${err.message}`);
    return finish(status, err);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Runs a measurement and adds the serving process's CPU share and RSS over it (from /proc). */
async function withServerUsage(pid: number | null, measure: () => Promise<SideMeasurement>): Promise<SideMeasurement> {
  const before = pid === null ? null : readProc(pid);
  const t0 = performance.now();
  const m = await measure();
  const after = pid === null ? null : readProc(pid);
  const elapsed = (performance.now() - t0) / 1000;
  if (before !== null && after !== null && elapsed > 0) {
    m.serverCpuPercent = ((after.cpuSeconds - before.cpuSeconds) / elapsed) * 100;
    m.serverRssBytes = after.rssBytes;
  }
  return m;
}

interface ComparisonEnv {
  tools: CalibrationTools;
  options: CalibrationOptions;
  reference: CalibrationServer;
  ours: { host: string; port: number; label: string; process: CalibrationServer | null } | null;
  log: (line: string) => void;
}

/**
 * Measures one comparison's pairs. A failure ends the comparison with a
 * problem; an interrupt too, keeping the pairs measured so far, and says so.
 */
async function runComparison(c: CalibrationCompare, env: ComparisonEnv): Promise<{ result: ComparisonResult; interrupted: boolean }> {
  const { config } = env.options;
  const ourLabel = env.ours?.label ?? 'our server';
  const lab = labels(c, ourLabel);
  const base: Omit<LoadSpec, 'host' | 'port'> = {
    mode: c.kind === 'handshake' ? 'handshake' : c.size > CALIBRATION_PING_SIZE ? 'echo' : 'ping',
    connections: c.connections,
    inflight: c.inflight,
    size: c.size,
    warmupMs: config.warmupMs,
    durationMs: config.durationMs,
    connectTimeoutMs: env.options.connectTimeoutMs ?? 30_000,
    sourceAddresses: [...(env.options.sourceAddresses ?? [])],
  };
  const refSpec: LoadSpec = { ...base, host: env.reference.host, port: env.reference.port };
  const signal = env.options.signal;
  const measureReference = (): Promise<SideMeasurement> =>
    withServerUsage(env.reference.pid, () => runLoadClient(env.tools, refSpec, REFERENCE_SERVER, signal));
  const measureSubject = (): Promise<SideMeasurement> => {
    if (c.kind === 'harness') {
      return withServerUsage(env.reference.pid, () => runHarnessProbe(env.options.projectRoot, refSpec, REFERENCE_SERVER, signal));
    }
    const ours = env.ours!;
    return withServerUsage(ours.process?.pid ?? null, () => runLoadClient(env.tools, { ...base, host: ours.host, port: ours.port }, ours.label, signal));
  };
  const pairs: PairResult[] = [];
  try {
    for (let r = 0; r < config.repeats; r++) {
      const referenceFirst = r % 2 === 0;
      let reference: SideMeasurement;
      let subject: SideMeasurement;
      if (referenceFirst) {
        reference = await measureReference();
        subject = await measureSubject();
      } else {
        subject = await measureSubject();
        reference = await measureReference();
      }
      for (const s of [env.reference, env.ours?.process ?? null]) {
        if (s !== null && s.isExited) {
          throw new CalibrationError(CalibrationErrorCode.START_FAILED, `${s.what} (pid ${s.pid}) exited during calibration; its last output:\n${s.stderrTail()}`);
        }
      }
      const ratio = pairRatio(subject, reference);
      pairs.push({ repeat: r, firstSide: referenceFirst ? 'reference' : 'subject', reference, subject, ratio });
      env.log(
        `calibrate ${c.name} pair ${r + 1}/${config.repeats}: ${lab.subject} ${formatRate(subject.rate)}, ` +
          `${lab.reference} ${formatRate(reference.rate)}, ratio ${ratio === null ? 'n/a' : ratio.toFixed(3)}`,
      );
    }
  } catch (err) {
    if (!(err instanceof CalibrationError)) throw err;
    const interrupted = err.code === CalibrationErrorCode.INTERRUPTED;
    const why = interrupted ? `interrupted after ${pairs.length} of ${config.repeats} pair(s)` : err.message;
    return { result: summariseComparison(c, lab, pairs, why), interrupted };
  }
  return { result: summariseComparison(c, lab, pairs), interrupted: false };
}
