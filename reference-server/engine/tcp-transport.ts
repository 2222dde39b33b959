/**
 * {@link Transport} over plain TCP (`node:net`).
 *
 * Socket events are handled by module-level functions that find their
 * connection through a symbol on the socket (ws `socketOnData` style), so no
 * closure is created per connection or per packet. Nagle is off
 * (`setNoDelay(true)`): the engine already batches writes per event-loop
 * turn, so delaying small packets in the kernel would only add latency.
 *
 * The server is created with `allowHalfOpen: true`: a peer that sends its
 * requests and then half-closes (FIN) still gets its answers; the session
 * decides when to end its side.
 *
 * {@link TlsTransport} extends this class: it only swaps the server
 * (`createServer`) and the event that yields a ready socket (`acceptEvent`);
 * a `TLSSocket` is a `net.Socket`, so {@link TcpConnection} serves both.
 */
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { BoundAddress, Connection, ConnectionEvents, Transport, TransportEvents } from './transport.ts';

const kConnection = Symbol('nmt.tcpConnection');
const kTransportEvents = Symbol('nmt.transportEvents');

type TaggedSocket = Socket & { [kConnection]?: TcpConnection };
type TaggedServer = Server & { [kTransportEvents]?: TransportEvents };

/** Options of {@link TcpTransport}. */
export interface TcpTransportOptions {
  /** Listen backlog (pending accepts the kernel queues). Default 511, as Node. */
  backlog?: number;
}

/** A TCP (or TLS: a TLSSocket is a net.Socket) connection; see {@link Connection}. */
export class TcpConnection implements Connection {
  /** @internal read by the module-level socket handlers. */
  events: ConnectionEvents | null = null;
  /** @internal the error reported before `close`, if any. */
  lastError: Error | null = null;
  private readonly socket: Socket;
  /** `ip:port`, built on first use (see {@link remoteAddress}). */
  private peer: string | null = null;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    (socket as TaggedSocket)[kConnection] = this;
    // An 'error' listener must exist from the first moment: without one, a
    // reset before `attach` would throw into the event loop.
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
  }

  /**
   * `ip:port` of the peer, read when first asked for and then kept. Not read
   * in the constructor: `socket.remoteAddress` is a `getpeername` syscall and
   * a string per connection, and only debug logs and the DB session log use
   * it (docs/performance.md, "Server changes"). Asked for only after the
   * socket closed, the address may be unknown (`?:0`).
   */
  get remoteAddress(): string {
    this.peer ??= `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? 0}`;
    return this.peer;
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  get writable(): boolean {
    return this.socket.writable && !this.socket.destroyed;
  }

  attach(events: ConnectionEvents): void {
    this.events = events;
    this.socket.on('data', socketOnData);
    this.socket.on('drain', socketOnDrain);
    this.socket.on('end', socketOnEnd);
  }

  write(buf: Buffer): boolean {
    const s = this.socket;
    if (!s.writable || s.destroyed) return false;
    return s.write(buf);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (!this.socket.destroyed) this.socket.resume();
  }

  end(): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function socketOnData(this: TaggedSocket, chunk: Buffer): void {
  this[kConnection]!.events!.onData(chunk);
}

function socketOnDrain(this: TaggedSocket): void {
  this[kConnection]!.events!.onDrain();
}

function socketOnEnd(this: TaggedSocket): void {
  this[kConnection]!.events!.onEnd();
}

function socketOnError(this: TaggedSocket, err: Error): void {
  // 'close' always follows 'error'; report the error there, once.
  const conn = this[kConnection];
  if (conn !== undefined && conn.lastError === null) conn.lastError = err;
}

function socketOnClose(this: TaggedSocket): void {
  const conn = this[kConnection];
  if (conn === undefined) return;
  const events = conn.events;
  conn.events = null;
  if (events !== null) events.onClose(conn.lastError);
}

function serverOnConnection(this: TaggedServer, socket: Socket): void {
  const events = this[kTransportEvents];
  if (events === undefined) {
    socket.destroy();
    return;
  }
  events.onConnection(new TcpConnection(socket));
}

function serverOnError(this: TaggedServer, err: Error): void {
  this[kTransportEvents]?.onError(err);
}

/** Accepts TCP connections; see {@link Transport}. */
export class TcpTransport implements Transport {
  readonly kind: string = 'tcp';
  private readonly backlog: number;
  private server: TaggedServer | null = null;
  /** Rejects the listen() in progress, if any. */
  private abortListen: ((err: Error) => void) | null = null;

  constructor(options: TcpTransportOptions = {}) {
    this.backlog = options.backlog ?? 511;
  }

  /** The listening server; subclasses return a `tls.Server`. Called once, by `listen`. */
  protected createServer(): Server {
    return net.createServer({ allowHalfOpen: true, noDelay: true });
  }

  /** The server event whose argument is a socket ready for packets. */
  protected acceptEvent(): string {
    return 'connection';
  }

  listen(host: string, port: number, events: TransportEvents): Promise<BoundAddress> {
    if (this.server !== null) return Promise.reject(new Error(`${this.constructor.name}.listen called twice`));
    const server: TaggedServer = this.createServer();
    server[kTransportEvents] = events;
    this.server = server;
    return new Promise<BoundAddress>((resolve, reject) => {
      const onListenError = (err: Error): void => {
        this.abortListen = null;
        this.server = null;
        server[kTransportEvents] = undefined;
        reject(err);
      };
      this.abortListen = onListenError;
      server.once('error', onListenError);
      server.listen({ host, port, backlog: this.backlog }, () => {
        this.abortListen = null;
        server.off('error', onListenError);
        server.on('error', serverOnError);
        server.on(this.acceptEvent(), serverOnConnection);
        const info = server.address() as AddressInfo;
        resolve({ host: info.address, port: info.port });
      });
    });
  }

  stopAccepting(): void {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    // A listen() still binding would otherwise never settle: close() suppresses its callback.
    this.abortListen?.(new Error('stopAccepting() was called before listen() completed'));
    // Connections racing the close are destroyed by serverOnConnection.
    server[kTransportEvents] = undefined;
    // close() stops listening now; its callback would wait for every
    // connection, which the engine tracks itself.
    server.close();
  }
}
