/**
 * Test and benchmark peers for the TLS and WebSocket transports, and a bare
 * ping engine to run them against. The peers share decoding, queues and
 * bounded waits with {@link RawPeer} (packet-peer.ts); plain TCP uses
 * RawPeer itself.
 *
 * Over WebSocket each `send` is one binary message; a message may hold
 * several whole packets (docs/security.md: a packet never spans messages).
 *
 * Loopback only: tests pass 127.0.0.1 and port 0 servers.
 */
import tls from 'node:tls';
import WebSocket from 'ws';
import {
  ConnectResult,
  PING_REQ_SIZE,
  PONG_RES_SIZE,
  PacketId,
  ProtocolError,
  ProtocolErrorCode,
  SESSION_CONNECT_RES_SIZE,
  writePongFromPing,
  writeSessionConnectRes,
} from '../../protocol/index.ts';
import { HandlerPhase } from '../engine/handler-registry.ts';
import { silentLogger } from '../engine/logger.ts';
import { ServerEngine, type ServerEngineOptions } from '../engine/server-engine.ts';
import type { Session } from '../engine/session.ts';
import { DEFAULT_TIMEOUT_MS, PacketPeer, SocketPeer } from './packet-peer.ts';

export { PacketPeer } from './packet-peer.ts';
export { RawPeer } from './raw-peer.ts';

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

/** Options of {@link TlsPeer.connect}: any `tls.connect` option (ca, cert, key, minVersion, maxVersion, ...). */
export interface TlsPeerOptions extends tls.ConnectionOptions {
  timeoutMs?: number;
}

/** A peer over TLS. */
export class TlsPeer extends SocketPeer<tls.TLSSocket> {
  /** Negotiated protocol (`TLSv1.3`). */
  readonly protocol: string | null;

  private constructor(socket: tls.TLSSocket) {
    super(socket);
    this.protocol = socket.getProtocol();
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
