/**
 * {@link Transport} over WebSocket (`ws`), plain (`ws`) or over TLS (`wss`),
 * for browser clients. Same packets, same handlers, same limits.
 *
 *   http(s).Server ── 'upgrade' ── path check ── WebSocketServer.handleUpgrade ── WsConnection
 *        │                                                                         │
 *        └── plain requests: 426; bad upgrades: 400/404; slow ones: 408    message ─▶ onData
 *
 * Framing rules (docs/security.md, docs/protocol.md):
 * - Only binary messages. A text message is a violation: DisconnectNotice
 *   MalformedPayload, then close.
 * - A message holds one or more WHOLE packets; a packet never spans two
 *   messages. A message that ends inside a packet is MalformedPayload (the
 *   packets before it are still handled). This keeps every message
 *   self-contained for browsers and lets the server reject a split at once.
 * - A message is at most `maxMessageBytes` (ws `maxPayload`, default
 *   maxPacketSize × 64). A bigger one is cut off by `ws` with close code
 *   1009 before it is buffered; it counts as a SizeTooLarge violation, but
 *   the DisconnectNotice cannot be delivered (the close frame went first).
 *   Other WebSocket framing errors (bad opcode, unmasked frame, ...) close
 *   with 1002 and count as MalformedPayload.
 * - Ping frames are read and dropped (no automatic pong): keep-alive is the
 *   protocol's PingReq, which the rate limit sees. Compression is off
 *   (no zip bombs, no per-message CPU).
 *
 * Backpressure: `writableLength` is `ws.bufferedAmount` (frames queued in
 * `ws` plus the socket's buffer), `pause`/`resume` stop and restart reading
 * the socket, `onDrain` comes from the socket's 'drain'.
 *
 * A WebSocket has no half-close: a client leaves with a close frame, which
 * `ws` answers at once, so answers not yet sent are dropped. Clients should
 * wait for their last answer before closing.
 *
 * How a client connects: `new WebSocket('ws://host:port/')` (or `wss://`
 * with the CA), `binaryType = 'arraybuffer'`, send each batch of packets as
 * one binary message, read packets from each binary message.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';
import { DisconnectReason, HEADER_SIZE } from '../../protocol/index.ts';
import { DEFAULT_LIMITS } from './config.ts';
import { TransportConfigError, type ConfigIssue } from './errors.ts';
import type { MetricFamily } from './prometheus.ts';
import { resolveTlsSettings, tlsServerOptions, TLS_LIMITS, type ResolvedTlsSettings, type TlsMaterial, type TlsSettings } from './tls-config.ts';
import { TlsHandshakeTracker } from './tls-handshake-stats.ts';
import { reloadSecureContext } from './tls-transport.ts';
import type { BoundAddress, Connection, ConnectionEvents, Transport, TransportEvents } from './transport.ts';

/** Options of {@link WsTransport}. */
export interface WsTransportOptions {
  /** URL path clients must upgrade on (query strings are ignored). Default `/`. */
  path?: string;
  /** Largest message accepted, in bytes. Default `maxPacketSize × packetsPerMessage`. */
  maxMessageBytes?: number;
  /** Used for the default of maxMessageBytes. Default the engine's default maxPacketSize (16384). */
  maxPacketSize?: number;
  /** Used for the default of maxMessageBytes. Default 64. */
  packetsPerMessage?: number;
  /** The HTTP upgrade request must be complete within this time of accept (after TLS for wss). Default 10000 ms. */
  upgradeTimeoutMs?: number;
  /** Connections accepted and not yet upgraded, at most; more are closed at accept. Default 1024. */
  maxPendingUpgrades?: number;
  /** Serve `wss` with these TLS settings; absent/null = plain `ws`. */
  tls?: TlsSettings | null;
  /** Listen backlog. Default 511. */
  backlog?: number;
}

