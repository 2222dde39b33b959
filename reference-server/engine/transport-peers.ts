/**
 * Test and benchmark peers for the TLS and WebSocket transports: they speak
 * the binary protocol over `tls.connect` or a `ws` client, decode what the
 * server sends with the protocol's FrameDecoder, and let a caller wait for
 * a packet or for the close, every wait bounded by a timeout. Socket errors
 * are recorded (`socketError`), never thrown into the event loop.
 *
 * Over WebSocket each `send` is one binary message; a message may hold
 * several whole packets (docs/security.md: a packet never spans messages).
 *
 * Loopback only: tests pass 127.0.0.1 and port 0 servers.
 */
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import {
  ConnectResult,
  FrameDecoder,
  PING_REQ_SIZE,
  PONG_RES_SIZE,
  PacketId,
  ProtocolError,
  ProtocolErrorCode,
  SESSION_CONNECT_RES_SIZE,
  decodeDisconnectNotice,
  decodePongRes,
  decodeSessionConnectRes,
  encodePingReq,
  encodeSessionConnectReq,
  packetName,
  writePongFromPing,
  writeSessionConnectRes,
  type DisconnectNotice,
  type FrameSink,
  type PongRes,
  type SessionConnectRes,
} from '../../protocol/index.ts';
import { HandlerPhase } from './handler-registry.ts';
import { silentLogger } from './logger.ts';
import { ServerEngine, type ServerEngineOptions } from './server-engine.ts';
import type { Session } from './session.ts';

/** A packet the server sent (a copy). */
export interface PeerPacket {
  id: number;
  bytes: Buffer;
}

interface Waiter {
  id: number | null;
  resolve: (p: PeerPacket) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 5000;

function onTestHandshake(s: Session): void {
  const at = s.reserve(SESSION_CONNECT_RES_SIZE, PacketId.SessionConnectRes);
  writeSessionConnectRes(s.out, at, { result: ConnectResult.Ok, sessionId: s.id, serverTime: 1 });
  s.markConnected();
}

function onTestPing(s: Session, buf: Buffer, offset: number, size: number): void {
  if (size !== PING_REQ_SIZE) throw new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, `PingReq: expected ${PING_REQ_SIZE} bytes, got ${size}`);
  const at = s.reserve(PONG_RES_SIZE, PacketId.PongRes);
  writePongFromPing(s.out, at, buf, offset, 2);
}

/**
 * Starts a bare engine (no TestServer) on 127.0.0.1:0 with an accept-all
 * SessionConnectReq handler and a PingReq → PongRes handler, for transport
 * tests that must not depend on the application layer.
 */
export async function startPingEngine(options: ServerEngineOptions = {}): Promise<ServerEngine> {
  const engine = new ServerEngine({ logger: silentLogger(), host: '127.0.0.1', port: 0, ...options });
  engine.registry.register(PacketId.SessionConnectReq, onTestHandshake, { phase: HandlerPhase.Handshake }).register(PacketId.PingReq, onTestPing);
  await engine.start();
  return engine;
}

/** Transport-independent half: decoding, queues and bounded waits. */
export abstract class PacketPeer implements FrameSink {
  /** Packets received and not yet taken by `expect`. */
  readonly queue: PeerPacket[] = [];
  /** Every packet id received, in order. */
  readonly received: number[] = [];
  decodeError: ProtocolError | null = null;
  socketError: Error | null = null;
  closed = false;
  readonly closedPromise: Promise<void>;
  private readonly decoder = new FrameDecoder(this);
  private readonly waiters: Waiter[] = [];
  private resolveClosed!: () => void;

  protected constructor() {
    this.closedPromise = new Promise<void>((r) => {
      this.resolveClosed = r;
    });
  }

  /** Sends bytes (over WebSocket: one binary message). Resolves once handed to the socket. */
  abstract write(bytes: Buffer): Promise<void>;
  /** Closes gracefully (TLS: close_notify + FIN; WebSocket: close frame 1000). */
  abstract end(): void;
  /** Closes at once. */
  abstract destroy(): void;

  /** Subclasses feed received bytes here. */
  protected deliver(chunk: Buffer): void {
    this.decoder.push(chunk);
  }

