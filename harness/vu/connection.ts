/**
 * One VU connection: a socket (TCP, TLS, or a WebSocket — the scenario's
 * `transport`), a streaming FrameDecoder, the handshake, outstanding
 * requests, batched writes and backpressure.
 *
 *   state:  IDLE ─open()─▶ CONNECTING ─tcp─▶ HANDSHAKING ─res OK─▶ OPEN
 *                               │                 │                  │
 *                               └──── fail ───────┴──▶ CLOSED ◀──────┤ peer close / notice
 *                                                        ▲           │
 *                                          close() ─▶ CLOSING ───────┘
 *
 * Hot path choices:
 * - Socket events go to module-level functions (`this` = socket), the
 *   connection is found through a symbol on the socket: no closure per packet.
 * - The connection is the decoder's FrameSink; frames arrive as views.
 * - Reads go into one buffer shared by every connection of the process
 *   (net's `onread`): no Buffer and no stream 'data' event per read. Safe
 *   because a read is delivered and decoded synchronously; the decoder
 *   copies the tail of a split frame before the buffer is reused.
 * - Outbound packets go into an {@link OutboundBatch} and are written as a
 *   view of its staging buffer (no copy; see outbound-batch.ts for when the
 *   socket keeps it); the first packet of a turn registers a flush at the
 *   end of the socket read being handled (clock.ts `flushAtReadEnd`) or,
 *   outside a read, queues a `process.nextTick` flush — so a turn costs one
 *   `socket.write` however many packets it produced.
 * - `write()` returning false marks the connection blocked (counted); senders
 *   check {@link VuConnection.blocked} and wait for `onWritable`.
 * - Deadlines (connect, requests, close grace) are checked by the worker's
 *   coarse {@link DeadlineSweeper}, never a timer per request.
 *
 * Transports (docs/scenarios.md "Transports"): `tcp` reads through the shared
 * buffer; `tls` is a TLSSocket ('data' events: TLS decrypts into its own
 * buffers) whose 'connect' marks TCP and 'secureConnect' the end of the TLS
 * handshake (`tls.time`); `ws`/`wss` go through {@link WsWire}, one binary
 * message per write. `connect.time` always runs to the moment packets can
 * flow (TCP, + TLS, + the HTTP upgrade), so it compares across transports.
 *
 * Errors never throw into the event loop: they are recorded by kind and
 * reported to the owner.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Catalogue, PacketCodec } from '../../protocol/catalogue/index.ts';
import { FrameDecoder, type FrameSink } from '../../protocol/decoder.ts';
import type { ProtocolError } from '../../protocol/errors.ts';
import { ErrorKind, type MetricsRecorder } from '../metrics/recorder.ts';
import type { Endpoint } from '../executors/types.ts';
import { matches, PendingTable, readU32, sameValue, type ExpectSpec, type PendingRequest, type RequestOwner } from './expect.ts';
import { beginRead, endRead, now as clockNow } from './clock.ts';
import { OutboundBatch } from './outbound-batch.ts';
import {
  CONNECT_OK,
  connectErrorKind,
  handshakeErrorKind,
  noticeErrorKind,
  readNumber,
  type SessionPackets,
} from './session-packets.ts';
import type { DeadlineSweeper, Sweepable } from './sweeper.ts';
import { TLS_HANDSHAKE_ERROR_CODE, type ClientSecurity } from '../security/client-security.ts';
import { WsWire, type WireOwner } from './ws-wire.ts';

/** What a connection needs from its phase runtime. */
export interface ConnectionEnv {
  readonly catalogue: Catalogue;
  readonly recorder: MetricsRecorder;
  readonly sweeper: DeadlineSweeper;
  readonly session: SessionPackets;
  /** Transport, TLS options and WebSocket path (the JWT is already in the handshake values). */
  readonly dial: ClientSecurity;
  /** TCP connect + handshake deadline (ms). */
  readonly connectTimeoutMs: number;
  readonly closeGraceMs: number;
  readonly stats: ConnectionStats;
  warn(message: string): void;
  /** A socket was created / fully closed (the phase waits for all to close). */
  socketOpened(): void;
  socketClosed(): void;
}

