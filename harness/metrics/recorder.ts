/**
 * The sink executors and virtual users write samples into, inside a worker
 * process. Executors only emit samples; they never compute percentiles
 * (k6 `Executor.Run(out)`). The implementation records into HDR histograms and
 * plain counters and ships 1-second deltas to the coordinator.
 *
 * Every method is called on hot paths: implementations do no allocation and no
 * I/O per call.
 */

/** Error kinds, as counted in `errors{kind:...}` (see names.ts). */
export const ErrorKind = {
  Refused: 'refused',
  Timeout: 'timeout',
  Violation: 'violation',
  Unexpected: 'unexpected',
  Closed: 'closed',
  ConnectTimeout: 'connect-timeout',
  HandshakeRejected: 'handshake-rejected',
  Auth: 'auth',
  /** The TLS handshake failed (certificate not trusted, wrong name, no common version). */
  Tls: 'tls',
  Other: 'other',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export interface MetricsRecorder {
  /**
   * Interns a request name (packet name or a step's `name`) once, at setup;
   * the returned small integer is passed to the per-request methods.
   */
  requestIndex(name: string): number;

  /** A request was written (`bytes` on the wire). */
  requestSent(request: number, bytes: number): void;
  /**
   * A response was matched to its request. `correctedMicros` is measured from
   * the intended send time (open models), `uncorrectedMicros` from the actual
   * send; in closed models both are the same value.
   */
  responseReceived(request: number, correctedMicros: number, uncorrectedMicros: number, bytes: number): void;
  /** A fire-and-forget packet or any unmatched inbound bytes. */
  bytesIn(bytes: number): void;
  bytesOut(bytes: number): void;
  /** An error of `kind`; `request` = -1 when not tied to a request. */
  error(kind: ErrorKind, request: number): void;

  connectAttempted(): void;
  /** The transport is ready after `micros`: TCP connected (+ TLS handshake, + WebSocket upgrade). */
  connectEstablished(micros: number): void;
  /** The TLS handshake finished `micros` after TCP connected (transports tls and wss). */
  tlsEstablished(micros: number): void;
  /**
   * A connection attempt (TCP or handshake) failed. Counted in
   * `connections.failed` AND as an error of `kind` (`errors{kind:…}`), so
   * callers do not also call {@link error} for the same failure.
   */
  connectFailed(kind: ErrorKind): void;
  /** SessionConnectRes OK after `micros` (the session counts as open). */
  sessionOpened(handshakeMicros: number): void;
  /** An open session ended (by us or by the peer). */
  sessionClosed(): void;

  iterationCompleted(): void;
  /** An open-model iteration could not start: no free VU within maxVUs. */
  iterationDropped(): void;
}
