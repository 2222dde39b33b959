/**
 * Typed errors of the TestClient and its CLI.
 *
 * Every error carries a stable `code` (tests and callers match on it, never on
 * the message); messages say what went wrong, where, and what to check.
 * Codes are documented in docs/client.md.
 */
import { ConnectResult, DisconnectReason, disconnectReasonName } from '../../protocol/index.ts';
import { TLS_HANDSHAKE_ERROR_CODE } from '../security/client-security.ts';

/** Stable error codes of the client. */
export const ClientErrorCode = {
  /** Nothing listens on host:port (ECONNREFUSED). */
  CONNECT_REFUSED: 'NMT_CLIENT_CONNECT_REFUSED',
  /** The TCP connect did not complete within the connect timeout (or ETIMEDOUT). */
  CONNECT_TIMEOUT: 'NMT_CLIENT_CONNECT_TIMEOUT',
  /** Any other connect failure: unknown host, unreachable network, bad local address. */
  CONNECT_FAILED: 'NMT_CLIENT_CONNECT_FAILED',
  /** The TLS handshake failed: certificate not trusted, wrong name, expired, version or alert (transports tls, wss). */
  TLS_FAILED: 'NMT_CLIENT_TLS_FAILED',
  /** The server refused the WebSocket upgrade (wrong path, not a WebSocket server) (transports ws, wss). */
  WS_UPGRADE_FAILED: 'NMT_CLIENT_WS_UPGRADE_FAILED',
  /** SessionConnectRes carried a result other than OK. */
  HANDSHAKE_REJECTED: 'NMT_CLIENT_HANDSHAKE_REJECTED',
  /** The server sent a DisconnectNotice. */
  DISCONNECTED: 'NMT_CLIENT_DISCONNECTED',
  /** The server closed or reset the connection without a DisconnectNotice. */
  CLOSED_BY_PEER: 'NMT_CLIENT_CLOSED_BY_PEER',
  /** A socket error after the connection was established (EPIPE, …). */
  SOCKET_ERROR: 'NMT_CLIENT_SOCKET_ERROR',
  /** `close()` was called while the request was pending, or the client is closed. */
  CLOSED: 'NMT_CLIENT_CLOSED',
  /** A handshake, ping, `expect` or pipelined ping run got no answer in time. */
  TIMEOUT: 'NMT_CLIENT_TIMEOUT',
  /** The server broke the wire format (bad size field, malformed payload). */
  PROTOCOL_ERROR: 'NMT_CLIENT_PROTOCOL_ERROR',
  /** The call does not fit the client's state (not connected, already connected, run in progress). */
  INVALID_STATE: 'NMT_CLIENT_INVALID_STATE',
  /** An argument or option is out of range. */
  INVALID_ARGUMENT: 'NMT_CLIENT_INVALID_ARGUMENT',
  /** A callback given to the client (`onPacket`, `onRtt`, an `expect` match) threw. */
  LISTENER_ERROR: 'NMT_CLIENT_LISTENER_ERROR',
  /** A `packets()` iterator fell behind by more than its queue limit. */
  QUEUE_OVERFLOW: 'NMT_CLIENT_QUEUE_OVERFLOW',
  /** Bad command-line flags (CLI exit code 2). */
  USAGE: 'NMT_CLIENT_USAGE',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export interface ClientErrorOptions {
  cause?: unknown;
  /** The system error code behind a socket error (`ECONNREFUSED`, `ECONNRESET`, …). */
  errno?: string;
}

/** Base class of every client error. */
export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** The system error code when a socket error caused this one. */
  readonly errno: string | undefined;

  constructor(code: ClientErrorCode, message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
    this.errno = options.errno;
  }
}

/** What to do about each disconnect reason; shown after the server's text. */
const REASON_HINTS: Partial<Record<number, string>> = {
  [DisconnectReason.NotConnected]: 'call handshake() before sending other packets',
  [DisconnectReason.SizeTooSmall]: 'a sent packet had a size field below the 4-byte header',
  [DisconnectReason.SizeTooLarge]: "a sent packet exceeded the server's maximum packet size",
  [DisconnectReason.UnknownPacketId]: 'the server does not know a packet id that was sent',
  [DisconnectReason.MalformedPayload]: "a sent payload does not match its packet's layout",
  [DisconnectReason.HandshakeTimeout]: 'send SessionConnectReq (handshake()) right after connecting',
  [DisconnectReason.IdleTimeout]: "send something (a ping) more often than the server's idle timeout",
  [DisconnectReason.RateLimited]: "lower the send rate or raise the server's rate limit",
  [DisconnectReason.SlowConsumer]: 'the client did not read fast enough; read continuously or send less',
  [DisconnectReason.ServerShutdown]: 'the server is shutting down; reconnect when it is back',
  [DisconnectReason.AlreadyConnected]: 'handshake() was sent twice on one connection',
  [DisconnectReason.HandshakeRejected]: 'check the client version and token',
};

