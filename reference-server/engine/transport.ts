/**
 * The transport boundary: the only part of the engine that knows about
 * sockets. A Transport accepts connections; a Connection moves bytes.
 *
 *   Transport.listen ──onConnection──▶ engine ──attach(session)──▶ Connection
 *   Connection ──onData/onDrain/onEnd/onClose──▶ ConnectionEvents (the session)
 *
 * Events go to a listener *object* (the session implements
 * {@link ConnectionEvents} with methods), never to closures created per
 * connection or per packet. Implementations must never throw into the event
 * loop: errors end up in `onClose(err)`.
 *
 * The interface is deliberately small so TLS (`node:tls`, same shape as TCP)
 * and WebSocket (`ws`: `send`, `bufferedAmount`, `pause`/`resume`, `close`,
 * `terminate`) transports can implement it without the engine changing
 * (tls-transport.ts, ws-transport.ts).
 */
import type { DisconnectReason } from '../../protocol/index.ts';
import type { MetricFamily } from './prometheus.ts';

/** What a connection reports to its owner. Methods are called with `this` bound to the listener. */
export interface ConnectionEvents {
  /** Bytes arrived. The chunk is owned by the callee once delivered (it is not reused by the transport). */
  onData(chunk: Buffer): void;
  /** The transport's outbound buffer emptied after `write` returned false. */
  onDrain(): void;
  /** The peer will send no more data (TCP FIN). The connection stays writable until `end`. */
  onEnd(): void;
  /** The connection is closed; `err` is the transport error that caused it, if any. Called exactly once. */
  onClose(err: Error | null): void;
  /**
   * The peer broke a rule of the transport's own framing that the packet
   * decoder cannot see (a WebSocket text frame, a packet spanning two
   * WebSocket messages, a message over the size cap). The listener treats it
   * like any protocol violation: counted, DisconnectNotice with `reason`
   * (when the transport can still deliver it), close.
   */
  onTransportViolation(reason: DisconnectReason, text: string): void;
}

/** One accepted connection. */
export interface Connection {
  /** `ip:port` of the peer, for logs. */
  readonly remoteAddress: string;
  /** Bytes accepted by `write` and not yet handed to the OS (`bufferedAmount` for WebSocket). */
  readonly writableLength: number;
  /** False once ended, destroyed or closed: writes are then dropped. */
  readonly writable: boolean;
  /** Starts delivering events to `events`. Until then nothing is read. */
  attach(events: ConnectionEvents): void;
  /**
   * Queues bytes. The transport keeps a reference to `buf` until written, so
   * the caller must not reuse it. Returns false when the transport's buffer is
   * over its high-water mark (`onDrain` follows), like `stream.write`.
   */
  write(buf: Buffer): boolean;
  /** Holds writes in the transport until `uncork` so several become one send. */
  cork(): void;
  /** Releases writes held by `cork`. */
  uncork(): void;
  /** Stops reading from the peer (backpressure); incoming bytes wait in the OS. */
  pause(): void;
  /** Resumes reading after `pause`. */
  resume(): void;
  /** Sends what is queued, then closes the sending side (graceful). */
  end(): void;
  /** Closes at once, dropping anything queued. */
  destroy(): void;
}

/** What a transport reports to the engine. */
export interface TransportEvents {
  /** A new connection; the receiver must `attach` or `destroy` it. */
  onConnection(conn: Connection): void;
  /** A listener-level error after listen succeeded (accept failures such as EMFILE). */
  onError(err: Error): void;
}

/** The address a transport is bound to. */
export interface BoundAddress {
  host: string;
  port: number;
}

/** A listening endpoint. */
export interface Transport {
  /** Short name for logs and metrics (`tcp`, `tls`, `ws`). */
  readonly kind: string;
  /**
   * Binds and starts accepting. Rejects with the raw OS error (the engine
   * turns it into a `ServerListenError`). Port 0 binds an ephemeral port; the
   * returned address has the real one.
   */
  listen(host: string, port: number, events: TransportEvents): Promise<BoundAddress>;
  /** Stops accepting new connections. Existing connections are untouched. Idempotent. */
  stopAccepting(): void;
  /**
   * The transport's own counters (TLS handshakes, WebSocket upgrades), added
   * to the engine's `/metrics` on each scrape. Absent for plain TCP.
   */
  metrics?(): readonly MetricFamily[];
}
