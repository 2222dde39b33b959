/**
 * The validated scenario: what `loadScenario()` returns after schema
 * validation, defaulting and normalisation. Everything downstream
 * (executors, workers, thresholds, reporters) reads only this shape — never
 * raw YAML. Durations are milliseconds, rates are per second, sizes bytes.
 *
 * The YAML a user writes is documented in docs/scenarios.md; the schema in
 * schema.ts maps it onto these types (e.g. `duration: 30s` → `durationMs: 30000`).
 */
import type { ParsedThreshold } from '../thresholds/types.ts';

/** A value in a step: a literal, or a template string like `"{{ vu.id }}"` (see docs/scenarios.md). */
export type ValueExpr = string | number | boolean | null | ValueExpr[] | { [key: string]: ValueExpr };

export interface TargetConfig {
  host: string;
  port: number;
  /** `http://host:port/metrics` of the server, sampled for server.* metrics; null when unknown. */
  metricsUrl: string | null;
}

/** The server(s) the harness starts itself when no target is given. */
export interface EmbeddedServerConfig {
  /** Server processes to start (each on its own free loopback port; VUs spread over them). */
  processes: number;
  /** Extra CLI flags passed to every reference TestServer process, e.g. { maxSessions: 60000 }. */
  options: Record<string, string | number | boolean>;
  /**
   * Start this command instead of the reference TestServer (e.g. a foreign
   * server for a custom catalogue): argv, with `{port}` replaced by a free
   * port; the server is ready when that port accepts connections. null = TestServer.
   * Relative paths in argv are resolved by the shell-less spawn from the scenario's directory (cwd).
   */
  command: string[] | null;
  /** How long to wait for the server to become ready. */
  readyTimeoutMs: number;
}

export interface ConnectConfig {
  /** Max new connections per second across the whole run (spread evenly, not in bursts). */
  ratePerSec: number;
  timeoutMs: number;
  clientVersion: number;
  /** Token sent in SessionConnectReq ('' = none); may be a template. */
  token: ValueExpr;
  /** Local source addresses to spread connections over (127.0.0.x) past the ~28k ports/destination limit. */
  sourceAddresses: string[];
}

/** How VUs reach the server: plain TCP, TLS over TCP, WebSocket, or WebSocket over TLS. */
export type TransportKind = 'tcp' | 'tls' | 'ws' | 'wss';
export const TRANSPORT_KINDS: readonly TransportKind[] = ['tcp', 'tls', 'ws', 'wss'];

/** `tls:` — client side of TLS (transport tls or wss). Paths are absolute. */
export interface TlsClientConfig {
  /** PEM CA file the server's certificate must chain to; null = the embedded server's throw-away CA, or Node's default CAs for a target. */
  ca: string | null;
  /** Client certificate and key (PEM files) for servers that require one; both or neither. */
  cert: string | null;
  key: string | null;
  /** SNI name and the name the certificate must carry; null = the target host ('localhost' for embedded servers). */
  serverName: string | null;
  /** Skip certificate verification (self-signed targets); the run warns that it is on. */
  insecure: boolean;
  /** Lowest TLS version offered. */
  minVersion: 'TLSv1.3' | 'TLSv1.2';
}

/** JWT signing algorithms the harness mints with (the same the TestServer verifies). */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'ES256';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'EdDSA', 'ES256'];

/**
 * Where the signing key comes from: a secret in the file or an environment
 * variable (HS256), a private key file (PEM PKCS#8 or a JWK with `d`), or
 * `generate` — a fresh key made for this run and handed to the embedded
 * TestServer (only without a target).
 */
export type AuthKeySource =
  | { kind: 'secret'; secret: string }
  | { kind: 'env'; variable: string }
  | { kind: 'file'; file: string }
  | { kind: 'generate' };

/** `auth:` — mint a JWT per VU and send it in SessionConnectReq. */
export interface AuthConfig {
  kid: string;
  alg: JwtAlgorithm;
  key: AuthKeySource;
  issuer: string;
  audience: string;
  /** `role` claim (the server's role names, e.g. user, admin). */
  role: string;
  /** Token lifetime; a VU mints a new one when its token has less than a quarter of this left. */
  ttlMs: number;
  /** `sub` claim; may be a template (default "vu-{{ vu.id }}"). */
  subject: ValueExpr;
}

export interface FeederConfig {
  name: string;
  /** Absolute path of the CSV file (header row = column names). */
  file: string;
  order: 'sequential' | 'random' | 'unique';
}

export type ThinkConfig =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exponential'; meanMs: number };

/** How a response is recognised: packet id, optionally a field equal to a value. */
export interface ExpectConfig {
  packet: string;
  /** field name → value the response's field must equal (templates allowed, e.g. "{{ sent.seq }}"). */
  match: Record<string, ValueExpr>;
  /** capture name → response field name; captured values are available as `{{ vars.NAME }}`. */
  capture: Record<string, string>;
  timeoutMs: number;
}

export type Step =
  | { kind: 'connect' }
  | { kind: 'disconnect' }
  | { kind: 'ping'; timeoutMs: number }
  | {
      kind: 'send';
      packet: string;
      values: Record<string, ValueExpr>;
      /** null = fire and forget (counted as sent, no latency sample). */
      expect: ExpectConfig | null;
      /** Name used for per-request metrics (defaults to the packet name). */
      name: string;
    }
  | { kind: 'think'; think: ThinkConfig }
  | { kind: 'loop'; count: number | null; durationMs: number | null; steps: Step[] }
  | { kind: 'set'; vars: Record<string, ValueExpr> };

