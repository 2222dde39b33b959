/**
 * A VU connection's WebSocket (transport ws / wss), shaped like the part of
 * a `net.Socket` the connection uses — `write`, `end`, `destroy`,
 * `destroyed` — so the connection's send path is the same for every
 * transport. Each write is one binary message holding that turn's whole
 * packets (the TestServer accepts one or more whole packets per message).
 *
 *   WebSocket event        → connection
 *   TCP 'connect'          → handleTcpConnect   (createConnection hook)
 *   TLS 'secureConnect'    → handleSecureConnect (wss)
 *   'open' (101 upgrade)   → handleConnect
 *   'message' (binary)     → handleData
 *   send callback          → handleDrain        (only after a blocked write)
 *   'error' / 'close'      → handleError / handleClose
 *
 * Backpressure: `write` returns false once `bufferedAmount` passes the
 * high-water mark, and asks for a callback on that message; when it fires
 * and the buffer is below the mark again the connection is told it may send.
 */
import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { WebSocket, type ClientOptions } from 'ws';
import type { TlsDialOptions } from '../security/client-security.ts';

/** What the wire reports to (implemented by VuConnection). */
export interface WireOwner {
  handleTcpConnect(): void;
  handleSecureConnect(): void;
  handleConnect(): void;
  handleData(buf: Buffer, length: number): void;
  handleDrain(): void;
  handleError(err: NodeJS.ErrnoException): void;
  handleTextMessage(): void;
  handleClose(): void;
}

/** Buffered bytes past which a write reports backpressure (net.Socket's default high-water mark). */
export const WS_HIGH_WATER_MARK = 16 * 1024;

const OWNER = Symbol('wireOwner');
type OwnedSocket = Socket & { [OWNER]?: WireOwner };
type DialOptions = ConnectionOptions & { [OWNER]?: WireOwner; secure?: boolean };

const SEND_OPTIONS = Object.freeze({ binary: true, compress: false, fin: true });

export class WsWire {
  private readonly ws: WebSocket;
  private readonly owner: WireOwner;
  private readonly onBlockedSent = (): void => {
    if (this.ws.bufferedAmount < WS_HIGH_WATER_MARK) this.owner.handleDrain();
  };
  destroyed = false;

  constructor(
    owner: WireOwner,
    url: string,
    opts: { localAddress: string | undefined; tls: TlsDialOptions | null; maxPayload: number; handshakeTimeoutMs: number },
  ) {
    this.owner = owner;
    const secure = opts.tls !== null;
    const options: ClientOptions & { [OWNER]: WireOwner; secure: boolean } = {
      perMessageDeflate: false,
      maxPayload: opts.maxPayload,
      handshakeTimeout: opts.handshakeTimeoutMs,
      createConnection: createConnection as ClientOptions['createConnection'],
      ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      ...(opts.tls ?? {}),
      [OWNER]: owner,
      secure,
    };
    const ws = new WebSocket(url, options);
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => owner.handleConnect());
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) owner.handleData(data, data.length);
      else owner.handleTextMessage();
    });
    ws.on('error', (err: NodeJS.ErrnoException) => owner.handleError(err));
    ws.on('close', () => {
      this.destroyed = true;
      owner.handleClose();
    });
  }

  /**
   * Bytes not yet handed to the kernel (ws's queue + its socket's buffer).
   * The connection reads it after a write, like a net socket's, to learn
   * whether `out` may still be referenced: ws copies a message while masking
   * it (a client masks every frame), but a frame whose random mask is all
   * zeros is sent unmasked and unmasked frames are queued by reference, so 0
   * here is what makes reusing `out` safe.
   */
  get writableLength(): number {
    return this.ws.bufferedAmount;
  }

  /** Sends `out` as one binary message; false when the connection should wait for handleDrain. */
  write(out: Buffer): boolean {
    const ws = this.ws;
    if (ws.readyState !== WebSocket.OPEN) return true;
    const blocks = ws.bufferedAmount + out.length >= WS_HIGH_WATER_MARK;
    if (blocks) ws.send(out, SEND_OPTIONS, this.onBlockedSent);
    else ws.send(out, SEND_OPTIONS);
    return !blocks;
  }

  /** Closing handshake (close frame 1000); 'close' follows when the server answers. */
  end(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    else this.destroy();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.ws.terminate();
  }
}

/** ws's createConnection hook: dials like ws would, and reports TCP and TLS completion for the timings. */
function createConnection(options: DialOptions): Socket {
  const owner = options[OWNER];
  let socket: OwnedSocket;
  options.path = undefined;
  if (options.secure === true) {
    socket = tlsConnect(options);
    socket.once('secureConnect', onSecureConnect);
  } else {
    socket = netConnect(options as NetConnectOpts);
  }
  socket.setNoDelay(true);
  socket[OWNER] = owner;
  socket.once('connect', onTcpConnect);
  return socket;
}

function onTcpConnect(this: OwnedSocket): void {
  this[OWNER]?.handleTcpConnect();
}

function onSecureConnect(this: OwnedSocket): void {
  this[OWNER]?.handleSecureConnect();
}