/** The server sent DisconnectNotice: `reason` (see protocol DisconnectReason) and its text. */
export class ClientDisconnectedError extends ClientError {
  readonly reason: number;
  readonly reasonName: string;
  /** The server's human-readable text, '' when it sent none. */
  readonly serverText: string;

  constructor(endpoint: string, reason: number, serverText: string) {
    const reasonName = disconnectReasonName(reason);
    const hint = REASON_HINTS[reason];
    super(
      ClientErrorCode.DISCONNECTED,
      `server ${endpoint} disconnected the client: ${reasonName} (${reason})` +
        (serverText === '' ? '' : `: "${serverText}"`) +
        (hint === undefined ? '' : ` — ${hint}`),
    );
    this.name = 'ClientDisconnectedError';
    this.reason = reason;
    this.reasonName = reasonName;
    this.serverText = serverText;
  }
}

const RESULT_NAMES = new Map<number, string>(Object.entries(ConnectResult).map(([name, code]) => [code, name]));

/** Name of a SessionConnectRes result, `Unknown(n)` for codes outside the catalogue. */
export function connectResultName(result: number): string {
  return RESULT_NAMES.get(result) ?? `Unknown(${result})`;
}

const RESULT_HINTS: Partial<Record<number, string>> = {
  [ConnectResult.VersionMismatch]: 'the server speaks another protocol version; check --client-version',
  [ConnectResult.AuthFailed]: 'the token was refused; check the token and its signing key',
  [ConnectResult.ServerFull]: 'the server is at its session limit; retry later or raise the limit',
};

/** SessionConnectRes carried a non-OK `result`. */
export class HandshakeRejectedError extends ClientError {
  readonly result: number;
  readonly resultName: string;

  constructor(endpoint: string, result: number) {
    const resultName = connectResultName(result);
    const hint = RESULT_HINTS[result];
    super(
      ClientErrorCode.HANDSHAKE_REJECTED,
      `server ${endpoint} rejected the handshake: ${resultName} (${result})` + (hint === undefined ? '' : ` — ${hint}`),
    );
    this.name = 'HandshakeRejectedError';
    this.result = result;
    this.resultName = resultName;
  }
}

/** Bad command-line flags; `issues` lists every problem found, one line each. */
export class UsageError extends ClientError {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(ClientErrorCode.USAGE, issues.join('\n'));
    this.name = 'UsageError';
    this.issues = issues;
  }
}

/** Node's system error shape (`code` such as `ECONNREFUSED`). */
interface SystemError extends Error {
  code?: string;
}

/**
 * Maps a socket error raised while connecting to a typed error whose message
 * says what to check.
 */