/** Why an HTTP connection did not become a WebSocket, as a metric label. */
export const WsUpgradeFailure = {
  /** The request asked for another path (404). */
  Path: 'path',
  /** A plain HTTP request, not an upgrade (426). */
  NotUpgrade: 'not_upgrade',
  /** Malformed HTTP or WebSocket handshake headers (400/405). */
  BadRequest: 'bad_request',
  /** The request did not arrive in time (408 or idle close). */
  Timeout: 'timeout',
  /** Refused at accept: maxPendingUpgrades connections were already waiting. */
  PendingLimit: 'pending_limit',
  /** The connection closed or reset before upgrading. */
  Reset: 'reset',
} as const;
export type WsUpgradeFailure = (typeof WsUpgradeFailure)[keyof typeof WsUpgradeFailure];
const UPGRADE_FAILURES: readonly WsUpgradeFailure[] = Object.values(WsUpgradeFailure);

export const WS_DEFAULTS = Object.freeze({ path: '/', packetsPerMessage: 64, upgradeTimeoutMs: 10_000, maxPendingUpgrades: 1024 });

const kConn = Symbol('nmt.wsConnection');
const kState = Symbol('nmt.wsTransport');
const kPending = Symbol('nmt.wsPending');

type TaggedWs = WebSocket & { [kConn]?: WsConnection };
/** `WebSocket.OPEN`, without loading `ws` for a constant. */
const WS_OPEN = 1;
type TaggedSocket = Socket & { [kConn]?: WsConnection; [kPending]?: boolean; [kState]?: WsTransport };
type TaggedServer = http.Server & { [kState]?: WsTransport };
type TaggedReq = http.IncomingMessage & { [kState]?: WsTransport };

/** True when `msg` does not end exactly at a packet boundary (v1 header: u16 size, header included). */
export function endsInsidePacket(msg: Buffer): boolean {
  const n = msg.length;
  let off = 0;
  while (off + HEADER_SIZE <= n) {
    const size = msg.readUInt16LE(off);
    // The session's decoder reports a size below the header itself (SizeTooSmall).
    if (size < HEADER_SIZE) return false;
    off += size;
  }
  return off !== n;
}

/** One WebSocket session; see {@link Connection}. */
export class WsConnection implements Connection {
  readonly remoteAddress: string;
  /** @internal read by the module-level handlers. */
  events: ConnectionEvents | null = null;
  /** @internal */
  lastError: Error | null = null;
  private readonly ws: TaggedWs;
  private readonly socket: TaggedSocket;

  constructor(ws: WebSocket, socket: Socket, remoteAddress: string) {
    this.ws = ws as TaggedWs;
    this.socket = socket as TaggedSocket;
    this.remoteAddress = remoteAddress;
    this.ws[kConn] = this;
    this.socket[kConn] = this;
    this.ws.on('error', wsOnError);
    this.ws.on('close', wsOnClose);
  }

  get writableLength(): number {
    return this.ws.bufferedAmount;
  }

  get writable(): boolean {
    return this.ws.readyState === WS_OPEN;
  }

  attach(events: ConnectionEvents): void {
    this.events = events;
    this.ws.on('message', wsOnMessage);
    this.socket.on('drain', socketOnDrain);
  }

  write(buf: Buffer): boolean {
    if (this.ws.readyState !== WS_OPEN) return false;
    this.ws.send(buf);
    return this.ws.bufferedAmount < this.socket.writableHighWaterMark;
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  /** Close frame 1000 after what is queued (the DisconnectNotice says why). */
  end(): void {
    if (this.ws.readyState === WS_OPEN) this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }
}

function wsOnMessage(this: TaggedWs, data: Buffer, isBinary: boolean): void {
  const conn = this[kConn]!;
  const events = conn.events;
  if (events === null) return;
  if (!isBinary) {
    events.onTransportViolation(DisconnectReason.MalformedPayload, 'text WebSocket messages are not part of the protocol; send packets in binary messages');
    return;
  }
  events.onData(data);
  if (conn.events !== null && endsInsidePacket(data)) {
    conn.events.onTransportViolation(
      DisconnectReason.MalformedPayload,
      `a WebSocket message of ${data.length} bytes ends inside a packet; every message must hold whole packets`,
    );
  }
}

function wsOnError(this: TaggedWs, err: Error): void {
  const conn = this[kConn]!;
  if (conn.lastError === null) conn.lastError = err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('WS_ERR_') && conn.events !== null) {
    const reason = code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? DisconnectReason.SizeTooLarge : DisconnectReason.MalformedPayload;
    conn.events.onTransportViolation(reason, `WebSocket framing error: ${err.message}`);
  }
}

