/**
 * The transport side of a TestClient: opens a TCP, TLS or WebSocket
 * connection, maps failures to typed errors, closes politely (FIN or a
 * WebSocket close frame, then destroy after a grace period) and reports
 * everything to one listener object.
 *
 *   tcp      net.Socket  'connect' ───────────────────────────▶ onOpen
 *   tls      TLSSocket   'connect' (TCP) ─ 'secureConnect' ────▶ onOpen
 *   ws/wss   WsWire      TCP ─ (TLS) ─ HTTP upgrade ─ 'open' ──▶ onOpen
 *                                          (harness/vu/ws-wire.ts)
 *
 * Socket handlers are module-level functions that find their connection
 * through a symbol on the socket (as ws does): no closure per connection or
 * per chunk. A WebSocket carries one write (one turn's packets) per binary
 * message; its backpressure (`bufferedAmount` over the mark) looks to the
 * client exactly like a socket's `write()` returning false then 'drain'.
 * Nothing here throws into the event loop; every failure ends in exactly one
 * `onClosed` call.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { TlsDialOptions } from '../security/client-security.ts';
import { WsWire, type WireOwner } from '../vu/ws-wire.ts';
import { CLIENT_DEFAULTS, type ClientTransport, type ConnectTimings, MAX_TIMEOUT_MS } from './client-options.ts';
import { ClientError, ClientErrorCode, connectErrorFrom, socketErrorFrom } from './errors.ts';

/** Receives the connection's events. */
export interface ConnectionListener {
  /** The connection is ready for packets (TCP up; TLS handshake done; WebSocket open). */
  onOpen(): void;
  onData(chunk: Buffer): void;
  /** The send buffer drained after a `write` returned false. */
  onDrain(): void;
  /**
   * The connection is closed, once per connection. `err` is the typed error
   * (refused, timed out, TLS, upgrade, reset, …) or null for a clean close, whoever started it.
   */
  onClosed(err: ClientError | null): void;
}

/** Where and how to connect. */
export interface OpenOptions {
  host: string;
  port: number;
  localAddress: string | undefined;
  /** Bounds TCP connect, TLS handshake and WebSocket upgrade together. */
  timeoutMs: number;
  /** Default tcp. */
  transport?: ClientTransport;
  /** Required for tls and wss, ignored otherwise. */
  tls?: TlsDialOptions | null;
  /** WebSocket URL path (ws, wss). Default '/'. */
  wsPath?: string;
}

/** The part of a socket the connection writes to and closes: a net/TLS socket or a {@link WsWire}. */
interface Wire {
  write(out: Buffer): boolean;
  end(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
}

const kConnection = Symbol('nmt.clientConnection');
interface TaggedSocket extends Socket {
  [kConnection]: ClientConnection;
}

export class ClientConnection implements WireOwner {
  private readonly listener: ConnectionListener;
  private readonly endpoint: string;
  private readonly closeGraceMs: number;
  private wire: Wire | null = null;
  private transport: ClientTransport = 'tcp';
  private wsPath: string | undefined;
  private localAddress: string | undefined;
  private opened = false;
  private closedOnce = false;
  /** A write returned false and the drain has not come yet. */
  private blocked = false;
  /** First error seen; reported by `onClosed` when 'close' follows. */
  private error: ClientError | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private resolveClosed: () => void = noop;
  private startedAt = 0;
  private tcpAt = 0;
  private secureAt = 0;
  private readyAt = 0;
  /** Resolves when the connection is closed (at once if it was never opened). */
  closed: Promise<void> = Promise.resolve();

  constructor(listener: ConnectionListener, endpoint: string, closeGraceMs: number) {
    this.listener = listener;
    this.endpoint = endpoint;
    this.closeGraceMs = closeGraceMs;
  }

  /** True while bytes written wait for the send buffer to drain (socket or WebSocket). */
  get needsDrain(): boolean {
    return this.blocked;
  }

  /** How long connecting took; null until the connection is ready. */
  get timings(): ConnectTimings | null {
    if (this.readyAt === 0) return null;
    const tcpAt = this.tcpAt === 0 ? this.readyAt : this.tcpAt;
    return {
      tcpMs: tcpAt - this.startedAt,
      tlsHandshakeMs: this.secureAt === 0 ? null : this.secureAt - tcpAt,
      readyMs: this.readyAt - this.startedAt,
    };
  }

  /**
   * Starts connecting. Throws a typed error synchronously only for what the
   * dial itself rejects (a malformed local address or URL); anything later
   * arrives through the listener.
   */
  open(options: OpenOptions): void {
    this.localAddress = options.localAddress;
    this.transport = options.transport ?? 'tcp';
    this.startedAt = performance.now();
    let wire: Wire;
    try {
      wire = this.dial(options);
    } catch (err) {
      if (err instanceof ClientError) throw err;
      throw connectErrorFrom(err as Error, this.endpoint, options.localAddress, this.wsPath);
    }
    this.wire = wire;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // One timer per connection attempt, cleared when ready.
    this.connectTimer = setTimeout(connectTimedOut, options.timeoutMs, this, options.timeoutMs);
  }

