/**
 * One peer connection and its lifecycle:
 *
 *   None ──open()──▶ Connecting ──markConnected()──▶ Connected
 *                        │                               │
 *                        └──────── disconnect() / peer FIN / limit ──▶ Disconnecting ──socket closed──▶ Disconnected
 *
 * The session is the protocol `FrameSink` of its own decoder and the
 * `ConnectionEvents` listener of its own connection (methods, no closures).
 * Per packet it does: rate-limit token → registry array lookup → phase and
 * role check (two comparisons in the common case) → counters → handler. Responses go
 * into its {@link OutboundBuffer}; the engine's {@link FlushScheduler} writes
 * the batch once per event-loop turn.
 *
 * Closing is always: DisconnectNotice (reason + short text) appended after
 * any pending responses, flush, `end()`, keep reading and discarding input
 * (so the kernel closes with FIN, not a RST that could destroy the notice
 * before the peer reads it), and destroy after `closeGraceMs` if the peer
 * never closes.
 */
import type { Logger } from 'pino';
import {
  ConnectResult,
  DisconnectReason,
  FrameDecoder,
  PacketId,
  ProtocolErrorCode,
  SESSION_CONNECT_RES_SIZE,
  disconnectReasonName,
  encodeDisconnectNotice,
  nowMicros,
  writeSessionConnectRes,
  type FrameSink,
  type ProtocolError,
} from '../../protocol/index.ts';
import type { EngineLimits } from './config.ts';
import type { FlushScheduler } from './flush-scheduler.ts';
import { HandlerPhase, classifyHandlerError, type HandlerEntry, type HandlerRegistry } from './handler-registry.ts';
import { Limit, type EngineMetrics } from './metrics.ts';
import { OutboundBuffer } from './outbound-buffer.ts';
import type { TimerWheel } from './timer-wheel.ts';
import { TokenBucket } from './token-bucket.ts';
import type { Connection, ConnectionEvents } from './transport.ts';

/** Lifecycle states; numeric so "open" is `state <= Connected` and "closing" is `state >= Disconnecting`. */
export const SessionState = { None: 0, Connecting: 1, Connected: 2, Disconnecting: 3, Disconnected: 4 } as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** Who ended a session. */
export type CloseInitiator = 'server' | 'peer' | 'transport';

/** How a session ended, given to `onDisconnected`. */
export interface CloseInfo {
  by: CloseInitiator;
  /** The reason sent in the DisconnectNotice when the server closed, else null. */
  reason: DisconnectReason | null;
  text: string;
  /** The transport error, when the socket failed. */
  error: Error | null;
}

/** Observer called for every packet before dispatch (null when unused: one comparison). */
export type PacketHook = (session: Session, buf: Buffer, offset: number, size: number, id: number) => void;

/** What a session needs from the engine. Implemented by `ServerEngine` (and by small fakes in unit tests). */
export interface SessionHost {
  readonly limits: Readonly<EngineLimits>;
  readonly registry: HandlerRegistry;
  readonly metrics: EngineMetrics;
  readonly log: Logger;
  /** Trace-level per-packet logging is on. Read per packet; false costs one comparison. */
  readonly tracePackets: boolean;
  readonly debugEnabled: boolean;
  readonly flusher: FlushScheduler<Session>;
  readonly timers: TimerWheel<Session>;
  readonly onPacketHook: PacketHook | null;
  /** Monotonic milliseconds (performance.now in production). */
  clock(): number;
  /** The handshake succeeded. */
  sessionConnected(session: Session): void;
  /** The connection closed; called exactly once. */
  sessionClosed(session: Session, info: CloseInfo): void;
}

/** Writes of closed sessions land here and are never sent; large enough for any v1 packet. */
const DISCARD = Buffer.allocUnsafe(0x10000);

export class Session implements FrameSink, ConnectionEvents {
  /** Server-assigned id, unique for the process lifetime (a counter, exact up to 2^53). */
  readonly id: number;
  /** Over maxSessions: its handshake is answered SERVER_FULL. */
  readonly overCapacity: boolean;
  /** Application data (for example the authenticated identity). The engine never reads it. */
  attachment: unknown = undefined;
  /**
   * The role the handshake granted (a JWT `role` claim), or null. Handlers
   * registered with `{ role }` run only when it matches; the check is made
   * in one place, the dispatch (see {@link HandlerRegistry}).
   */
  role: string | null = null;
  /**
   * The buffer to write into at the offset {@link reserve} returned; valid
   * until the next `reserve`.
   */
  out: Buffer = DISCARD;
  /** @internal FlushScheduler flag. */
  flushQueued = false;
  /** @internal TimerWheel slot. */
  wheelTick = -1;