function wsOnClose(this: TaggedWs): void {
  const conn = this[kConn]!;
  const events = conn.events;
  conn.events = null;
  if (events !== null) events.onClose(conn.lastError);
}

function socketOnDrain(this: TaggedSocket): void {
  this[kConn]?.events?.onDrain();
}

/** Accepts WebSocket connections; see the module comment. */
export class WsTransport implements Transport {
  readonly kind: 'ws' | 'wss';
  readonly path: string;
  readonly maxMessageBytes: number;
  readonly upgradeTimeoutMs: number;
  readonly maxPendingUpgrades: number;
  /** TLS settings for wss, else null. */
  readonly tls: ResolvedTlsSettings | null;
  /** TLS handshake counters for wss, else null. */
  readonly handshakes: TlsHandshakeTracker | null;
  /** Connections accepted and not yet upgraded. */
  pendingUpgrades = 0;
  /** Successful upgrades since start. */
  upgrades = 0;
  /** Failed upgrades by reason (indexed like WsUpgradeFailure values). */
  readonly upgradeFailures = new Float64Array(UPGRADE_FAILURES.length);
  /** @internal */
  events: TransportEvents | null = null;
  /**
   * @internal Created by `listen`: `ws` is imported only when a WebSocket
   * transport starts, so a TCP-only server never loads it (~6 MB of resident
   * memory, docs/performance.md "Memory").
   */
  wss: WebSocketServer | null = null;
  private readonly backlog: number;
  private server: TaggedServer | null = null;

