/**
 * Options, results and defaults of the TestClient. Defaults live here and
 * nowhere else; `checkInteger` gives every bad option the same clear error.
 */
import type { HeaderLayout } from '../../protocol/index.ts';
import type { TlsDialOptions } from '../security/client-security.ts';
import { ClientError, ClientErrorCode } from './errors.ts';

/** A received packet, copied out of the socket's chunk so it may be kept. */
export interface ReceivedPacket {
  id: number;
  /** Payload bytes after the header (a copy owned by the receiver). */
  payload: Buffer;
}

/** Options of `new TestClient(options)`. */
export interface TestClientOptions {
  /**
   * Framing of the server's protocol. Default: wire protocol v1. With any
   * other layout the client only frames bytes (`send`, `sendRaw`, `expect`,
   * `packets()`): `handshake`, `ping` and `pingMany` need v1, and no id is
   * given v1 meaning (a foreign id 0x0005 is not a DisconnectNotice).
   */
  layout?: HeaderLayout;
  /** Largest packet accepted from the server, header included. Default: the layout's maximum (65,535 for v1). */
  maxPacketSize?: number;
  /** Default timeout of `handshake`, `ping` and `expect`, in ms. Default 5,000. */
  requestTimeoutMs?: number;
  /**
   * How many packets nobody was waiting for are kept for a later `expect`
   * (oldest dropped first, counted in `stats.inboxDropped`). 0 keeps none. Default 1,024.
   */
  inboxLimit?: number;
  /** After `close()` sends FIN, how long to wait for the server to close before destroying. Default 1,000 ms. */
  closeGraceMs?: number;
}

/** How the client reaches the server: plain TCP, TLS, or WebSocket (plain or over TLS). */
export type ClientTransport = 'tcp' | 'tls' | 'ws' | 'wss';
export const CLIENT_TRANSPORTS: readonly ClientTransport[] = ['tcp', 'tls', 'ws', 'wss'];

/** TLS settings of `connect()` (transports tls and wss). PEM text or its bytes. */
export interface ClientTlsOptions {
  /** CA certificate(s) to trust. Default: Node's bundled public CAs. */
  ca?: string | Buffer;
  /** Client certificate chain and its key, for servers that ask for one (both or neither). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** SNI name and the name the server's certificate must carry. Default: the host. */
  servername?: string;
  /** Verify the server's certificate and name. Default true; false only for throw-away test servers. */
  rejectUnauthorized?: boolean;
  /** Oldest TLS version accepted. Default `TLSv1.3`. */
  minVersion?: 'TLSv1.3' | 'TLSv1.2';
}

/** Options of `connect()`. */
export interface ConnectOptions {
  host: string;
  port: number;
  /** Give up when connecting (TCP, plus TLS and the WebSocket upgrade) takes longer, in ms. Default 5,000. */
  timeoutMs?: number;
  /** Local address to bind (to spread many clients over source addresses). */
  localAddress?: string;
  /** Default `tcp`. `ws`/`wss` carry the packets in binary WebSocket messages. */
  transport?: ClientTransport;
  /** TLS settings; only with transport `tls` or `wss`. */
  tls?: ClientTlsOptions;
  /** URL path of the WebSocket upgrade; only with `ws` or `wss`. Default `/`. */
  wsPath?: string;
}

/** How long each step of `connect()` took, in ms (fractional). */
export interface ConnectTimings {
  /** From `connect()` until the TCP connection was up. */
  tcpMs: number;
  /** The TLS handshake, from TCP up to its end; null for tcp and ws. */
  tlsHandshakeMs: number | null;
  /** From `connect()` until packets could flow (TCP, + TLS, + the WebSocket upgrade). */
  readyMs: number;
}

/** Options of `handshake()`. */
export interface HandshakeOptions {
  /** Sent in SessionConnectReq. Default: protocol version 1. */
  clientVersion?: number;
  /** UTF-8 token (a JWT when the server checks auth). Default ''. */
  token?: string;
  /** Default: the client's `requestTimeoutMs`. */
  timeoutMs?: number;
}

/** Options of `expect()`. */
export interface ExpectOptions {
  /** Default: the client's `requestTimeoutMs`. */
  timeoutMs?: number;
  /** Only a packet for which this returns true is taken; others stay for other waiters. */
  match?: (packet: ReceivedPacket) => boolean;
}

/** Options of `ping()`. */
export interface PingOptions {
  /** Default: the client's `requestTimeoutMs`. */
  timeoutMs?: number;
}

/** Answer to one `ping()`. */
export interface PingResult {
  /** Round-trip time in microseconds (fractional, from `performance.now()`). */
  rttMicros: number;
  /** Sequence number carried by the PingReq and echoed by the PongRes. */
  seq: number;
  /** The server's clock when it answered, µs since the Unix epoch. */
  serverTime: number;
}

/** Called once per matched pong of a `pingMany` run (no allocation per call). */
export type RttListener = (rttMicros: number, seq: number, serverTime: number) => void;

