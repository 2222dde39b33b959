/**
 * Counts TLS handshakes on a `tls.Server` (or `https.Server`, for WSS) and
 * bounds how many may be in progress at once.
 *
 *   raw TCP accept ('connection') ── pending++ ── over maxPending? destroy(PendingLimit)
 *        │
 *        ├── 'secureConnection' ── pending--, completed++
 *        └── 'tlsClientError'   ── pending--, failures[classify(err)]++
 *
 * Node emits exactly one of the two for every accepted socket (a reset, a
 * timeout and a socket destroyed at accept all arrive as `tlsClientError`),
 * so `pending` returns to 0. A failed handshake never reaches the engine:
 * it is counted here and the socket is closed by Node; nothing is thrown.
 *
 * Failure reasons are a fixed set of labels, never text from the peer, so
 * `nmt_tls_handshake_failures_total{reason}` cannot grow without bound.
 */
import type { Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { MetricFamily } from './prometheus.ts';

/** Why a TLS handshake failed, as a metric label. */
export const TlsFailureReason = {
  /** The client offered only versions below the configured minimum (a TLS 1.2-only client by default). */
  ProtocolVersion: 'protocol_version',
  /** The bytes were not TLS at all (plain TCP, an HTTP request, garbage). */
  NotTls: 'not_tls',
  /** No cipher suite or group in common. */
  NoSharedCipher: 'no_shared_cipher',
  /** Client-certificate verification is on and the client sent none. */
  ClientCertMissing: 'client_cert_missing',
  /** The client's certificate did not verify against the configured CA (or expired). */
  ClientCertRejected: 'client_cert_rejected',
  /** The client refused our certificate (unknown CA, bad certificate alert). */
  ServerCertRejected: 'server_cert_rejected',
  /** Other TLS protocol errors (malformed handshake messages, bad records). */
  ProtocolError: 'protocol_error',
  /** The handshake did not complete within handshakeTimeoutMs. */
  Timeout: 'timeout',
  /** The peer closed or reset the connection during the handshake. */
  Reset: 'reset',
  /** Refused at accept: maxPendingHandshakes handshakes were already in progress. */
  PendingLimit: 'pending_limit',
  /** Anything else. */
  Other: 'other',
} as const;
export type TlsFailureReason = (typeof TlsFailureReason)[keyof typeof TlsFailureReason];

/** Every label, in metric order. */
export const TLS_FAILURE_REASONS: readonly TlsFailureReason[] = Object.values(TlsFailureReason);

/** Code of the error a socket refused at accept is destroyed with (internal, shows up in `tlsClientError`). */
export const PENDING_LIMIT_CODE = 'NMT_SERVER_PENDING_HANDSHAKES';

const BY_CODE: ReadonlyMap<string, TlsFailureReason> = new Map<string, TlsFailureReason>([
  ['ERR_SSL_UNSUPPORTED_PROTOCOL', TlsFailureReason.ProtocolVersion],
  ['ERR_SSL_NO_PROTOCOLS_AVAILABLE', TlsFailureReason.ProtocolVersion],
  ['ERR_SSL_UNSUPPORTED_SSL_VERSION', TlsFailureReason.ProtocolVersion],
  ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', TlsFailureReason.ProtocolVersion],
  ['ERR_SSL_VERSION_TOO_LOW', TlsFailureReason.ProtocolVersion],
  ['ERR_SSL_HTTP_REQUEST', TlsFailureReason.NotTls],
  ['ERR_SSL_HTTPS_PROXY_REQUEST', TlsFailureReason.NotTls],
  ['ERR_SSL_WRONG_VERSION_NUMBER', TlsFailureReason.NotTls],
  ['ERR_SSL_PACKET_LENGTH_TOO_LONG', TlsFailureReason.NotTls],
  ['ERR_SSL_RECORD_LENGTH_MISMATCH', TlsFailureReason.NotTls],
  ['ERR_SSL_UNKNOWN_PROTOCOL', TlsFailureReason.NotTls],
  ['ERR_SSL_NO_SHARED_CIPHER', TlsFailureReason.NoSharedCipher],
  ['ERR_SSL_NO_SUITABLE_KEY_SHARE', TlsFailureReason.NoSharedCipher],
  ['ERR_SSL_NO_SHARED_GROUPS', TlsFailureReason.NoSharedCipher],
  ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', TlsFailureReason.ClientCertMissing],
  ['ERR_SSL_CERTIFICATE_VERIFY_FAILED', TlsFailureReason.ClientCertRejected],
  ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', TlsFailureReason.ServerCertRejected],
  ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', TlsFailureReason.ServerCertRejected],
  ['ERR_SSL_TLSV1_ALERT_BAD_CERTIFICATE', TlsFailureReason.ServerCertRejected],
  ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', TlsFailureReason.ServerCertRejected],
  ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', TlsFailureReason.ServerCertRejected],
  ['ERR_TLS_HANDSHAKE_TIMEOUT', TlsFailureReason.Timeout],
  ['ECONNRESET', TlsFailureReason.Reset],
  ['EPIPE', TlsFailureReason.Reset],
  ['ETIMEDOUT', TlsFailureReason.Reset],
  [PENDING_LIMIT_CODE, TlsFailureReason.PendingLimit],
]);

/** Certificate verification errors (OpenSSL `X509_V_ERR_*` as Node names them) on the client's certificate. */
const CERT_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_PURPOSE',
]);

