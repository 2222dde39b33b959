/**
 * Errors of the server engine. Every error carries a stable `code`
 * (`NMT_SERVER_*`); callers and tests match on the code, never on the
 * message. The codes are listed with their meaning in docs/server.md.
 *
 * Socket-level problems of one peer are never thrown: they end that session
 * (see {@link SessionViolation} for how a handler asks for that).
 */
import type { DisconnectReason } from '../../protocol/index.ts';

/** Stable error codes of the engine. */
export const ServerErrorCode = {
  /** The engine options or limits failed validation; see `issues`. */
  CONFIG_INVALID: 'NMT_SERVER_CONFIG_INVALID',
  /** The listen port is taken by another process (EADDRINUSE). */
  ADDRESS_IN_USE: 'NMT_SERVER_ADDRESS_IN_USE',
  /** The OS refused the bind (EACCES: privileged port, sandbox). */
  LISTEN_DENIED: 'NMT_SERVER_LISTEN_DENIED',
  /** The host is not an address of this machine (EADDRNOTAVAIL, ENOTFOUND). */
  ADDRESS_UNAVAILABLE: 'NMT_SERVER_ADDRESS_UNAVAILABLE',
  /** Any other listen failure; `cause` holds the OS error. */
  LISTEN_FAILED: 'NMT_SERVER_LISTEN_FAILED',
  /** A packet id was registered twice, or is outside 0..65535. */
  HANDLER_CONFLICT: 'NMT_SERVER_HANDLER_CONFLICT',
  /** An operation is not valid in the engine's current state (start twice, start after shutdown). */
  INVALID_STATE: 'NMT_SERVER_INVALID_STATE',
  /** Thrown by a handler to end its session with a given DisconnectReason. */
  SESSION_VIOLATION: 'NMT_SERVER_SESSION_VIOLATION',
  /** TLS certificate, key or CA unreadable or unusable, or inconsistent TLS/WebSocket transport options; see `issues`. */
  TRANSPORT_CONFIG_INVALID: 'NMT_SERVER_TRANSPORT_CONFIG_INVALID',
} as const;
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/** Base class of engine errors. */
export class ServerError extends Error {
  readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerError';
    this.code = code;
  }
}

/** One validation problem: where (`path`, e.g. `limits.maxSessions`) and what. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Invalid options; `issues` lists every problem found, not just the first. */
export class ServerConfigError extends ServerError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], context = 'server options') {
    super(
      ServerErrorCode.CONFIG_INVALID,
      `invalid ${context}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
    this.name = 'ServerConfigError';
    this.issues = issues;
  }
}

/**
 * Transport options that cannot work (a missing certificate file, a key that
 * does not match its certificate, client-certificate checks without a CA).
 * Raised before anything listens; `issues` lists every problem found.
 */
export class TransportConfigError extends ServerError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], context = 'transport options') {
    super(ServerErrorCode.TRANSPORT_CONFIG_INVALID, `invalid ${context}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'TransportConfigError';
    this.issues = issues;
  }
}

/** Which listener failed: the game port or the metrics HTTP port. */
export type ListenRole = 'game' | 'metrics';

/** Binding a port failed. The message names the address and what to do about it. */
export class ServerListenError extends ServerError {
  readonly host: string;
  readonly port: number;
  readonly role: ListenRole;
  /** The OS error code (`EADDRINUSE`, ...), when there was one. */
  readonly osCode: string | undefined;

  constructor(code: ServerErrorCode, message: string, where: { host: string; port: number; role: ListenRole; osCode?: string; cause?: unknown }) {
    super(code, message, { cause: where.cause });
    this.name = 'ServerListenError';
    this.host = where.host;
    this.port = where.port;
    this.role = where.role;
    this.osCode = where.osCode;
  }
}

/**
 * Turns an OS error from `listen()` into a {@link ServerListenError} whose
 * message says which address failed and what to do.
 */
export function listenError(err: unknown, host: string, port: number, role: ListenRole): ServerListenError {
  const osCode = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  const what = role === 'game' ? 'server port' : 'metrics port';
  const flag = role === 'game' ? '--port' : '--metrics-port';
  const addr = `${host}:${port}`;
  const where = { host, port, role, osCode, cause: err };
  switch (osCode) {
    case 'EADDRINUSE':
      return new ServerListenError(
        ServerErrorCode.ADDRESS_IN_USE,
        `cannot listen on ${addr} (${what}): the port is already in use (EADDRINUSE). ` +
          `Stop the process holding it (e.g. \`ss -ltnp 'sport = :${port}'\`), pick another ${flag}, or use ${flag} 0 for an ephemeral port.`,
        where,
      );
    case 'EACCES':
    case 'EPERM':
      return new ServerListenError(
        ServerErrorCode.LISTEN_DENIED,
        `cannot listen on ${addr} (${what}): permission denied (${osCode}). Ports below 1024 need privileges; pick a higher ${flag}.`,
        where,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ServerListenError(
        ServerErrorCode.ADDRESS_UNAVAILABLE,
        `cannot listen on ${addr} (${what}): ${host} is not an address of this machine (${osCode}). Use 127.0.0.1, 0.0.0.0 or a local interface address.`,
        where,
      );
    default:
      return new ServerListenError(
        ServerErrorCode.LISTEN_FAILED,
        `cannot listen on ${addr} (${what}): ${err instanceof Error ? err.message : String(err)}`,
        where,
      );
  }
}

/**
 * Thrown by a packet handler to close its session with a specific reason
 * (for example `Forbidden`). Protocol errors from packet readers
 * (`ProtocolError`) are handled the same way without wrapping.
 */
export class SessionViolation extends ServerError {
  readonly reason: DisconnectReason;

  constructor(reason: DisconnectReason, message: string) {
    super(ServerErrorCode.SESSION_VIOLATION, message);
    this.name = 'SessionViolation';
    this.reason = reason;
  }
}
