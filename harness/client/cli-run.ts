/**
 * The TestClient CLI as a function: parse flags, open the connections,
 * handshake, run the pings, print the summary. Returns the exit code instead
 * of exiting, so tests run it in-process; main.ts only wires process I/O.
 *
 *   parse ─▶ read files, keys (cli-security.ts) ─▶ connect ×c ─▶ handshake ×c ─▶ pingMany ×c ─▶ summary
 *                                            │ onRtt ─▶ one shared HDR histogram
 *                                            └ 1 s tick ─▶ progress line (stderr)
 */
import type { Histogram } from 'hdr-histogram-js';
import { type ClientCliOptions, clientHelpText, parseClientArgs } from './cli-args.ts';
import { type CliSecurity, loadCliSecurity } from './cli-security.ts';
import type { ClientTransport } from './client-options.ts';
import { ClientError, ClientErrorCode, UsageError } from './errors.ts';
import { createRttHistogram, recordRtt, type RttSummary, summarizeRtt } from './rtt-stats.ts';
import { TestClient, formatEndpoint } from './test-client.ts';

/** Exit codes of the CLI (documented in docs/client.md and --help). */
export const ExitCode = {
  Ok: 0,
  /** Connection, handshake, protocol or timeout failure. */
  Failed: 1,
  /** Bad flags. */
  Usage: 2,
  /** Stopped by SIGINT/SIGTERM; partial results were printed. */
  Interrupted: 130,
} as const;

/** Where the CLI writes; each call is one line without its newline. */
export interface CliIO {
  stdout(line: string): void;
  stderr(line: string): void;
}

/** The `--json` result. */
export interface ClientCliResult {
  endpoint: string;
  transport: ClientTransport;
  /** TLS handshake time over the connections, ms (3 decimals); null for tcp and ws. */
  tlsHandshakeMs: { min: number; mean: number; max: number } | null;
  connections: number;
  inFlight: number;
  intervalMs: number;
  /** Pongs received (equals the requested count unless interrupted). */
  count: number;
  requested: number;
  elapsedMs: number;
  pingsPerSec: number;
  rttMicros: RttSummary;
  interrupted: boolean;
}

/** Runs the CLI with `argv` (flags only). `signal` aborts the run (Ctrl-C) and prints partial results. */
export async function runClientCli(argv: readonly string[], io: CliIO, signal?: AbortSignal): Promise<number> {
  let opts: ClientCliOptions;
  let security: CliSecurity;
  try {
    opts = parseClientArgs(argv);
    if (opts.help) {
      io.stdout(clientHelpText());
      return ExitCode.Ok;
    }
    security = loadCliSecurity(opts);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    for (const issue of err.issues) io.stderr(`error: ${issue}`);
    io.stderr('run with --help for the list of flags');
    return ExitCode.Usage;
  }
  const clients = Array.from({ length: opts.connections }, () => new TestClient({ requestTimeoutMs: opts.timeoutMs }));
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    for (const c of clients) void c.close();
  };
  if (signal?.aborted === true) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { host, port, timeoutMs, localAddress, clientVersion } = opts;
    await allOrFirstError(
      clients.map((c) => c.connect({ host, port, timeoutMs, localAddress, ...security.dial })),
      clients,
    );
    await allOrFirstError(
      clients.map((c, i) => c.handshake({ clientVersion, token: security.tokenFor(i), timeoutMs })),
      clients,
    );
    return await pingPhase(opts, clients, io, () => interrupted);
  } catch (err) {
    if (interrupted) {
      io.stderr('interrupted before the ping phase');
      return ExitCode.Interrupted;
    }
    io.stderr(`error: ${describeFailure(err)}`);
    return ExitCode.Failed;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(clients.map((c) => c.close()));
  }
}

