/**
 * The TCP side of a TestClient: opens the socket, maps socket failures to
 * typed errors, closes politely (FIN, then destroy after a grace period) and
 * reports everything to one listener object.
 *
 *   net.Socket ──(module-level handlers, `this` = socket)──▶ ClientConnection ──▶ ConnectionListener
 *
 * Handlers are module-level functions that find their connection through a
 * symbol on the socket (as ws does): no closure per connection or per chunk.
 * Nothing here throws into the event loop; every failure ends in exactly one
 * `onClosed` call.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { ClientError, ClientErrorCode, connectErrorFrom, socketErrorFrom } from './errors.ts';

/** Receives the connection's events. */
export interface ConnectionListener {
  /** The TCP connection is established. */
  onOpen(): void;
  onData(chunk: Buffer): void;
  /** The send buffer drained after a `write` returned false. */
  onDrain(): void;
  /**
   * The socket is closed, once per connection. `err` is the typed socket
   * error (refused, timed out, reset, …) or null for a clean close, whoever started it.
   */
  onClosed(err: ClientError | null): void;
}

/** Where and how to connect. */
export interface OpenOptions {
  host: string;
  port: number;
  localAddress: string | undefined;
  timeoutMs: number;
}

const kConnection = Symbol('nmt.clientConnection');
interface TaggedSocket extends Socket {
  [kConnection]: ClientConnection;
}

export class ClientConnection {
  private readonly listener: ConnectionListener;
  private readonly endpoint: string;
  private readonly closeGraceMs: number;
  private socket: TaggedSocket | null = null;
  private localAddress: string | undefined;
  private opened = false;
  /** First error seen; reported by `onClosed` when 'close' follows. */
  private error: ClientError | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private resolveClosed: () => void = noop;
  /** Resolves when the socket is closed (at once if it was never opened). */
  closed: Promise<void> = Promise.resolve();

  constructor(listener: ConnectionListener, endpoint: string, closeGraceMs: number) {
    this.listener = listener;
    this.endpoint = endpoint;
    this.closeGraceMs = closeGraceMs;
  }

  /** True while bytes written wait for the kernel's send buffer. */
  get needsDrain(): boolean {
    return this.socket !== null && this.socket.writableNeedDrain;
  }

  /**
   * Starts connecting. Throws a typed error synchronously only for what
   * `net.connect` itself rejects (a malformed local address); anything later
   * arrives through the listener.
   */
  open(options: OpenOptions): void {
    this.localAddress = options.localAddress;
    let socket: TaggedSocket;
    try {
      socket = netConnect({
        host: options.host,
        port: options.port,
        localAddress: options.localAddress,
        noDelay: true,
      }) as TaggedSocket;
    } catch (err) {
      throw connectErrorFrom(err as Error, this.endpoint, options.localAddress);
    }
    socket[kConnection] = this;
    this.socket = socket;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.on('connect', socketOnConnect);
    socket.on('data', socketOnData);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    socket.on('drain', socketOnDrain);
    // One timer per connection attempt, cleared on connect.
    this.connectTimer = setTimeout(connectTimedOut, options.timeoutMs, this, options.timeoutMs);
  }

  /** Queues bytes; false when the send buffer is over its high-water mark. */
  write(bytes: Uint8Array): boolean {
    return this.socket!.write(bytes);
  }

  /** Sends FIN; destroys the socket if the peer has not closed within the grace period. */
  end(): void {
    const socket = this.socket;
    if (socket === null || socket.destroyed) return;
    socket.end();
    if (this.graceTimer === null) this.graceTimer = setTimeout(destroySocket, this.closeGraceMs, socket);
  }

  /** Closes at once (RST if data is pending). */
  destroy(): void {
    this.socket?.destroy();
  }

  // Entry points of the module-level socket handlers below (not for other callers).

  /** @internal */
  handleConnect(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.opened = true;
    this.listener.onOpen();
  }

  /** @internal */
  handleData(chunk: Buffer): void {
    this.listener.onData(chunk);
  }

  /** @internal */
  handleDrain(): void {
    this.listener.onDrain();
  }

  /** @internal 'error' is always followed by 'close'; the first error is the one reported. */
  handleError(err: Error): void {
    this.error ??= this.opened
      ? socketErrorFrom(err, this.endpoint)
      : connectErrorFrom(err, this.endpoint, this.localAddress);
  }

  /** @internal */
  handleClose(): void {
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
    this.error ??= new ClientError(
      ClientErrorCode.CONNECT_TIMEOUT,
      `no answer from ${this.endpoint} within ${timeoutMs} ms: is the host reachable and the port open (firewall)?`,
    );
    this.socket?.destroy();
  }
}

function noop(): void {}

function socketOnConnect(this: TaggedSocket): void {
  this[kConnection].handleConnect();
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
function destroySocket(socket: Socket): void {
  socket.destroy();
}