/** Counters the recorder has no method for; reported by the executors. */
export interface ConnectionStats {
  /** Times a `socket.write()` returned false (we then paused sending until 'drain'). */
  backpressureStalls: number;
}

/** Receives a connection's lifecycle events. */
export interface ConnectionOwner {
  /** TCP connected and (when the catalogue has one) the handshake succeeded. */
  onSessionOpen(conn: VuConnection): void;
  /** The connection or its handshake failed (already counted via connectFailed). */
  onConnectFailed(conn: VuConnection, kind: ErrorKind): void;
  /** An open session ended without our asking; pending requests were failed first. */
  onSessionLost(conn: VuConnection, kind: ErrorKind): void;
  /** The socket drained after backpressure: sending may resume. */
  onWritable(conn: VuConnection): void;
}

const IDLE = 0;
const CONNECTING = 1;
const HANDSHAKING = 2;
const OPEN = 3;
const CLOSING = 4;
const CLOSED = 5;

const CONN = Symbol('vuConnection');
type ConnSocket = Socket & { [CONN]?: VuConnection };

/** The part of a socket the connection writes to and closes: a net/TLS Socket or a {@link WsWire}. */
interface Wire {
  write(out: Buffer): boolean;
  /** Bytes written but not yet taken by the kernel; > 0 after a write means the wire may still reference it. */
  readonly writableLength: number;
  end(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
}

/** Largest WebSocket message accepted from the server (a turn's worth of packets). */
const WS_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;


/** Size of the shared read buffer: one read takes at most this much (Node's own default read size). */
const READ_BUFFER_SIZE = 64 * 1024;
/** The read buffer shared by every connection of this process (see the module comment). */
const READ_BUFFER = Buffer.allocUnsafe(READ_BUFFER_SIZE);

export class VuConnection implements FrameSink, Sweepable, WireOwner {
  sweepIndex = -1;
  /** Sequence number of the next PingReq on this connection (u32, wraps). */
  pingSeq = 0;
  /** Reused PingReq values object: encodeInto reads it synchronously. */
  readonly pingValues = { clientTime: 0, seq: 0 };
  /** True while the socket's buffer is over its high-water mark. */
  blocked = false;

  private state = IDLE;
  private socket: Wire | null = null;
  private readonly decoder: FrameDecoder;
  private readonly batch = new OutboundBatch();
  private flushQueued = false;
  /** The last write was still queued when write() returned (see `flush`). */
  private lastWriteQueued = false;
  private readonly pending = new PendingTable();
  private startedAt = 0;
  /** performance.now() when TCP connected (TLS and WebSocket transports: their handshake starts then). */
  private tcpAt = 0;
  /** Connect/handshake deadline, or the close-grace deadline while CLOSING. */
  private deadline = 0;
  /** Why the connection is ending, when we already know (notice, timeout, rejection). */
  private endKind: ErrorKind | null = null;
  private socketErrorCode: string | undefined;
  private sessionWasOpen = false;
  private handshakeValues: Record<string, unknown> | null = null;

  constructor(
    private readonly env: ConnectionEnv,
    private readonly owner: ConnectionOwner,
  ) {
    this.decoder = new FrameDecoder(this, { layout: env.catalogue.layout, maxPacketSize: env.catalogue.maxPacketSize });
  }

  /** True once the session is open and until it ends. */
  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** Requests waiting for a response. */
  get inflight(): number {
    return this.pending.count;
  }

  /**
   * Connects and, when the catalogue has SessionConnectReq/Res, handshakes
   * with `handshake` values. The outcome arrives via the owner.
   */
  open(endpoint: Endpoint, localAddress: string | undefined, handshake: Record<string, unknown> | null): void {
    if (this.state !== IDLE) return;
    this.state = CONNECTING;
    this.startedAt = performance.now();
    this.deadline = this.startedAt + this.env.connectTimeoutMs;
    this.handshakeValues = handshake;
    this.env.recorder.connectAttempted();
    this.env.socketOpened();
    try {
      this.socket = this.dial(endpoint, localAddress);
    } catch (err) {
      // Bad options throw synchronously; report like any connect failure, but
      // from the next tick so the owner is never re-entered from open().
      this.env.warn(`cannot connect to ${endpoint.host}:${endpoint.port}: ${(err as Error).message}`);
      this.endKind = ErrorKind.Other;
      process.nextTick(closeConnection, this);
      return;
    }
    this.env.sweeper.watch(this);
  }