export function connectErrorFrom(
  err: SystemError,
  endpoint: string,
  localAddress: string | undefined,
  wsPath?: string,
): ClientError {
  const errno = err.code;
  const opts = { cause: err, errno };
  const special = tlsErrorFrom(err, endpoint) ?? (wsPath === undefined ? null : wsUpgradeErrorFrom(err, endpoint, wsPath));
  if (special !== null) return special;
  switch (errno) {
    case 'ECONNREFUSED':
      return new ClientError(
        ClientErrorCode.CONNECT_REFUSED,
        `connection to ${endpoint} refused: is the server running on ${endpoint}?`,
        opts,
      );
    case 'ETIMEDOUT':
      return new ClientError(
        ClientErrorCode.CONNECT_TIMEOUT,
        `connecting to ${endpoint} timed out: is the host reachable and the port open (firewall)?`,
        opts,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ClientError(
        ClientErrorCode.CONNECT_FAILED,
        `cannot resolve the host of ${endpoint} (${errno}): check the host name`,
        opts,
      );
    case 'EADDRNOTAVAIL':
    case 'EINVAL':
      if (localAddress !== undefined) {
        return new ClientError(
          ClientErrorCode.CONNECT_FAILED,
          `cannot connect to ${endpoint} from local address ${localAddress} (${errno}): ` +
            'is it an address of this machine, of the same family as the host?',
          opts,
        );
      }
      break;
    case 'ECONNRESET':
      return new ClientError(
        ClientErrorCode.CONNECT_FAILED,
        `connection to ${endpoint} was reset while connecting: is the server accepting connections ` +
          '(not at its session limit, no firewall rejecting)?',
        opts,
      );
    case 'ERR_INVALID_IP_ADDRESS':
      return new ClientError(
        ClientErrorCode.CONNECT_FAILED,
        `cannot connect to ${endpoint}: local address '${localAddress}' is not an IP address`,
        opts,
      );
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return new ClientError(
        ClientErrorCode.CONNECT_FAILED,
        `cannot reach ${endpoint} (${errno}): check the host address and the network route`,
        opts,
      );
    default:
      break;
  }
  return new ClientError(
    ClientErrorCode.CONNECT_FAILED,
    `cannot connect to ${endpoint}: ${err.message}${errno === undefined ? '' : ` (${errno})`}`,
    opts,
  );
}

/** Maps a socket error on an established connection to a typed error. */
export function socketErrorFrom(err: SystemError, endpoint: string): ClientError {
  const errno = err.code;
  // TLS 1.3 servers check a client certificate after the client saw the handshake end.
  const tls = tlsErrorFrom(err, endpoint);
  if (tls !== null) return tls;
  if (errno === 'ECONNRESET' || errno === 'EPIPE' || errno === 'ECONNABORTED') {
    return new ClientError(
      ClientErrorCode.CLOSED_BY_PEER,
      `server ${endpoint} reset the connection (${errno}) without a DisconnectNotice: check the server's log`,
      { cause: err, errno },
    );
  }
  return new ClientError(
    ClientErrorCode.SOCKET_ERROR,
    `socket error on the connection to ${endpoint}: ${err.message}${errno === undefined ? '' : ` (${errno})`}`,
    { cause: err, errno },
  );
}


/** What to check for a failed TLS handshake, by error code. */
function tlsHint(code: string): string {
  if (/^(UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|CERT_UNTRUSTED|CERT_SIGNATURE)/.test(code)) {
    return "the server's certificate is not trusted: pass the CA that signed it (--ca <file>, tls.ca), " +
      'or for a throw-away test server only, --insecure';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return "the certificate does not name the host connected to: connect by a name it carries, or set the name to check (--server-name <name>, tls.servername)";
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return "the server's certificate is outside its validity period: renew it, and check this machine's clock";
  }
  if (code.includes('WRONG_VERSION_NUMBER') || code.includes('PACKET_LENGTH_TOO_LONG')) {
    return 'the server did not answer in TLS: is it running with --transport tls (or wss) on this port?';
  }
  if (code.includes('PROTOCOL_VERSION') || code.includes('UNSUPPORTED_PROTOCOL')) {
    return 'client and server share no TLS version: the client asks for TLS 1.3 by default (tls.minVersion)';
  }
  if (code.includes('CERTIFICATE_REQUIRED') || code.includes('ALERT_BAD_CERTIFICATE') || code.includes('UNKNOWN_CA')) {
    return 'the server refused the client certificate: pass one its CA signed (--cert <file> --key <file>)';
  }
  return 'check the certificate files (--ca, --cert, --key) and the name (--server-name)';
}

/** A TLS handshake failure as NMT_CLIENT_TLS_FAILED, or null when `err` is not one. */
export function tlsErrorFrom(err: SystemError, endpoint: string): ClientError | null {
  const errno = err.code;
  if (errno === undefined || !TLS_HANDSHAKE_ERROR_CODE.test(errno)) return null;
  return new ClientError(
    ClientErrorCode.TLS_FAILED,
    `TLS handshake with ${endpoint} failed: ${err.message} (${errno}) — ${tlsHint(errno)}`,
    { cause: err, errno },
  );
}

/** ws's messages for an upgrade answered with something other than 101 Switching Protocols. */
const WS_UPGRADE_MESSAGE = /^(Unexpected server response|Invalid Sec-WebSocket-Accept|Missing Sec-WebSocket|Invalid Upgrade header|Server sent)/;

/** A refused WebSocket upgrade as NMT_CLIENT_WS_UPGRADE_FAILED, or null when `err` is not one. */
export function wsUpgradeErrorFrom(err: SystemError, endpoint: string, wsPath: string): ClientError | null {
  if (!WS_UPGRADE_MESSAGE.test(err.message)) return null;
  const status = /^Unexpected server response: (\d+)/.exec(err.message)?.[1];
  const hint =
    status === '404'
      ? `no WebSocket endpoint at path '${wsPath}': check the path (--ws-path, wsPath) against the server's --ws-path`
      : `is it a WebSocket server (TestServer --transport ws or wss) and is '${wsPath}' its path (--ws-path)?`;
  return new ClientError(
    ClientErrorCode.WS_UPGRADE_FAILED,
    `WebSocket upgrade to ${endpoint}${wsPath} refused: ${err.message} — ${hint}`,
    { cause: err, errno: err.code },
  );
}