  /** Subclasses call this once when the connection is gone. */
  protected markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`connection closed before ${w.id === null ? 'a packet' : packetName(w.id)} arrived (received: ${this.describeReceived()})`));
    }
    this.resolveClosed();
  }

  /** @internal FrameSink */
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    this.received.push(id);
    const packet = { id, bytes: Buffer.from(buf.subarray(offset, offset + size)) };
    const i = this.waiters.findIndex((w) => w.id === null || w.id === id);
    if (i < 0) {
      this.queue.push(packet);
      return;
    }
    const [w] = this.waiters.splice(i, 1);
    clearTimeout(w!.timer);
    w!.resolve(packet);
  }

  /** @internal FrameSink */
  onFrameError(err: ProtocolError): void {
    this.decodeError = err;
  }

  private describeReceived(): string {
    return this.received.map(packetName).join(', ') || 'nothing';
  }

  /** Next packet with `id` (any when null): from the queue, else the next to arrive. */
  expect(id: number | null, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PeerPacket> {
    const i = this.queue.findIndex((p) => id === null || p.id === id);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    if (this.closed) return Promise.reject(new Error(`connection already closed; no ${id === null ? 'packet' : packetName(id)} pending`));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        id,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(new Error(`no ${id === null ? 'packet' : packetName(id)} within ${timeoutMs} ms (received: ${this.describeReceived()})`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  async expectNotice(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DisconnectNotice> {
    const p = await this.expect(PacketId.DisconnectNotice, timeoutMs);
    return decodeDisconnectNotice(p.bytes, 0, p.bytes.length);
  }

  async handshake(clientVersion = 1, token = '', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SessionConnectRes> {
    await this.write(encodeSessionConnectReq({ clientVersion, token }));
    const p = await this.expect(PacketId.SessionConnectRes, timeoutMs);
    return decodeSessionConnectRes(p.bytes, 0, p.bytes.length);
  }

  async ping(seq: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PongRes> {
    await this.write(encodePingReq({ clientTime: 1000 + seq, seq }));
    const p = await this.expect(PacketId.PongRes, timeoutMs);
    return decodePongRes(p.bytes, 0, p.bytes.length);
  }

  /** True when the connection closed within `timeoutMs`. */
  async waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const closed = await Promise.race([this.closedPromise.then(() => true), timeout]);
    clearTimeout(timer);
    return closed;
  }
}

/** A peer over plain TCP (same API as the TLS and WebSocket peers, for side-by-side measurements). */
export class TcpPeer extends PacketPeer {
  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    super();
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.deliver(chunk));
    socket.on('error', (err) => {
      this.socketError ??= err;
    });
    socket.once('close', () => this.markClosed());
  }

  static connect(port: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to 127.0.0.1:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new TcpPeer(socket));
      });
    });
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Options of {@link TlsPeer.connect}: any `tls.connect` option (ca, cert, key, minVersion, maxVersion, ...). */
export interface TlsPeerOptions extends tls.ConnectionOptions {
  timeoutMs?: number;
}

/** A peer over TLS. */
export class TlsPeer extends PacketPeer {
  readonly socket: tls.TLSSocket;
  /** Negotiated protocol (`TLSv1.3`). */
  readonly protocol: string | null;

  private constructor(socket: tls.TLSSocket) {
    super();
    this.socket = socket;
    this.protocol = socket.getProtocol();
    socket.on('data', (chunk: Buffer) => this.deliver(chunk));
    socket.on('error', (err) => {
      this.socketError ??= err;
    });
    socket.once('close', () => this.markClosed());
  }

  /**
   * Connects and completes the TLS handshake; rejects with the TLS error when
   * the server refuses it (or after `timeoutMs`). `servername` defaults to
   * `localhost` (the test certificate's name).
   */
  static connect(port: number, options: TlsPeerOptions = {}): Promise<TlsPeer> {
    const { timeoutMs = DEFAULT_TIMEOUT_MS, ...rest } = options;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...rest });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TLS connect to 127.0.0.1:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', onError);
      // Before secureConnect the server may already refuse (TLS 1.3 sends its verdict on client certificates after the client's Finished).
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new TlsPeer(socket));
      });
    });
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Options of {@link WsPeer.connect}: any `ws` client option (ca for wss, maxPayload, ...). */
export interface WsPeerOptions extends WebSocket.ClientOptions {
  timeoutMs?: number;
}

/** A peer over WebSocket (ws:// or wss://). */
export class WsPeer extends PacketPeer {
  readonly ws: WebSocket;
  /** Close code and reason from the server's close frame, once closed. */
  closeCode: number | null = null;
  closeReason = '';

  private constructor(ws: WebSocket) {
    super();
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.deliver(data);
    });
    ws.on('error', (err) => {
      this.socketError ??= err;
    });
    ws.once('close', (code: number, reason: Buffer) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.markClosed();
    });
  }

  /** Opens `url` (e.g. `ws://127.0.0.1:PORT/`); rejects when the upgrade is refused or after `timeoutMs`. */
  static connect(url: string, options: WsPeerOptions = {}): Promise<WsPeer> {
    const { timeoutMs = DEFAULT_TIMEOUT_MS, ...rest } = options;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, ...rest });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`WebSocket connect to ${url} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      ws.once('error', onError);
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        ws.off('error', onError);
        ws.on('error', () => {});
        reject(Object.assign(new Error(`WebSocket upgrade refused with HTTP ${res.statusCode}`), { statusCode: res.statusCode }));
        res.resume();
        ws.terminate();
      });
      ws.once('open', () => {
        clearTimeout(timer);
        ws.off('error', onError);
        resolve(new WsPeer(ws));
      });
    });
  }

  /** Sends one binary message holding `bytes`. */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState !== WebSocket.OPEN) return resolve();
      this.ws.send(bytes, { binary: true }, () => resolve());
    });
  }

  /** Sends one text message (a violation: the protocol is binary). */
  writeText(text: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState !== WebSocket.OPEN) return resolve();
      this.ws.send(text, { binary: false }, () => resolve());
    });
  }

  end(): void {
    this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }
}