  /** Throws {@link TransportConfigError} (NMT_SERVER_TRANSPORT_CONFIG_INVALID) for invalid options or TLS material. */
  constructor(options: WsTransportOptions = {}) {
    const issues: ConfigIssue[] = [];
    const path = options.path ?? WS_DEFAULTS.path;
    if (!path.startsWith('/') || /[?#\s]/.test(path)) issues.push({ path: 'path', message: `must start with / and hold no ?, # or spaces, got "${path}"` });
    const maxPacketSize = options.maxPacketSize ?? DEFAULT_LIMITS.maxPacketSize;
    const perMessage = options.packetsPerMessage ?? WS_DEFAULTS.packetsPerMessage;
    const int = (key: string, v: number, min: number, max: number): void => {
      if (!Number.isInteger(v) || v < min || v > max) issues.push({ path: key, message: `must be an integer in ${min}..${max}, got ${v}` });
    };
    int('packetsPerMessage', perMessage, 1, 65_536);
    const maxMessageBytes = options.maxMessageBytes ?? maxPacketSize * perMessage;
    int('maxMessageBytes', maxMessageBytes, HEADER_SIZE, 256 * 1024 * 1024);
    if (maxMessageBytes < maxPacketSize) issues.push({ path: 'maxMessageBytes', message: `must be at least maxPacketSize (${maxPacketSize}), got ${maxMessageBytes}` });
    const upgradeTimeoutMs = options.upgradeTimeoutMs ?? WS_DEFAULTS.upgradeTimeoutMs;
    int('upgradeTimeoutMs', upgradeTimeoutMs, TLS_LIMITS.handshakeTimeoutMs.min, TLS_LIMITS.handshakeTimeoutMs.max);
    const maxPendingUpgrades = options.maxPendingUpgrades ?? WS_DEFAULTS.maxPendingUpgrades;
    int('maxPendingUpgrades', maxPendingUpgrades, TLS_LIMITS.maxPendingHandshakes.min, TLS_LIMITS.maxPendingHandshakes.max);
    if (issues.length > 0) throw new TransportConfigError(issues, 'WebSocket transport options');
    this.tls = options.tls === undefined || options.tls === null ? null : resolveTlsSettings(options.tls);
    this.kind = this.tls === null ? 'ws' : 'wss';
    this.handshakes = this.tls === null ? null : new TlsHandshakeTracker(this.tls.maxPendingHandshakes);
    this.path = path;
    this.maxMessageBytes = maxMessageBytes;
    this.upgradeTimeoutMs = upgradeTimeoutMs;
    this.maxPendingUpgrades = maxPendingUpgrades;
    this.backlog = options.backlog ?? 511;
  }

  /** @internal Counts a failed upgrade. */
  failUpgrade(reason: WsUpgradeFailure): void {
    this.upgradeFailures[UPGRADE_FAILURES.indexOf(reason)]!++;
  }

  /** Failed upgrades counted for `reason`. */
  upgradeFailuresFor(reason: WsUpgradeFailure): number {
    return this.upgradeFailures[UPGRADE_FAILURES.indexOf(reason)]!;
  }

  listen(host: string, port: number, events: TransportEvents): Promise<BoundAddress> {
    if (this.server !== null) return Promise.reject(new Error('WsTransport.listen called twice'));
    const t = this.upgradeTimeoutMs;
    const timeouts = { headersTimeout: t, requestTimeout: t, connectionsCheckingInterval: Math.min(1000, Math.ceil(t / 2)), keepAliveTimeout: t };
    const server: TaggedServer =
      this.tls === null
        ? http.createServer(timeouts)
        : // No half-open TLS: a FIN during the handshake closes at once (WebSocket has no half-close anyway).
          https.createServer({ ...tlsServerOptions(this.tls), ...timeouts, allowHalfOpen: false });
    server[kState] = this;
    server.timeout = t;
    if (this.handshakes !== null) this.handshakes.attach(server as unknown as https.Server);
    server.on(this.tls === null ? 'connection' : 'secureConnection', serverOnHttpConnection);
    server.on('request', serverOnRequest);
    server.on('upgrade', serverOnUpgrade);
    server.on('timeout', serverOnTimeout);
    server.on('clientError', serverOnClientError);
    this.server = server;
    const loaded = import('ws').catch((err: unknown) => {
      if (this.server === server) this.server = null;
      throw err;
    });
    return loaded.then(({ WebSocketServer: Wss }) => {
      if (this.server !== server) throw new Error('stopAccepting() was called before listen() completed');
      if (this.wss === null) {
        const wss: WebSocketServer & { [kState]?: WsTransport } = new Wss({
          noServer: true,
          maxPayload: this.maxMessageBytes,
          perMessageDeflate: false,
          clientTracking: false,
          autoPong: false,
        });
        wss[kState] = this;
        wss.on('wsClientError', wssOnClientError);
        this.wss = wss;
      }
      return this.bind(server, host, port, events);
    });
  }

  private bind(server: TaggedServer, host: string, port: number, events: TransportEvents): Promise<BoundAddress> {
    return new Promise<BoundAddress>((resolve, reject) => {
      const onListenError = (err: Error): void => {
        this.server = null;
        reject(err);
      };
      server.once('error', onListenError);
      server.listen({ host, port, backlog: this.backlog }, () => {
        server.off('error', onListenError);
        server.on('error', serverOnError);
        this.events = events;
        const info = server.address() as AddressInfo;
        resolve({ host: info.address, port: info.port });
      });
    });
  }

  stopAccepting(): void {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    this.events = null;
    server.close();
  }

  /**
   * wss only: replaces certificate, key and CA for new handshakes. Throws
   * {@link TransportConfigError} (keeping the old ones) for unusable material,
   * for plain ws, or before `listen`.
   */
  setCertificates(material: TlsMaterial): void {
    if (this.tls === null) throw new TransportConfigError([{ path: 'tls', message: 'a plain ws transport has no certificates' }], 'TLS reload');
    reloadSecureContext(this.server as unknown as https.Server | null, material, this.tls);
  }

  metrics(): readonly MetricFamily[] {
    const transport = this.kind;
    const families: MetricFamily[] = [
      { name: 'nmt_ws_upgrades_total', type: 'counter', help: 'WebSocket upgrades completed.', samples: [{ labels: { transport }, value: this.upgrades }] },
      { name: 'nmt_ws_upgrades_pending', type: 'gauge', help: 'Connections accepted and not yet upgraded (bounded by maxPendingUpgrades).', samples: [{ labels: { transport }, value: this.pendingUpgrades }] },
      {
        name: 'nmt_ws_upgrade_failures_total',
        type: 'counter',
        help: 'Connections that did not become WebSockets, by reason.',
        samples: UPGRADE_FAILURES.map((reason, i) => ({ labels: { transport, reason }, value: this.upgradeFailures[i]! })),
      },
    ];
    if (this.handshakes !== null) families.push(...this.handshakes.metrics(transport));
    return families;
  }
}

/** Writes a minimal HTTP error response, then destroys the socket once it is flushed (whatever the peer does). */
function refuse(socket: Socket, status: number, text: string, detail: string): void {
  if (socket.writable) {
    const body = `${detail}\n`;
    socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.destroySoon();
}

function serverOnHttpConnection(this: TaggedServer, socket: TaggedSocket): void {
  const t = this[kState]!;
  socket[kState] = t;
  socket[kPending] = true;
  t.pendingUpgrades++;
  socket.once('close', socketOnPendingClose);
  if (t.pendingUpgrades > t.maxPendingUpgrades) {
    t.failUpgrade(WsUpgradeFailure.PendingLimit);
    socket[kPending] = false;
    t.pendingUpgrades--;
    socket.destroy();
  }
}

function socketOnPendingClose(this: TaggedSocket): void {
  if (this[kPending] !== true) return;
  this[kPending] = false;
  const t = this[kState]!;
  t.pendingUpgrades--;
  t.failUpgrade(WsUpgradeFailure.Reset);
}

function serverOnRequest(this: TaggedServer, _req: http.IncomingMessage, res: http.ServerResponse): void {
  const t = this[kState]!;
  settlePending(t, res.socket as TaggedSocket | null);
  t.failUpgrade(WsUpgradeFailure.NotUpgrade);
  res.writeHead(426, { Connection: 'close, Upgrade', Upgrade: 'websocket', 'Content-Type': 'text/plain' });
  res.end(`this is a WebSocket endpoint: connect with a WebSocket client to ${t.path}\n`);
}

function serverOnUpgrade(this: TaggedServer, req: TaggedReq, socket: TaggedSocket, head: Buffer): void {
  const t = this[kState]!;
  if (t.events === null) {
    socket.destroy();
    return;
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path !== t.path) {
    settlePending(t, socket);
    t.failUpgrade(WsUpgradeFailure.Path);
    refuse(socket, 404, 'Not Found', `no WebSocket endpoint at ${path.slice(0, 100)}; use ${t.path}`);
    return;
  }
  req[kState] = t;
  t.wss!.handleUpgrade(req, socket, head, onUpgraded);
}

/** The connection stopped waiting for its upgrade (done, refused or failed): one decrement, once. */
function settlePending(t: WsTransport, socket: TaggedSocket | null): void {
  if (socket !== null && socket[kPending] === true) {
    socket[kPending] = false;
    t.pendingUpgrades--;
  }
}

function onUpgraded(ws: WebSocket, req: TaggedReq): void {
  const t = req[kState]!;
  const socket = req.socket as TaggedSocket;
  settlePending(t, socket);
  const events = t.events;
  if (events === null) {
    ws.terminate();
    return;
  }
  t.upgrades++;
  events.onConnection(new WsConnection(ws, socket, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`));
}

function wssOnClientError(this: WebSocketServer & { [kState]?: WsTransport }, err: Error, socket: TaggedSocket, _req: http.IncomingMessage): void {
  const t = this[kState]!;
  settlePending(t, socket);
  t.failUpgrade(WsUpgradeFailure.BadRequest);
  refuse(socket, 400, 'Bad Request', `WebSocket handshake refused: ${err.message}`);
}

function serverOnTimeout(this: TaggedServer, socket: TaggedSocket): void {
  const t = this[kState]!;
  if (socket[kPending] === true) {
    settlePending(t, socket);
    t.failUpgrade(WsUpgradeFailure.Timeout);
  }
  socket.destroy();
}

function serverOnClientError(this: TaggedServer, err: Error & { code?: string }, socket: TaggedSocket): void {
  const t = this[kState]!;
  if (socket[kPending] === true) {
    settlePending(t, socket);
    t.failUpgrade(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? WsUpgradeFailure.Timeout : err.code === 'ECONNRESET' ? WsUpgradeFailure.Reset : WsUpgradeFailure.BadRequest);
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') refuse(socket, 408, 'Request Timeout', 'the upgrade request did not arrive in time');
  else if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
  else refuse(socket, 400, 'Bad Request', 'malformed HTTP request');
}

function serverOnError(this: TaggedServer, err: Error): void {
  this[kState]?.events?.onError(err);
}