  /** Creates the transport's socket, its events wired to this connection. Throws on bad options. */
  private dial(endpoint: Endpoint, localAddress: string | undefined): Wire {
    const dial = this.env.dial;
    const { host, port } = endpoint;
    let socket: ConnSocket;
    switch (dial.transport) {
      case 'tcp':
        socket = netConnect({ host, port, localAddress, noDelay: true, onread: { buffer: READ_BUFFER, callback: onSocketRead } });
        socket.on('connect', onSocketConnect);
        break;
      case 'tls':
        socket = tlsConnect({ host, port, localAddress, ...dial.tls } as ConnectionOptions);
        socket.setNoDelay(true);
        socket.on('connect', onTcpConnect);
        socket.on('secureConnect', onSecureConnect);
        socket.on('data', onSocketData);
        break;
      case 'ws':
      case 'wss': {
        const scheme = dial.transport === 'wss' ? 'wss' : 'ws';
        const hostPart = host.includes(':') ? `[${host}]` : host;
        return new WsWire(this, `${scheme}://${hostPart}:${port}${dial.wsPath}`, {
          localAddress,
          tls: dial.tls,
          maxPayload: WS_MAX_MESSAGE_BYTES,
          handshakeTimeoutMs: this.env.connectTimeoutMs,
        });
      }
    }
    socket[CONN] = this;
    socket.on('drain', onSocketDrain);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    return socket;
  }

  /** @internal TCP connected; a TLS handshake or WebSocket upgrade follows. */
  handleTcpConnect(): void {
    this.tcpAt = performance.now();
  }

  /** @internal TLS handshake done: `tls.time` from TCP connect; over tls the session handshake starts now. */
  handleSecureConnect(): void {
    if (this.state !== CONNECTING) return;
    const now = performance.now();
    this.env.recorder.tlsEstablished(Math.round((now - (this.tcpAt > 0 ? this.tcpAt : this.startedAt)) * 1000));
    if (this.env.dial.transport === 'tls') this.handleConnect();
  }

  /** @internal The server sent a WebSocket text message: not our protocol. */
  handleTextMessage(): void {
    this.env.warn('the server sent a WebSocket text message; packets travel in binary messages');
    this.fail(ErrorKind.Unexpected);
  }

  /** @internal transport ready: TCP connected, TLS done (tls), or the WebSocket open. */
  handleConnect(): void {
    if (this.state !== CONNECTING) return;
    const now = performance.now();
    this.env.recorder.connectEstablished(Math.round((now - this.startedAt) * 1000));
    const req = this.env.session.connectReq;
    if (req === null) {
      this.openSession(0);
      return;
    }
    this.state = HANDSHAKING;
    this.startedAt = now;
    try {
      const size = this.writePacket(req, this.handshakeValues ?? {});
      this.env.recorder.bytesOut(size);
    } catch (err) {
      this.env.warn(`SessionConnectReq could not be encoded: ${(err as Error).message}`);
      this.fail(ErrorKind.Other);
    }
  }

  private openSession(handshakeMicros: number): void {
    this.state = OPEN;
    this.sessionWasOpen = true;
    this.env.recorder.sessionOpened(handshakeMicros);
    this.owner.onSessionOpen(this);
  }

  /** FrameSink: one complete packet (a view valid during the call). */
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    const session = this.env.session;
    if (this.state === HANDSHAKING && id === session.connectResId) {
      this.handleConnectRes(buf, offset, size);
      return;
    }
    if (id === session.noticeId) {
      this.handleNotice(buf, offset, size);
      return;
    }
    if (this.pending.count > 0 && this.matchResponse(buf, offset, size, id)) return;
    this.env.recorder.bytesIn(size);
    this.env.recorder.error(ErrorKind.Unexpected, -1);
  }