async function pingPhase(
  opts: ClientCliOptions,
  clients: TestClient[],
  io: CliIO,
  wasInterrupted: () => boolean,
): Promise<number> {
  const histogram = createRttHistogram();
  const onRtt = (rttMicros: number): void => recordRtt(histogram, rttMicros);
  const shares = splitCount(opts.count, clients.length);
  const startedAt = performance.now();
  const progress = opts.quiet ? null : setInterval(printProgress, 1000, new ProgressState(histogram, opts.count, io));
  let failure: unknown = null;
  try {
    await allOrFirstError(
      clients.map((c, i) =>
        c.pingMany(shares[i]!, {
          inFlight: opts.inFlight,
          intervalMs: opts.intervalMs,
          stallTimeoutMs: opts.stallTimeoutMs,
          keepRtts: false,
          onRtt,
        }),
      ),
      clients,
    );
  } catch (err) {
    failure = err;
  } finally {
    if (progress !== null) clearInterval(progress);
  }
  const interrupted = wasInterrupted();
  if (failure !== null && !interrupted) throw failure;
  const elapsedMs = performance.now() - startedAt;
  const rtt = summarizeRtt(histogram);
  const result: ClientCliResult = {
    endpoint: formatEndpoint(opts.host, opts.port),
    transport: opts.transport,
    tlsHandshakeMs: tlsHandshakeSummary(clients),
    connections: clients.length,
    inFlight: opts.inFlight,
    intervalMs: opts.intervalMs,
    count: rtt.count,
    requested: opts.count,
    elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    pingsPerSec: elapsedMs > 0 ? Math.round((rtt.count / elapsedMs) * 1000 * 10) / 10 : 0,
    rttMicros: rtt,
    interrupted,
  };
  if (opts.json) io.stdout(JSON.stringify(result));
  else for (const line of formatResult(result)) io.stdout(line);
  return interrupted ? ExitCode.Interrupted : ExitCode.Ok;
}

/** The human-readable summary lines. */
export function formatResult(r: ClientCliResult): string[] {
  const conns = r.connections === 1 ? '1 connection' : `${r.connections} connections`;
  const pacing = r.intervalMs > 0 ? `, interval ${r.intervalMs} ms` : '';
  const seconds = (r.elapsedMs / 1000).toFixed(3);
  const via = r.transport === 'tcp' ? '' : ` (${r.transport})`;
  const s = r.rttMicros;
  const lines = [
    `${r.interrupted ? 'interrupted: ' : ''}${r.count}/${r.requested} pings to ${r.endpoint}${via} over ${conns} ` +
      `(in-flight ${r.inFlight}${pacing}) in ${seconds} s`,
    `rtt µs: min ${s.min}  p50 ${s.p50}  p90 ${s.p90}  p99 ${s.p99}  max ${s.max}  mean ${s.mean}`,
    `throughput: ${r.pingsPerSec} pings/s`,
  ];
  const t = r.tlsHandshakeMs;
  if (t !== null) lines.push(`tls handshake ms: min ${t.min}  mean ${t.mean}  max ${t.max}`);
  return lines;
}

/** Min, mean and max TLS handshake time of the clients (ms, 3 decimals); null when none did TLS. */
function tlsHandshakeSummary(clients: readonly TestClient[]): ClientCliResult['tlsHandshakeMs'] {
  const times: number[] = [];
  for (const c of clients) {
    const ms = c.connectTimings?.tlsHandshakeMs;
    if (ms !== undefined && ms !== null) times.push(ms);
  }
  if (times.length === 0) return null;
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  const sum = times.reduce((a, b) => a + b, 0);
  return { min: round(Math.min(...times)), mean: round(sum / times.length), max: round(Math.max(...times)) };
}

/** `count` split into `parts` shares differing by at most one (earlier shares get the remainder). */
export function splitCount(count: number, parts: number): number[] {
  const base = Math.floor(count / parts);
  const extra = count % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Waits for every promise; on the first rejection closes every client (so
 * the others stop at once) and rethrows it, noting how many failed alike.
 */
async function allOrFirstError<T>(promises: Promise<T>[], clients: TestClient[]): Promise<T[]> {
  const settled = await Promise.allSettled(
    promises.map((p) =>
      p.catch((err: unknown) => {
        for (const c of clients) void c.close();
        throw err;
      }),
    ),
  );
  const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed.length === 0) return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  // The first failure is the cause; the others are usually "closed" errors from the cleanup above.
  const isCleanup = (f: PromiseRejectedResult): boolean =>
    f.reason instanceof ClientError && f.reason.code === ClientErrorCode.CLOSED;
  const first = failed.find((f) => !isCleanup(f)) ?? failed[0]!;
  throw first.reason;
}

function describeFailure(err: unknown): string {
  if (err instanceof ClientError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

/** State of the progress line, passed to the module-level timer callback. */
class ProgressState {
  lastCount = 0;
  lastAt = performance.now();
  constructor(
    readonly histogram: Histogram,
    readonly total: number,
    readonly io: CliIO,
  ) {}
}

function printProgress(p: ProgressState): void {
  const now = performance.now();
  const count = p.histogram.totalCount;
  const rate = ((count - p.lastCount) / (now - p.lastAt)) * 1000;
  p.lastCount = count;
  p.lastAt = now;
  const pct = ((count / p.total) * 100).toFixed(1);
  const p50 = count === 0 ? '-' : String(p.histogram.getValueAtPercentile(50));
  p.io.stderr(`progress: ${count}/${p.total} pings (${pct}%), ${Math.round(rate)} pings/s, p50 ${p50} µs`);
}
