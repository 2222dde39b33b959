/**
 * Every default of the scenario format, in one place. The loader applies
 * these when a field is absent; docs/scenarios.md lists the same values.
 */

export const DEFAULTS = {
  /** `description` */
  description: '',
  /** `catalogue`: the protocol's built-in v1 packets. */
  catalogue: 'builtin',
  /** `workers`: the runner picks a count from the load (docs/running.md). */
  workers: 'auto' as const,
  /** `timeout`: request timeout when a step gives none. */
  timeoutMs: 5_000,
  server: {
    processes: 1,
    readyTimeoutMs: 20_000,
  },
  connect: {
    /** New connections per second across the whole run. */
    ratePerSec: 5_000,
    timeoutMs: 5_000,
    clientVersion: 1,
    token: '',
  },
  /** `transport` */
  transport: 'tcp' as const,
  /** `tls.minVersion` */
  tlsMinVersion: 'TLSv1.3' as const,
  /** `ws.path` (the TestServer's default endpoint) */
  wsPath: '/',
  /** `auth:` fields */
  auth: {
    kid: 'nmt-bench',
    /** alg when the key is generated (fast to sign and verify). */
    generatedAlg: 'EdDSA' as const,
    issuer: 'nmt-harness',
    audience: 'nmt-test-server',
    role: 'user',
    ttlMs: 3_600_000,
    subject: 'vu-{{ vu.id }}',
  },
  /** `feeders.NAME.order` */
  feederOrder: 'sequential' as const,
  flow: {
    onStart: ['connect'] as const,
    onStop: ['disconnect'] as const,
  },
  phase: {
    /** Time after a phase's last start for in-flight work to finish before connections are closed. */
    gracefulStopMs: 2_000,
    /** ramping-vus `startVus` */
    startVus: 0,
    /** ramping-arrival-rate `startRate` */
    startRate: 0,
    /** constant-request-rate `request` */
    request: 'ping' as const,
    /** Phase names default to `phase-<n>`, n counting from 1. */
    namePrefix: 'phase-',
  },
  threshold: {
    abortOnFail: false,
    delayAbortEvalMs: 0,
  },
  /** `calibrate:` (also what `--calibrate` and `calibrate: true` run). */
  calibrate: {
    warmupMs: 1_000,
    durationMs: 3_000,
    repeats: 3,
    /** `compare[].connections` */
    connections: 100,
    /** `compare[].inflight` */
    inflight: 1,
    /** `compare[].size`: a PingReq. */
    size: 16,
    /** The comparisons run when `compare` is not given: the issue-7 rows, report only. */
    compare: [
      { kind: 'server', inflight: 1 },
      { kind: 'server', inflight: 16 },
      { kind: 'harness', inflight: 1 },
      { kind: 'harness', inflight: 16 },
      { kind: 'handshake', inflight: 1 },
    ],
  },
} as const;