/**
 * Maps a `tlsClientError` error to its label. `socket` refines it: Node
 * checks a client certificate after OpenSSL's handshake and then destroys
 * the socket without an error code, leaving the verdict in
 * `authorizationError`.
 */
export function classifyTlsError(err: unknown, socket?: { authorizationError?: unknown }): TlsFailureReason {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const authError = socket?.authorizationError;
  if (authError !== undefined && authError !== null && authError !== '' && (code === 'ECONNRESET' || code === '')) return TlsFailureReason.ClientCertRejected;
  const known = BY_CODE.get(code);
  if (known !== undefined) return known;
  if (CERT_VERIFY_CODES.has(code)) return TlsFailureReason.ClientCertRejected;
  if (code.startsWith('ERR_SSL_')) return TlsFailureReason.ProtocolError;
  return TlsFailureReason.Other;
}

const kTracker = Symbol('nmt.tlsTracker');
type TaggedServer = TlsServer & { [kTracker]?: TlsHandshakeTracker };

/** Handshake counters of one TLS server; see the module comment. */
export class TlsHandshakeTracker {
  readonly maxPending: number;
  /** Handshakes in progress now. */
  pending = 0;
  /** Handshakes completed since start. */
  completed = 0;
  /** Failed handshakes by reason, indexed like {@link TLS_FAILURE_REASONS}. */
  readonly failures = new Float64Array(TLS_FAILURE_REASONS.length);

  constructor(maxPending: number) {
    this.maxPending = maxPending;
  }

  /** Starts counting on `server`. Call before it listens. */
  attach(server: TlsServer): void {
    const s = server as TaggedServer;
    s[kTracker] = this;
    s.on('connection', serverOnRawConnection);
    s.on('secureConnection', serverOnSecureConnection);
    s.on('tlsClientError', serverOnTlsClientError);
  }

  /** Failures counted for `reason` (tests, summaries). */
  failuresFor(reason: TlsFailureReason): number {
    return this.failures[TLS_FAILURE_REASONS.indexOf(reason)]!;
  }

  /** Total failed handshakes. */
  get failed(): number {
    let n = 0;
    for (const v of this.failures) n += v;
    return n;
  }

  /** Metric families for `/metrics` (`transport` labels them: tls or wss). */
  metrics(transport: string): MetricFamily[] {
    return [
      {
        name: 'nmt_tls_handshakes_total',
        type: 'counter',
        help: 'TLS handshakes completed.',
        samples: [{ labels: { transport }, value: this.completed }],
      },
      {
        name: 'nmt_tls_handshakes_pending',
        type: 'gauge',
        help: 'TLS handshakes in progress now (bounded by maxPendingHandshakes).',
        samples: [{ labels: { transport }, value: this.pending }],
      },
      {
        name: 'nmt_tls_handshake_failures_total',
        type: 'counter',
        help: 'TLS handshakes that failed, by reason.',
        samples: TLS_FAILURE_REASONS.map((reason, i) => ({ labels: { transport, reason }, value: this.failures[i]! })),
      },
    ];
  }
}

function serverOnRawConnection(this: TaggedServer, socket: Socket): void {
  const t = this[kTracker]!;
  t.pending++;
  if (t.pending > t.maxPending) {
    // Node has already wrapped the socket; destroying it with this error
    // makes the wrapper report it through 'tlsClientError', which decrements.
    socket.destroy(Object.assign(new Error(`more than ${t.maxPending} TLS handshakes in progress`), { code: PENDING_LIMIT_CODE }));
  }
}

function serverOnSecureConnection(this: TaggedServer, _socket: TLSSocket): void {
  const t = this[kTracker]!;
  t.pending--;
  t.completed++;
}

function serverOnTlsClientError(this: TaggedServer, err: Error, socket: TLSSocket): void {
  const t = this[kTracker]!;
  t.pending--;
  t.failures[TLS_FAILURE_REASONS.indexOf(classifyTlsError(err, socket))]!++;
  // Node leaves the socket open after some errors (a handshake timeout): close it here, always.
  socket.destroy();
}