/** Options of `pingMany()`. */
export interface PingManyOptions {
  /** Pings kept outstanding at once (pipelining depth). Default 1. */
  inFlight?: number;
  /** Pacing: at most one ping every `intervalMs` ms (0 = as fast as pongs return). Default 0. */
  intervalMs?: number;
  /** Fail the run when pings are outstanding and no pong arrived for this long, in ms. Default 10,000. */
  stallTimeoutMs?: number;
  /** Receives every RTT as it is measured. */
  onRtt?: RttListener;
  /** Keep every RTT in the result (8 bytes per ping). Default true; turn off for very long runs. */
  keepRtts?: boolean;
}

/** Result of a `pingMany()` run. */
export interface PingManyResult {
  /** Pongs received (equals the requested count when the run resolves). */
  count: number;
  /** RTTs in µs in the order pongs arrived; empty when `keepRtts` was false. */
  rttMicros: Float64Array;
  /** Wall time from the first ping sent to the last pong received, in ms. */
  elapsedMs: number;
}

/** Counters of one client, plain numbers updated in place. */
export interface ClientStats {
  chunksIn: number;
  bytesIn: number;
  packetsIn: number;
  /** Packets sent by `send`, `handshake`, `ping` and `pingMany` (`sendRaw` counts bytes only). */
  packetsOut: number;
  bytesOut: number;
  /** PongRes whose seq matched no outstanding ping (kept for `expect`). */
  unmatchedPongs: number;
  /** Packets dropped from the inbox because it was full. */
  inboxDropped: number;
}

/** Every default in one place. */
export const CLIENT_DEFAULTS = Object.freeze({
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
  inboxLimit: 1_024,
  closeGraceMs: 1_000,
  inFlight: 1,
  intervalMs: 0,
  stallTimeoutMs: 10_000,
  /** Queue limit of one `packets()` iterator. */
  streamQueueLimit: 10_000,
  transport: 'tcp' as ClientTransport,
  wsPath: '/',
  tlsMinVersion: 'TLSv1.3' as const,
  /** Largest WebSocket message accepted from the server (it packs a turn's packets into one). */
  wsMaxMessageBytes: 64 * 1024 * 1024,
});

/** Largest timeout accepted: Node timers overflow past 2^31 − 1 ms. */
export const MAX_TIMEOUT_MS = 0x7fff_ffff;

/**
 * Returns `value` (or `fallback` when undefined) after checking it is an
 * integer in [min, max]; throws NMT_CLIENT_INVALID_ARGUMENT naming the option.
 */
export function checkInteger(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ClientError(
      ClientErrorCode.INVALID_ARGUMENT,
      `${name} must be an integer from ${min} to ${max}, got ${String(v)}`,
    );
  }
  return v;
}

/** The transport part of {@link ConnectOptions}, checked and with defaults filled in. */
export interface ResolvedDial {
  transport: ClientTransport;
  /** Set for tls and wss. */
  tls: TlsDialOptions | null;
  /** Set for ws and wss. */
  wsPath: string | undefined;
}

/** Checks `transport`, `tls` and `wsPath` together; throws NMT_CLIENT_INVALID_ARGUMENT naming the option. */
export function resolveDial(options: ConnectOptions): ResolvedDial {
  const transport = options.transport ?? CLIENT_DEFAULTS.transport;
  const bad = (message: string): ClientError => new ClientError(ClientErrorCode.INVALID_ARGUMENT, `connect: ${message}`);
  if (!CLIENT_TRANSPORTS.includes(transport)) {
    throw bad(`transport must be one of ${CLIENT_TRANSPORTS.join(', ')}, got ${String(transport)}`);
  }
  const secure = transport === 'tls' || transport === 'wss';
  const isWs = transport === 'ws' || transport === 'wss';
  if (options.tls !== undefined && !secure) throw bad(`tls options apply to transports tls and wss, not ${transport}`);
  if (options.wsPath !== undefined && !isWs) throw bad(`wsPath applies to transports ws and wss, not ${transport}`);
  const wsPath = options.wsPath ?? CLIENT_DEFAULTS.wsPath;
  if (isWs && !/^\/[^\s#]*$/.test(wsPath)) throw bad(`wsPath must start with '/' and hold no spaces or '#', got '${wsPath}'`);
  return { transport, tls: secure ? tlsDial(options.tls ?? {}, bad) : null, wsPath: isWs ? wsPath : undefined };
}

function tlsDial(t: ClientTlsOptions, bad: (message: string) => ClientError): TlsDialOptions {
  const minVersion = t.minVersion ?? CLIENT_DEFAULTS.tlsMinVersion;
  if (minVersion !== 'TLSv1.3' && minVersion !== 'TLSv1.2') throw bad(`tls.minVersion must be TLSv1.3 or TLSv1.2, got ${String(minVersion)}`);
  if ((t.cert === undefined) !== (t.key === undefined)) throw bad('tls.cert and tls.key go together (a client certificate and its key)');
  const out: TlsDialOptions = { rejectUnauthorized: t.rejectUnauthorized ?? true, minVersion };
  if (t.ca !== undefined) out.ca = pemText(t.ca);
  if (t.cert !== undefined && t.key !== undefined) {
    out.cert = pemText(t.cert);
    out.key = pemText(t.key);
  }
  if (t.servername !== undefined) out.servername = t.servername;
  return out;
}

function pemText(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}