  private _state: SessionState = SessionState.None;
  private readonly host: SessionHost;
  private readonly conn: Connection;
  private readonly decoder: FrameDecoder;
  private readonly outbound = new OutboundBuffer();
  private readonly bucket: TokenBucket | null;
  /** Pause threshold (limits.maxOutboundBytes), cached for the per-write check. */
  private readonly cap: number;
  /** Socket-queued bytes at the last flush/drain: an upper bound until the next one. */
  private socketQueued = 0;
  private handshakeStarted = false;
  private openedAt = 0;
  private chunkTime = 0;
  private lastPacketAt = 0;
  private closingAt = 0;
  /** Clock when reading was paused for backpressure, or -1. */
  private pausedAt = -1;
  private closeBy: CloseInitiator | null = null;
  private closeReason: DisconnectReason | null = null;
  private closeText = '';

  constructor(host: SessionHost, conn: Connection, id: number, overCapacity = false) {
    this.host = host;
    this.conn = conn;
    this.id = id;
    this.overCapacity = overCapacity;
    const limits = host.limits;
    this.cap = limits.maxOutboundBytes;
    this.decoder = new FrameDecoder(this, { maxPacketSize: limits.maxPacketSize });
    this.bucket = limits.rateLimitPerSecond > 0 ? new TokenBucket(limits.rateLimitPerSecond, limits.rateLimitBurst, host.clock()) : null;
  }

  get state(): SessionState {
    return this._state;
  }