  /** FrameSink: the server broke framing; the decoder has stopped. */
  onFrameError(err: ProtocolError): void {
    this.env.warn(`server sent an unframeable stream (${err.code}): ${err.message}`);
    this.fail(ErrorKind.Unexpected);
  }

  private handleConnectRes(buf: Buffer, offset: number, size: number): void {
    const session = this.env.session;
    this.env.recorder.bytesIn(size);
    const result = readNumber(session.connectRes!, session.resultReader, 'result', buf, offset, size);
    if (result === CONNECT_OK) {
      this.openSession(Math.round((performance.now() - this.startedAt) * 1000));
      return;
    }
    this.fail(result < 0 ? ErrorKind.Unexpected : handshakeErrorKind(result));
  }

  private handleNotice(buf: Buffer, offset: number, size: number): void {
    const session = this.env.session;
    this.env.recorder.bytesIn(size);
    const reason = readNumber(session.notice!, session.reasonReader, 'reason', buf, offset, size);
    // The close that follows reports it; a rejection already known wins.
    if (this.endKind === null) this.endKind = reason < 0 ? ErrorKind.Closed : noticeErrorKind(reason);
  }

  /** Finds and completes the request `frame` answers; false when none waits for it. */
  private matchResponse(buf: Buffer, offset: number, size: number, id: number): boolean {
    const pending = this.pending;
    let decoded: Record<string, unknown> | null = null;
    let decodeTried = false;
    for (let i = 0; i < pending.count; i++) {
      const req = pending.at(i);
      const spec = req.spec!;
      if (spec.responseId !== id) continue;
      const at = spec.u32MatchAt;
      if (at >= 0 && size >= at + 4) {
        // One u32 match field, nothing to decode (a ping's seq): compare in place. An expected
        // value that is not a number (a template's "7") takes the general comparison.
        const expected = req.expected[0];
        const actual = readU32(buf, offset + at, spec.u32MatchLittleEndian);
        if (typeof expected === 'number' ? actual !== expected : !sameValue(actual, expected)) continue;
        this.completeResponse(i, req, size, null, buf, offset);
        return true;
      }
      if (spec.needsDecode && !decodeTried) {
        decodeTried = true;
        try {
          decoded = spec.responseCodec.decode(buf, offset, size);
        } catch (err) {
          this.env.warn(`response ${spec.responseCodec.name} does not decode: ${(err as Error).message}`);
          return false;
        }
      }
      if (!matches(req, buf, offset, decoded)) continue;
      this.completeResponse(i, req, size, decoded, buf, offset);
      return true;
    }
    return false;
  }

  /** Releases live request `i` (= `req`), records its latencies and tells its owner. */
  private completeResponse(
    i: number,
    req: PendingRequest,
    size: number,
    decoded: Record<string, unknown> | null,
    buf: Buffer,
    offset: number,
  ): void {
    this.pending.release(i);
    const now = clockNow();
    const uncorrected = Math.round((now - req.sentAt) * 1000);
    const corrected = Math.round((now - req.intendedAt) * 1000);
    this.env.recorder.responseReceived(req.reqIndex, corrected, uncorrected, size);
    req.owner!.onResponse(req, buf, offset, size, decoded);
  }

  /**
   * Registers a request awaiting `spec`'s response. The caller fills
   * `expected` and has written (or is about to write) the packet this turn.
   * The intended send time is min(intendedAt, now) − lagMs: open-rate
   * connections pass their grid time, VUs pass Infinity and their
   * iteration's lateness, closed models Infinity and 0 (intended = actual).
   */
  expect(spec: ExpectSpec, owner: RequestOwner, reqIndex: number, intendedAt: number, lagMs: number): PendingRequest {
    const req = this.pending.acquire();
    const now = clockNow();
    req.owner = owner;
    req.spec = spec;
    req.reqIndex = reqIndex;
    req.sentAt = now;
    // A scheduler firing may run an entry up to half a ms early: never intend after sending.
    req.intendedAt = (intendedAt < now ? intendedAt : now) - lagMs;
    req.deadline = now + spec.timeoutMs;
    this.env.sweeper.watch(this);
    return req;
  }