  private dial(options: OpenOptions): Wire {
    const { host, port, localAddress } = options;
    const transport = this.transport;
    if (transport === 'ws' || transport === 'wss') {
      this.wsPath = options.wsPath ?? CLIENT_DEFAULTS.wsPath;
      const hostPart = host.includes(':') ? `[${host}]` : host;
      return new WsWire(this, `${transport}://${hostPart}:${port}${this.wsPath}`, {
        localAddress,
        tls: transport === 'wss' ? requireTls(options) : null,
        maxPayload: CLIENT_DEFAULTS.wsMaxMessageBytes,
        // Our own connect timer (same limit, set just after) is the one that fires.
        handshakeTimeoutMs: Math.min(options.timeoutMs + 1000, MAX_TIMEOUT_MS),
      });
    }
    let socket: Socket;
    if (transport === 'tls') {
      socket = tlsConnect({ host, port, localAddress, ...requireTls(options) } as ConnectionOptions);
      socket.setNoDelay(true);
      socket.on('secureConnect', socketOnSecureConnect);
    } else {
      socket = netConnect({ host, port, localAddress, noDelay: true });
    }
    (socket as TaggedSocket)[kConnection] = this;
    socket.on('connect', socketOnConnect);
    socket.on('data', socketOnData);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    socket.on('drain', socketOnDrain);
    return socket;
  }

  /** Queues bytes; false when the send buffer is over its high-water mark (wait for `onDrain`). */
  write(bytes: Uint8Array): boolean {
    const buf = bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ok = this.wire!.write(buf);
    if (!ok) this.blocked = true;
    return ok;
  }

  /** Sends FIN (WebSocket: a close frame); destroys if the peer has not closed within the grace period. */
  end(): void {
    const wire = this.wire;
    if (wire === null || wire.destroyed) return;
    wire.end();
    if (this.graceTimer === null) this.graceTimer = setTimeout(destroyWire, this.closeGraceMs, wire);
  }

  /** Closes at once (RST if data is pending). */
  destroy(): void {
    this.wire?.destroy();
  }

  // Entry points of the socket handlers below and of WsWire (WireOwner); not for other callers.

  /** @internal TCP is up; over tcp the connection is ready, else TLS or the upgrade follows. */
  handleTcpConnect(): void {
    this.tcpAt = performance.now();
    if (this.transport === 'tcp') this.handleConnect(this.tcpAt);
  }

  /** @internal TLS handshake done; over tls the connection is ready, over wss the upgrade follows. */
  handleSecureConnect(): void {
    this.secureAt = performance.now();
    if (this.transport === 'tls') this.handleConnect(this.secureAt);
  }

  /** @internal Ready for packets (`now`: when, if the caller just read the clock). */
  handleConnect(now: number = performance.now()): void {
    if (this.opened || this.closedOnce) return;
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.opened = true;
    this.readyAt = now;
    this.listener.onOpen();
  }

  /** @internal */
  handleData(chunk: Buffer): void {
    this.listener.onData(chunk);
  }

  /** @internal */
  handleDrain(): void {
    if (this.closedOnce) return;
    this.blocked = false;
    this.listener.onDrain();
  }

  /** @internal The server sent a WebSocket text message: not this protocol. */
  handleTextMessage(): void {
    this.error ??= new ClientError(
      ClientErrorCode.PROTOCOL_ERROR,
      `server ${this.endpoint} sent a WebSocket text message; packets travel in binary messages: is it speaking this protocol?`,
    );
    this.wire?.destroy();
  }

  /** @internal 'error' is always followed by 'close'; the first error is the one reported. */
  handleError(err: Error): void {
    this.error ??= this.opened
      ? socketErrorFrom(err, this.endpoint)
      : connectErrorFrom(err, this.endpoint, this.localAddress, this.wsPath);
  }

  /** @internal */
  handleClose(): void {
    if (this.closedOnce) return;
    this.closedOnce = true;
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.connectTimer = null;
    this.graceTimer = null;
    this.listener.onClosed(this.error);
    this.resolveClosed();
  }

  /** @internal The connect timer fired: record why, then destroy (which emits 'close'). */
  handleConnectTimeout(timeoutMs: number): void {
    this.connectTimer = null;
    const steps = this.transport === 'tcp' ? '' : ` (${CONNECT_STEPS[this.transport]})`;
    this.error ??= new ClientError(
      ClientErrorCode.CONNECT_TIMEOUT,
      `no answer from ${this.endpoint} within ${timeoutMs} ms${steps}: is the host reachable and the port open (firewall)?`,
    );
    this.wire?.destroy();
  }
}

/** What connecting involves per transport, for the timeout message. */
const CONNECT_STEPS: Record<ClientTransport, string> = {
  tcp: 'TCP connect',
  tls: 'TCP connect + TLS handshake',
  ws: 'TCP connect + WebSocket upgrade',
  wss: 'TCP connect + TLS handshake + WebSocket upgrade',
};

/** The TLS options of a tls/wss dial; their absence is a programming error of the caller. */
function requireTls(options: OpenOptions): TlsDialOptions {
  if (options.tls === undefined || options.tls === null) {
    throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, `transport ${options.transport} needs TLS options`);
  }
  return options.tls;
}

function noop(): void {}

function socketOnConnect(this: TaggedSocket): void {
  this[kConnection].handleTcpConnect();
}
function socketOnSecureConnect(this: TaggedSocket): void {
  this[kConnection].handleSecureConnect();
}
function socketOnData(this: TaggedSocket, chunk: Buffer): void {
  this[kConnection].handleData(chunk);
}
function socketOnError(this: TaggedSocket, err: Error): void {
  this[kConnection].handleError(err);
}
function socketOnClose(this: TaggedSocket): void {
  this[kConnection].handleClose();
}
function socketOnDrain(this: TaggedSocket): void {
  this[kConnection].handleDrain();
}
function connectTimedOut(connection: ClientConnection, timeoutMs: number): void {
  connection.handleConnectTimeout(timeoutMs);
}
function destroyWire(wire: Wire): void {
  wire.destroy();
}
