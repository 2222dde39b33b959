/**
 * Shapes of calibration: what one measurement is asked to do, what it
 * measured, and the report that goes into results.json (`calibration`,
 * documented in docs/results.md) and calibration.json.
 *
 *   comparison (server | harness | handshake)
 *     └─ repeats × pair ─┬─ reference side: C load-client → C pong-server
 *                        └─ subject side:   C load-client → TestServer   (server, handshake)
 *                                           harness       → C pong-server (harness)
 *        ratio of a pair = subject rate / reference rate; report = median, min, max
 */
import type { CalibrationKind } from '../scenario/types.ts';

/** What one measurement does: the load of one side of a pair. */
export interface LoadSpec {
  host: string;
  port: number;
  /** ping / echo: N connections, K in flight, closed loop; handshake: N connect loops. */
  mode: 'ping' | 'echo' | 'handshake';
  connections: number;
  inflight: number;
  /** Request size in bytes (16 for ping; echo: any size ≥ 16). */
  size: number;
  warmupMs: number;
  durationMs: number;
  /** Longest time to open every connection before the warmup starts. */
  connectTimeoutMs: number;
  /** Local addresses to connect from (round-robin), to go past ~28k ports per destination. */
  sourceAddresses: string[];
}

/** Latency summary in µs. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** What one side of a pair measured in its window. */
export interface SideMeasurement {
  /** Who generated the load ("C load-client" or "harness"). */
  generator: string;
  /** Who answered ("C pong-server", "TestServer", or the target's host:port). */
  server: string;
  /** Responses (handshakes in handshake mode) per second in the measured window. */
  rate: number;
  responses: number;
  windowMs: number;
  /** Connections open when the window started (handshake mode: connect loops). */
  connected: number;
  /** Latency in µs (handshake mode: connect start → SessionConnectRes); null when nothing was measured. */
  latencyMicros: LatencySummary | null;
  /** Errors during the run, by kind. */
  errors: Record<string, number>;
  /** CPU of the load generator over the window, percent of one core; null when unknown. */
  generatorCpuPercent: number | null;
  /**
   * CPU of the answering server process over the whole measurement (connect,
   * warmup and window), percent of one core, from /proc; null when it is not
   * a process calibration started (a target) or /proc cannot be read.
   */
  serverCpuPercent: number | null;
  /** The answering server's resident memory after the measurement; null when unknown. */
  serverRssBytes: number | null;
}

/** One pair of measurements and its ratio. */
export interface PairResult {
  repeat: number;
  /** Which side ran first (the order alternates between repeats). */
  firstSide: 'reference' | 'subject';
  reference: SideMeasurement;
  subject: SideMeasurement;
  /** subject.rate / reference.rate; null when the reference measured nothing. */
  ratio: number | null;
}

/** Median, min and max of some values; spread = (max − min) / median, in percent. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  spreadPercent: number;
  values: number[];
}

/** One comparison's outcome. */
export interface ComparisonResult {
  name: string;
  kind: CalibrationKind;
  connections: number;
  inflight: number;
  size: number;
  /** What is measured: e.g. "TestServer, driven by the C load-client". */
  subject: string;
  /** What it is measured against: e.g. "C pong-server, driven by the C load-client". */
  reference: string;
  /** Subject rate / reference rate over the pairs; null when no pair produced a ratio. */
  ratio: Spread | null;
  subjectRate: Spread | null;
  referenceRate: Spread | null;
  /** Median p99 latency (µs) of each side. */
  subjectP99Micros: number | null;
  referenceP99Micros: number | null;
  /**
   * CPU time per response (µs), median over the pairs, of what is compared:
   * the server for `server`/`handshake`, the load generator for `harness`.
   * Unlike the rates it hardly depends on what else the machine runs, so it
   * says how much of a ratio is efficiency and how much is contention. Null when unknown.
   */
  subjectCpuMicrosPerResponse: number | null;
  referenceCpuMicrosPerResponse: number | null;
  /** Target: the median ratio must be ≥ this; null = report only. */
  minRatio: number | null;
  /** Median ratio ≥ minRatio; null without a target. False when a target could not be checked (no ratio). */
  ok: boolean | null;
  pairs: PairResult[];
  /** Why the comparison has no (or an incomplete) result; null when it ran cleanly. */
  problem: string | null;
}

/** The `calibration` section of results.json, and calibration.json of a `--calibrate` run. */
export interface CalibrationReport {
  /** measured: every comparison ran; skipped: no C compiler; error: calibration could not be done. */
  status: 'measured' | 'skipped' | 'error' | 'interrupted';
  /** NMT_CAL_* when not measured. */
  code: string | null;
  /** Why it was skipped or failed. */
  message: string | null;
  startedAt: string;
  durationMs: number;
  warmupMs: number;
  windowMs: number;
  repeats: number;
  /** The servers calibration started: argv and pid. */
  servers: { what: string; pid: number; host: string; port: number; argv: string[] }[];
  comparisons: ComparisonResult[];
}