  /**
   * Encodes a packet into this turn's batch; returns its size. Throws the
   * catalogue's CatalogueError when `values` do not encode (nothing is queued then).
   */
  writePacket(codec: PacketCodec, values: Record<string, unknown>): number {
    const size = this.batch.append(codec, values);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // During a socket read: flushed when the read's pass ends (clock.ts); else on the next tick.
      if (!this.batch.flushAfterRead(this)) process.nextTick(flushConnection, this);
    }
    return size;
  }

  /** @internal Writes this turn's batch with one socket write. */
  flush(): void {
    this.flushQueued = false;
    const batch = this.batch;
    if (batch.size === 0) return;
    const socket = this.socket;
    if (socket === null || this.state === CLOSED || socket.destroyed) {
      batch.clear();
      return;
    }
    // A view of the staging buffer, no copy: a write the kernel took at once is done when
    // write() returns; one it could not keeps the view, so the staging buffer goes with it.
    // While writes stay queued (backpressure; TLS, whose writes always complete later) the
    // batch is copied instead, as one allocation, until a write is taken at once again.
    const queued = this.lastWriteQueued;
    const ok = socket.write(queued ? batch.take()! : batch.takeView()!);
    this.lastWriteQueued = socket.writableLength > 0;
    if (this.lastWriteQueued && !queued) batch.handOff();
    if (!ok && !this.blocked) {
      this.blocked = true;
      this.env.stats.backpressureStalls++;
    }
  }

  /** @internal socket 'drain' */
  handleDrain(): void {
    if (!this.blocked) return;
    this.blocked = false;
    if (this.state === OPEN) this.owner.onWritable(this);
  }

  /** @internal a read of `length` bytes into `buf` (the shared read buffer), valid during the call only. */
  handleData(buf: Buffer, length: number): void {
    beginRead();
    try {
      this.decoder.push(buf, 0, length);
    } finally {
      endRead();
    }
  }

  /** @internal socket 'error' (always followed by 'close') */
  handleError(err: NodeJS.ErrnoException): void {
    this.socketErrorCode ??= err.code;
    if (this.endKind !== null || (this.state !== CONNECTING && this.state !== HANDSHAKING)) return;
    if (err.code !== undefined && TLS_HANDSHAKE_ERROR_CODE.test(err.code)) {
      this.endKind = ErrorKind.Tls;
      this.env.warn(`TLS handshake failed (${err.code}): ${err.message}; check tls.ca / tls.serverName, or the server's certificate`);
      return;
    }
    const upgrade = /Unexpected server response: (\d+)/.exec(err.message);
    if (upgrade !== null) {
      this.endKind = ErrorKind.HandshakeRejected;
      this.env.warn(`WebSocket upgrade refused with HTTP ${upgrade[1]}; check ws.path (now ${this.env.dial.wsPath}) and the server's transport`);
    }
  }

  /** Sweepable: connect/handshake deadline, request deadlines, close grace. */
  sweep(now: number): boolean {
    switch (this.state) {
      case CONNECTING:
      case HANDSHAKING:
        if (now >= this.deadline) {
          this.fail(this.state === CONNECTING ? ErrorKind.ConnectTimeout : ErrorKind.Timeout);
          return false;
        }
        return true;
      case OPEN:
        return this.sweepRequests(now);
      case CLOSING:
        if (now >= this.deadline) {
          this.socket?.destroy();
          return false;
        }
        return true;
      default:
        return false;
    }
  }

  private sweepRequests(now: number): boolean {
    const pending = this.pending;
    for (let i = pending.count - 1; i >= 0; i--) {
      if (i >= pending.count) continue; // an owner callback released more
      const req = pending.at(i);
      if (now < req.deadline) continue;
      pending.release(i);
      this.env.recorder.error(ErrorKind.Timeout, req.reqIndex);
      req.owner!.onRequestFailed(req, ErrorKind.Timeout);
      if (this.state !== OPEN) return false;
    }
    return pending.count > 0;
  }

  /**
   * Ends the connection at our request: queued packets are flushed, then FIN;
   * the peer gets `closeGraceMs` to close before the socket is destroyed.
   * Outstanding requests are dropped without error (the VU moved on).
   */
  close(): void {
    if (this.state === CLOSING || this.state === CLOSED) return;
    if (this.state === IDLE) {
      this.state = CLOSED;
      return;
    }
    const socket = this.socket!;
    const wasConnecting = this.state === CONNECTING || this.state === HANDSHAKING;
    this.state = CLOSING;
    this.pending.clear();
    if (wasConnecting) {
      socket.destroy();
      return;
    }
    this.flush();
    socket.end();
    this.deadline = performance.now() + this.env.closeGraceMs;
    this.env.sweeper.watch(this);
  }

  /** Destroys the socket at once (phase hard stop). No error is recorded. */
  destroy(): void {
    if (this.state === CLOSED) return;
    if (this.state === IDLE) {
      this.state = CLOSED;
      return;
    }
    this.state = CLOSING;
    this.pending.clear();
    this.socket?.destroy();
  }

  /** Ends the connection because of `kind` (timeout, rejection, broken stream). */
  private fail(kind: ErrorKind): void {
    if (this.endKind === null) this.endKind = kind;
    this.socket?.destroy();
  }

  /** @internal socket 'close': the single place where a connection's outcome is reported. */
  handleClose(): void {
    const prev = this.state;
    this.state = CLOSED;
    this.env.sweeper.unwatch(this);
    this.decoder.stop();
    this.env.socketClosed();
    const recorder = this.env.recorder;
    switch (prev) {
      case CONNECTING:
      case HANDSHAKING: {
        const kind = this.endKind ?? (prev === CONNECTING ? connectErrorKind(this.socketErrorCode) : ErrorKind.Closed);
        if (kind === ErrorKind.Other) this.env.warn(`connect failed: ${this.socketErrorCode ?? 'unknown error'}`);
        recorder.connectFailed(kind);
        this.owner.onConnectFailed(this, kind);
        return;
      }
      case OPEN: {
        const kind = this.endKind ?? ErrorKind.Closed;
        recorder.sessionClosed();
        if (this.pending.count === 0) recorder.error(kind, -1);
        for (let req = this.pending.pop(); req !== undefined; req = this.pending.pop()) {
          recorder.error(kind, req.reqIndex);
          req.owner!.onRequestFailed(req, kind);
        }
        this.owner.onSessionLost(this, kind);
        return;
      }
      default:
        if (this.sessionWasOpen) recorder.sessionClosed();
    }
  }
}