export interface FlowConfig {
  /** Run once per VU when it starts (default: [connect]). */
  onStart: Step[];
  /** One iteration: repeated by closed models, started at the arrival rate by open models. */
  iteration: Step[];
  /** Run once per VU when it stops (default: [disconnect]). */
  onStop: Step[];
}

interface PhaseBase {
  name: string;
  /** Time allowed after the phase's last start for in-flight work to finish. */
  gracefulStopMs: number;
}

/** Closed model: a fixed number of VUs looping the iteration. */
export interface ConstantVusPhase extends PhaseBase {
  executor: 'constant-vus';
  vus: number;
  durationMs: number;
}

export interface Stage {
  durationMs: number;
  target: number;
}

/** Closed model: VU count ramped linearly (smoothly, not per second) through stages. */
export interface RampingVusPhase extends PhaseBase {
  executor: 'ramping-vus';
  startVus: number;
  stages: Stage[];
}

/** Open model: iterations started at `rate` per second regardless of response times. */
export interface ConstantArrivalRatePhase extends PhaseBase {
  executor: 'constant-arrival-rate';
  rate: number;
  durationMs: number;
  preAllocatedVus: number;
  maxVus: number;
}

/** Open model: arrival rate ramped linearly through stages (targets are rates per second). */
export interface RampingArrivalRatePhase extends PhaseBase {
  executor: 'ramping-arrival-rate';
  startRate: number;
  stages: Stage[];
  preAllocatedVus: number;
  maxVus: number;
}

/**
 * Open model over persistent connections (wrk2 `-R`): `connections` sessions
 * stay open, requests are sent at `rate` per second in total, each latency
 * measured from its intended send time.
 */
export interface ConstantRequestRatePhase extends PhaseBase {
  executor: 'constant-request-rate';
  connections: number;
  rate: number;
  durationMs: number;
  /** The request: a ping, or a send step with an expect. */
  request: Extract<Step, { kind: 'ping' } | { kind: 'send' }>;
}

export type Phase =
  | ConstantVusPhase
  | RampingVusPhase
  | ConstantArrivalRatePhase
  | RampingArrivalRatePhase
  | ConstantRequestRatePhase;

export type ExecutorType = Phase['executor'];

/** A threshold as written, with its parsed form (see harness/thresholds/). */
export interface ThresholdConfig {
  /** Expression text, e.g. `latency{packet:PingReq}.p99 < 2ms`. */
  expr: string;
  abortOnFail: boolean;
  /** With abortOnFail: do not evaluate before this much of the run has passed. */
  delayAbortEvalMs: number;
  /** YAML line of the threshold, for error messages. */
  line: number | null;
  /**
   * The expression parsed and checked against the metric names (set by the
   * loader, so nothing re-parses it; absent in scenarios built in code —
   * `evaluateThresholds` then parses `expr` itself).
   */
  parsed?: ParsedThreshold;
}

/** What a calibration comparison measures (docs/performance.md). */
export type CalibrationKind = 'server' | 'harness' | 'handshake';

/**
 * One comparison of `calibrate:`: ours against the C reference, measured
 * back to back with the same driver, `repeats` times.
 * - `server`: the C load-client drives the C pong-server, then our server (TestServer or the target).
 * - `harness`: the C load-client, then our harness, drive the C pong-server.
 * - `handshake`: the C load-client loops connect + SessionConnect + close against both servers.
 */
export interface CalibrationCompare {
  /** Unique; names the comparison in results and reports (default `<kind>-c<connections>-k<inflight>[-s<size>]`). */
  name: string;
  kind: CalibrationKind;
  /** Connections (handshake: concurrent connect loops). */
  connections: number;
  /** Requests in flight per connection (closed loop); 1 for handshake. */
  inflight: number;
  /** Request size in bytes: 16 = PingReq; larger = calibration EchoReq of that size (harness only). */
  size: number;
  /** Target: the median ratio must be at least this; null = report only. */
  minRatio: number | null;
}

/** `calibrate:`: measure ours against the machine's limit in the same run (docs/performance.md). */
export interface CalibrateConfig {
  /** Untimed time before each measured window (JIT, connections settling). */
  warmupMs: number;
  /** Measured window of each measurement. */
  durationMs: number;
  /** Measurement pairs per comparison (ours and the reference, alternating order); the median ratio is reported. */
  repeats: number;
  compare: CalibrationCompare[];
}

export interface Scenario {
  name: string;
  description: string;
  /** Absolute path of the file it was loaded from ('' when built in code). */
  source: string;
  /** null = start the reference server(s) on free loopback ports. */
  target: TargetConfig | null;
  server: EmbeddedServerConfig;
  /** 'builtin' or an absolute path to a catalogue YAML (protocol/catalogue). */
  catalogue: string;
  /** Worker processes; 'auto' resolved by the runner from load and the 20,000-files limit. */
  workers: number | 'auto';
  connect: ConnectConfig;
  /** How VUs reach the server (default tcp). */
  transport: TransportKind;
  /** TLS client settings; null unless transport is tls or wss. */
  tls: TlsClientConfig | null;
  /** WebSocket URL path (transport ws or wss). */
  wsPath: string;
  /** Per-VU JWT minting; null = connect.token as written. */
  auth: AuthConfig | null;
  variables: Record<string, ValueExpr>;
  feeders: FeederConfig[];
  flow: FlowConfig;
  phases: Phase[];
  thresholds: ThresholdConfig[];
  /** Request timeout used when a step gives none. */
  defaultTimeoutMs: number;
  /** `calibrate:` — absent when the scenario does not calibrate (the CLI's `--calibrate` then uses the defaults). */
  calibrate?: CalibrateConfig;
}