  /** True while the session can receive and send (Connecting or Connected). */
  get isOpen(): boolean {
    return this._state === SessionState.Connecting || this._state === SessionState.Connected;
  }

  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }

  /** Unsent output: the pending batch plus what the transport still holds. */
  get outboundBytes(): number {
    return this.outbound.length + this.conn.writableLength;
  }

  /** Bytes held by the decoder for a packet not yet complete (at most maxPacketSize). */
  get inboundBytes(): number {
    return this.decoder.bufferedBytes;
  }

  /** True while reading is paused because the peer does not read its responses. */
  get isPaused(): boolean {
    return this.pausedAt >= 0;
  }

  /** None → Connecting: starts reading and arms the handshake deadline. */
  open(): void {
    if (this._state !== SessionState.None) return;
    this._state = SessionState.Connecting;
    const now = this.host.clock();
    this.openedAt = now;
    this.lastPacketAt = now;
    this.conn.attach(this);
    this.scheduleTimer(now);
  }

  /** Connecting → Connected, after the handshake handler accepted the peer. Returns false if the session is no longer connecting. */
  markConnected(): boolean {
    if (this._state !== SessionState.Connecting) return false;
    this._state = SessionState.Connected;
    const now = this.host.clock();
    this.lastPacketAt = now;
    this.host.sessionConnected(this);
    if (this._state === SessionState.Connected) this.scheduleTimer(now);
    return true;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Reserves `size` bytes for one packet with id `id` in this turn's batch
   * and returns the offset to write at in {@link out}. Never allocates per
   * packet. On a closing session the bytes go to a scratch buffer and are
   * dropped.
   */
  reserve(size: number, id: number): number {
    if (this._state >= SessionState.Disconnecting || this._state === SessionState.None) return this.discard(size);
    const ob = this.outbound;
    if (ob.length + size + this.socketQueued > this.cap && !this.overCap(size)) return this.discard(size);
    const at = ob.reserve(size);
    this.out = ob.buffer;
    this.host.metrics.countOut(id, size);
    if (!this.flushQueued) this.host.flusher.add(this);
    return at;
  }

  /** Queues a copy of a whole encoded packet (cold paths; hot paths use {@link reserve}). */
  send(packet: Buffer): void {
    if (packet.length < 4) throw new RangeError(`send: a packet has a 4-byte header, got ${packet.length} bytes`);
    const at = this.reserve(packet.length, packet.readUInt16LE(2));
    packet.copy(this.out, at);
  }

  /** @internal Writes the pending batch with one socket write. Called by the FlushScheduler. */
  flush(): void {
    const buf = this.outbound.take();
    if (buf === null) return;
    // Drop our view of the batch: the socket owns it now, and an idle session holding it
    // would pin its slab of Node's Buffer pool (8 KiB per ~30 idle sessions).
    this.out = DISCARD;
    const m = this.host.metrics;
    m.socketWrites++;
    m.bytesSent += buf.length;
    this.conn.write(buf);
    const queued = this.conn.writableLength;
    this.socketQueued = queued;
    if (queued > m.outboundPeakBytes) m.outboundPeakBytes = queued;
    if (queued > this.cap && this.pausedAt < 0 && this._state <= SessionState.Connected) this.pauseReading();
  }

  private discard(size: number): number {
    this.out = size <= DISCARD.length ? DISCARD : Buffer.allocUnsafe(size);
    return 0;
  }

  /** Slow path of `reserve` when the output may be over the cap. Returns false when the session was dropped. */
  private overCap(size: number): boolean {
    const queued = this.conn.writableLength;
    this.socketQueued = queued;
    const total = this.outbound.length + size + queued;
    const hard = this.host.limits.outboundHardLimitBytes;
    if (total > hard) {
      this.host.metrics.hit(Limit.OutboundHardLimit);
      // Nothing pending can be delivered in time; dropping it bounds memory now.
      this.outbound.clear();
      this.disconnect(DisconnectReason.SlowConsumer, `unsent output reached ${total} bytes, over the hard limit of ${hard}`);
      return false;
    }
    if (total > this.cap && this.pausedAt < 0) this.pauseReading();
    return true;
  }

  private pauseReading(): void {
    const now = this.host.clock();
    this.pausedAt = now;
    this.conn.pause();
    const m = this.host.metrics;
    m.hit(Limit.BackpressurePause);
    m.sessionsPaused++;
    this.scheduleTimer(now);
  }

  /** Resumes reading once unsent output is under half the cap. */
  private maybeResume(now: number): void {
    if (this.outbound.length + this.conn.writableLength > this.cap / 2) return;
    this.pausedAt = -1;
    this.host.metrics.sessionsPaused--;
    this.conn.resume();
    this.scheduleTimer(now);
  }

  // ---------------------------------------------------------------- reading

  /** @internal ConnectionEvents */
  onData(chunk: Buffer): void {
    const host = this.host;
    host.metrics.bytesReceived += chunk.length;
    if (this._state >= SessionState.Disconnecting) {
      host.metrics.bytesDiscarded += chunk.length;
      return;
    }
    // One clock read per chunk, not per packet: refills the bucket and stamps idle activity.
    const now = host.clock();
    this.chunkTime = now;
    if (this.bucket !== null) this.bucket.refill(now);
    this.decoder.push(chunk);
  }

  /** @internal FrameSink: one complete packet (a view, valid during the call). */
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    const host = this.host;
    if (this.bucket !== null && !this.bucket.take()) {
      host.metrics.hit(Limit.RateLimit);
      this.disconnect(
        DisconnectReason.RateLimited,
        `more than ${host.limits.rateLimitPerSecond} packets/s (burst ${host.limits.rateLimitBurst})`,
      );
      return;
    }
    this.lastPacketAt = this.chunkTime;
    const entry = host.registry.entries[id]!;
    // Common case (connected, phase Connected, no role) costs the two comparisons; the rest is admit().
    if ((entry.phase !== HandlerPhase.Connected || entry.role !== null || this._state !== SessionState.Connected) && !this.admit(entry, id)) {
      return;
    }
    host.metrics.countIn(id, size);
    if (host.tracePackets) host.log.trace({ sessionId: this.id, id, name: entry.name, size }, 'packet in');
    try {
      if (host.onPacketHook !== null) host.onPacketHook(this, buf, offset, size, id);
      const result = entry.fn(this, buf, offset, size);
      // Sync handlers return undefined: one comparison. Anything thenable is watched.
      if (result !== undefined && typeof (result as PromiseLike<void>).then === 'function') watchAsyncHandler(this, result, entry);
    } catch (err) {
      this.handlerFailed(err, entry);
    }
  }

  /** @internal FrameSink: a framing violation (size < header, size > max). */
  onFrameError(err: ProtocolError): void {
    if (err.code === ProtocolErrorCode.SIZE_TOO_LARGE) this.host.metrics.hit(Limit.MaxPacketSize);
    this.violation(err.reason, err.message);
  }

  /** @internal ConnectionEvents: a transport framing violation (WebSocket text frame, packet spanning messages, ...). */
  onTransportViolation(reason: DisconnectReason, text: string): void {
    if (reason === DisconnectReason.SizeTooLarge && this._state < SessionState.Disconnecting) this.host.metrics.hit(Limit.MaxPacketSize);
    this.violation(reason, text);
  }

  /** Slow path of dispatch: unknown id, wrong phase, a required role, the handshake. Returns true to run the handler. */
  private admit(entry: HandlerEntry, id: number): boolean {
    const st = this._state;
    if (st >= SessionState.Disconnecting) return false;
    switch (entry.phase) {
      case HandlerPhase.Unknown:
        this.violation(DisconnectReason.UnknownPacketId, `unknown packet id 0x${id.toString(16).padStart(4, '0')}`);
        return false;
      case HandlerPhase.Any:
        return this.authorize(entry);
      case HandlerPhase.Connected:
        if (st !== SessionState.Connected) {
          this.violation(DisconnectReason.NotConnected, `${entry.name} before a successful SessionConnectReq`);
          return false;
        }
        return this.authorize(entry);
      default:
        if (st === SessionState.Connected || this.handshakeStarted) {
          this.violation(DisconnectReason.AlreadyConnected, `second ${entry.name} on one session`);
          return false;
        }
        this.handshakeStarted = true;
        if (this.overCapacity) {
          this.rejectServerFull();
          return false;
        }
        return true;
    }
  }

  /** The one place roles are enforced: a handler's required role against the session's. */
  private authorize(entry: HandlerEntry): boolean {
    if (entry.role === null || entry.role === this.role) return true;
    this.violation(
      DisconnectReason.Forbidden,
      `${entry.name} requires role "${entry.role}"; this session has ${this.role === null ? 'no role' : `role "${this.role}"`}`,
    );
    return false;
  }

  private rejectServerFull(): void {
    const at = this.reserve(SESSION_CONNECT_RES_SIZE, PacketId.SessionConnectRes);
    writeSessionConnectRes(this.out, at, { result: ConnectResult.ServerFull, sessionId: 0, serverTime: nowMicros() });
    this.disconnect(
      DisconnectReason.HandshakeRejected,
      `server full: ${this.host.limits.maxSessions} sessions open; try again later`,
    );
  }

  /** @internal A handler threw or rejected: violation for ProtocolError/SessionViolation, else InternalError. */
  handlerFailed(err: unknown, entry: HandlerEntry): void {
    const f = classifyHandlerError(err);
    if (f.internal) {
      this.host.metrics.handlerErrors++;
      this.host.log.error({ err, sessionId: this.id, packet: entry.name }, 'packet handler threw; closing this session only');
      this.disconnect(f.reason, f.text);
    } else {
      this.violation(f.reason, f.text);
    }
  }

  // ---------------------------------------------------------------- closing

  /** Counts a peer protocol violation and closes with its reason. */
  violation(reason: DisconnectReason, text: string): void {
    if (this._state >= SessionState.Disconnecting) return;
    this.host.metrics.violation(reason);
    this.disconnect(reason, text);
  }

  /**
   * Server-initiated close: DisconnectNotice after pending output, flush,
   * end, linger, destroy after the grace. Idempotent.
   */
  disconnect(reason: DisconnectReason, text: string): void {
    const st = this._state;
    if (st >= SessionState.Disconnecting || st === SessionState.None) return;
    this.closeBy = 'server';
    this.closeReason = reason;
    this.closeText = text;
    this.decoder.stop();
    const notice = encodeDisconnectNotice({ reason, text });
    // Appended directly: the notice must go out even when the output is over its limits.
    this.outbound.append(notice);
    this.host.metrics.countOut(PacketId.DisconnectNotice, notice.length);
    if (this.host.debugEnabled) {
      this.host.log.debug({ sessionId: this.id, remote: this.remoteAddress, reason: disconnectReasonName(reason), text }, 'disconnecting session');
    }
    this.beginClosing();
  }

  /** Closes at once without a notice (shutdown stragglers). */
  destroy(): void {
    this.conn.destroy();
  }

  private beginClosing(): void {
    const now = this.host.clock();
    this._state = SessionState.Disconnecting;
    this.closingAt = now;
    if (this.pausedAt >= 0) {
      this.pausedAt = -1;
      this.host.metrics.sessionsPaused--;
    }
    this.flush();
    this.conn.end();
    this.conn.resume();
    this.scheduleTimer(now);
  }

  /** @internal ConnectionEvents: the peer finished sending (FIN). Answer what is pending, then close. */
  onEnd(): void {
    if (this._state >= SessionState.Disconnecting) return;
    this.closeBy = 'peer';
    this.decoder.stop();
    this.beginClosing();
  }

  /** @internal ConnectionEvents */
  onDrain(): void {
    this.socketQueued = this.conn.writableLength;
    if (this.pausedAt >= 0 && this._state <= SessionState.Connected) this.maybeResume(this.host.clock());
  }

  /** @internal ConnectionEvents: the socket is gone. */
  onClose(err: Error | null): void {
    if (this._state === SessionState.Disconnected) return;
    this._state = SessionState.Disconnected;
    this.decoder.stop();
    this.outbound.clear();
    this.host.timers.cancel(this);
    if (this.pausedAt >= 0) {
      this.pausedAt = -1;
      this.host.metrics.sessionsPaused--;
    }
    const by: CloseInitiator = this.closeBy ?? (err !== null ? 'transport' : 'peer');
    this.host.sessionClosed(this, { by, reason: this.closeReason, text: this.closeText, error: err });
  }

  // ---------------------------------------------------------------- timers

  /** @internal TimerWheel expiry: enforce whichever deadline is due, else reschedule. */
  onTimer(now: number): void {
    const L = this.host.limits;
    const m = this.host.metrics;
    switch (this._state) {
      case SessionState.Connecting:
        if (L.handshakeTimeoutMs > 0 && now >= this.openedAt + L.handshakeTimeoutMs) {
          m.hit(Limit.HandshakeTimeout);
          this.disconnect(DisconnectReason.HandshakeTimeout, `no SessionConnectReq within ${L.handshakeTimeoutMs} ms`);
          return;
        }
        break;
      case SessionState.Connected:
        if (L.idleTimeoutMs > 0 && now >= this.lastPacketAt + L.idleTimeoutMs) {
          m.hit(Limit.IdleTimeout);
          this.disconnect(DisconnectReason.IdleTimeout, `no packet for ${L.idleTimeoutMs} ms`);
          return;
        }
        break;
      case SessionState.Disconnecting:
        if (now >= this.closingAt + L.closeGraceMs) {
          m.hit(Limit.CloseGrace);
          this.conn.destroy();
          return;
        }
        this.scheduleTimer(now);
        return;
      default:
        return;
    }
    if (this.pausedAt >= 0) {
      this.maybeResume(now);
      if (this.pausedAt >= 0 && now >= this.pausedAt + L.slowConsumerTimeoutMs) {
        m.hit(Limit.SlowConsumer);
        this.disconnect(
          DisconnectReason.SlowConsumer,
          `did not read ${this.outboundBytes} bytes of responses for ${L.slowConsumerTimeoutMs} ms`,
        );
        return;
      }
    }
    this.scheduleTimer(now);
  }

  /** Arms the wheel at the earliest deadline of the current state (or disarms). */
  private scheduleTimer(now: number): void {
    const L = this.host.limits;
    let d = Infinity;
    switch (this._state) {
      case SessionState.Connecting:
        if (L.handshakeTimeoutMs > 0) d = this.openedAt + L.handshakeTimeoutMs;
        break;
      case SessionState.Connected:
        if (L.idleTimeoutMs > 0) d = this.lastPacketAt + L.idleTimeoutMs;
        break;
      case SessionState.Disconnecting:
        d = this.closingAt + L.closeGraceMs;
        break;
      default:
        break;
    }
    // While paused, look every tick: resume under half the cap, or drop at the slow-consumer deadline.
    if (this.pausedAt >= 0 && now + L.timerResolutionMs < d) d = now + L.timerResolutionMs;
    if (d === Infinity) this.host.timers.cancel(this);
    else this.host.timers.schedule(this, d);
  }
}

/** Routes an async handler's rejection like a throw. One closure per async call (handshakes), none for sync handlers. */
function watchAsyncHandler(session: Session, result: PromiseLike<void>, entry: HandlerEntry): void {
  result.then(undefined, (err: unknown) => session.handlerFailed(err, entry));
}