function flushConnection(conn: VuConnection): void {
  conn.flush();
}

function closeConnection(conn: VuConnection): void {
  conn.handleClose();
}

function onSocketConnect(this: ConnSocket): void {
  this[CONN]?.handleConnect();
}

function onTcpConnect(this: ConnSocket): void {
  this[CONN]?.handleTcpConnect();
}

function onSecureConnect(this: ConnSocket): void {
  this[CONN]?.handleSecureConnect();
}

/** TLS sockets deliver decrypted data as 'data' events (no shared read buffer). */
function onSocketData(this: ConnSocket, chunk: Buffer): void {
  this[CONN]?.handleData(chunk, chunk.length);
}

/** net `onread` callback: `this` is the socket. Returning true keeps reading. */
function onSocketRead(this: ConnSocket, length: number, buf: Uint8Array): boolean {
  this[CONN]?.handleData(buf as Buffer, length);
  return true;
}

function onSocketDrain(this: ConnSocket): void {
  this[CONN]?.handleDrain();
}

function onSocketError(this: ConnSocket, err: NodeJS.ErrnoException): void {
  this[CONN]?.handleError(err);
}

function onSocketClose(this: ConnSocket): void {
  const conn = this[CONN];
  this[CONN] = undefined;
  conn?.handleClose();
}
