/**
 * The server engine (the seed's ServerEngine): wires transport, sessions,
 * handler registry, batched writer, timer wheel, metrics and shutdown.
 *
 *   Transport ──onConnection──▶ ServerEngine ──new Session──▶ SessionManager
 *   Connection ─onData─▶ Session ─push─▶ FrameDecoder ─onFrame─▶ Session
 *        ─entries[id]─▶ HandlerRegistry ─fn─▶ handler ─reserve/write─▶ OutboundBuffer
 *   FlushScheduler (one setImmediate per turn) ─flush─▶ Connection.write (one per session)
 *   TimerWheel (one interval) ─onTimer─▶ Session deadlines
 *
 * Applications (TestServer, DBServer) create an engine, register handlers
 * on `engine.registry`, and call `start()`.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { DisconnectReason, disconnectReasonName } from '../../protocol/index.ts';
import { resolveEngineConfig, type EngineConfig, type EngineConfigInput, type EngineLimits } from './config.ts';
import { ServerError, ServerErrorCode, listenError } from './errors.ts';
import { FlushScheduler } from './flush-scheduler.ts';
import { HandlerRegistry } from './handler-registry.ts';
import { createLogger } from './logger.ts';
import { startMetricsServer, type MetricsServer, type MetricsSource } from './metrics-http.ts';
import { EngineMetrics, Limit } from './metrics.ts';
import { renderPrometheus, type MetricFamily, type MetricsProvider } from './prometheus.ts';
import { Admission, SessionManager } from './session-manager.ts';
import { Session, SessionState, type CloseInfo, type PacketHook, type SessionHost } from './session.ts';
import { TcpTransport } from './tcp-transport.ts';
import { TimerWheel } from './timer-wheel.ts';
import type { Connection, Transport, TransportEvents } from './transport.ts';

/** Application hooks. Absent hooks cost one comparison. Exceptions are caught, logged and counted. */
export interface SessionHooks {
  /** The handshake succeeded (after `session.markConnected()`). */
  onConnected?: (session: Session) => void;
  /** Every admitted packet, before its handler (observer; keep it cheap). */
  onPacket?: PacketHook;
  /** The session's socket closed. */
  onDisconnected?: (session: Session, info: CloseInfo) => void;
}

/** Options of {@link ServerEngine}: JSON-able settings plus code. */
export interface ServerEngineOptions extends EngineConfigInput {
  /** Default: a new {@link TcpTransport}. */
  transport?: Transport;
  /** Default: pino at `info` to stderr. */
  logger?: Logger;
  hooks?: SessionHooks;
}

/** Where the engine listens. */
export interface EngineAddress {
  host: string;
  port: number;
  /** Null when the metrics endpoint is disabled. */
  metricsHost: string | null;
  metricsPort: number | null;
}

export interface ShutdownOptions {
  /** Resolve within this many ms, destroying sessions that have not closed. Default: config.shutdownDeadlineMs. */
  deadlineMs?: number;
}

export interface ShutdownResult {
  /** Sessions open when shutdown began. */
  sessionsAtStart: number;
  /** Sessions force-destroyed at the deadline. */
  destroyed: number;
  durationMs: number;
}

export type EngineState = 'created' | 'starting' | 'listening' | 'shutting-down' | 'stopped';

export class ServerEngine implements SessionHost, TransportEvents, MetricsSource {
  readonly config: EngineConfig;
  readonly limits: Readonly<EngineLimits>;
  readonly registry = new HandlerRegistry();
  readonly metrics = new EngineMetrics();
  readonly sessions: SessionManager<Session>;
  readonly log: Logger;
  readonly flusher: FlushScheduler<Session>;
  readonly timers: TimerWheel<Session>;
  readonly onPacketHook: PacketHook | null;
  tracePackets: boolean;
  debugEnabled: boolean;
  private readonly transport: Transport;
  private readonly onConnectedHook: ((s: Session) => void) | null;
  private readonly onDisconnectedHook: ((s: Session, info: CloseInfo) => void) | null;
  private _state: EngineState = 'created';
  private _address: EngineAddress | null = null;
  private metricsServer: MetricsServer | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private loopDelay: IntervalHistogram | null = null;
  private startedAt = 0;
  private shutdownPromise: Promise<ShutdownResult> | null = null;
  /** Set during shutdown: called when the last session closes. */
  private onAllClosed: (() => void) | null = null;
  private readonly metricsProviders: MetricsProvider[] = [];

  constructor(options: ServerEngineOptions = {}) {
    const { transport, logger, hooks, ...settings } = options;
    this.config = resolveEngineConfig(settings);
    this.limits = this.config.limits;
    this.transport = transport ?? new TcpTransport();
    this.log = logger ?? createLogger({ name: this.config.name });
    this.tracePackets = this.log.isLevelEnabled('trace');
    this.debugEnabled = this.log.isLevelEnabled('debug');
    this.log.on('level-change', () => {
      this.tracePackets = this.log.isLevelEnabled('trace');
      this.debugEnabled = this.log.isLevelEnabled('debug');
    });
    this.onPacketHook = hooks?.onPacket ?? null;
    this.onConnectedHook = hooks?.onConnected ?? null;
    this.onDisconnectedHook = hooks?.onDisconnected ?? null;
    this.sessions = new SessionManager<Session>(this.limits.maxSessions, this.limits.maxPendingRejections);
    this.flusher = new FlushScheduler<Session>((err, s) => this.internalFailure(err, s, 'flush'));
    this.timers = new TimerWheel<Session>({
      tickMs: this.limits.timerResolutionMs,
      startMs: this.clock(),
      onExpire: (s, now) => s.onTimer(now),
      onError: (err, s) => this.internalFailure(err, s, 'timer'),
    });
  }

  get state(): EngineState {
    return this._state;
  }

  /** The bound addresses; null before `start()` resolved. */
  get address(): EngineAddress | null {
    return this._address;
  }

  clock(): number {
    return performance.now();
  }

  /** Milliseconds since `start()` resolved; 0 before. */
  get uptimeMs(): number {
    return this.startedAt === 0 ? 0 : this.clock() - this.startedAt;
  }

  /** The transport's short name (`tcp`, `tls`, `ws`, `wss`). */
  get transportKind(): string {
    return this.transport.kind;
  }

  /**
   * Adds metric families to every `/metrics` scrape (an authenticator's
   * counters, for example). The provider runs only on scrape; if it throws,
   * the error is logged and its families are left out of that scrape.
   */
  addMetricsProvider(provider: MetricsProvider): void {
    this.metricsProviders.push(provider);
  }

  /**
   * Bytes the engine holds for sessions right now: `inbound` in decoders
   * (partial packets, at most maxPacketSize each) and `outbound` in batches
   * and socket buffers (bounded per session by outboundHardLimitBytes).
   * What a hostile peer can make the server buffer; tests assert on it.
   */
  bufferedBytes(): { inbound: number; outbound: number } {
    let inbound = 0;
    let outbound = 0;
    for (const s of this.sessions.values()) {
      inbound += s.inboundBytes;
      outbound += s.outboundBytes;
    }
    return { inbound, outbound };
  }

  /**
   * Binds the game port (and the metrics port when configured) and starts
   * the timer sweep. Rejects with ServerListenError (for example
   * NMT_SERVER_ADDRESS_IN_USE) naming the address; an engine starts once.
   */
  async start(): Promise<EngineAddress> {
    if (this._state !== 'created') {
      throw new ServerError(ServerErrorCode.INVALID_STATE, `start() called while ${this._state}; an engine starts once`);
    }
    this._state = 'starting';
    const { host, port, metrics } = this.config;
    let bound;
    try {
      bound = await this.transport.listen(host, port, this);
    } catch (err) {
      if (this._state !== 'starting') throw shutdownDuringStart();
      this._state = 'stopped';
      throw listenError(err, host, port, 'game');
    }
    if (metrics !== null) {
      try {
        this.metricsServer = await startMetricsServer(metrics.host, metrics.port, this, (err) =>
          this.log.error({ err }, 'metrics endpoint error'),
        );
      } catch (err) {
        this.transport.stopAccepting();
        this._state = 'stopped';
        throw err;
      }
    }
    if (this._state !== 'starting') {
      // shutdown() ran while we were binding: undo, and tell the caller.
      this.transport.stopAccepting();
      await this.metricsServer?.close();
      throw shutdownDuringStart();
    }
    this.sweepTimer = setInterval(sweep, this.limits.timerResolutionMs, this);
    // The sweep alone must not keep the process alive; listeners and sockets do.
    this.sweepTimer.unref();
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    this.startedAt = this.clock();
    this._address = {
      host: bound.host,
      port: bound.port,
      metricsHost: this.metricsServer?.host ?? null,
      metricsPort: this.metricsServer?.port ?? null,
    };
    this._state = 'listening';
    this.log.info({ ...this._address, transport: this.transport.kind, limits: this.limits }, `${this.config.name} listening`);
    return this._address;
  }

  /**
   * Graceful shutdown: stop accepting, send every session a ServerShutdown
   * notice, let writes drain and peers close, force-destroy stragglers at
   * the deadline, close the metrics endpoint. Resolves within the deadline
   * (plus socket close latency). Idempotent: later calls get the same promise.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownResult> {
    this.shutdownPromise ??= this.runShutdown(options.deadlineMs ?? this.config.shutdownDeadlineMs);
    return this.shutdownPromise;
  }

  private async runShutdown(deadlineMs: number): Promise<ShutdownResult> {
    const t0 = this.clock();
    const prev = this._state;
    this._state = 'shutting-down';
    if (prev === 'created' || prev === 'stopped') {
      this._state = 'stopped';
      return { sessionsAtStart: 0, destroyed: 0, durationMs: 0 };
    }
    const sessionsAtStart = this.sessions.size;
    this.log.info({ sessions: sessionsAtStart, deadlineMs }, `${this.config.name} shutting down`);
    this.transport.stopAccepting();
    this.sessions.disconnectAll(DisconnectReason.ServerShutdown, 'server is shutting down');
    // Keep a slice of the deadline for destroying stragglers and closing the metrics endpoint.
    const margin = Math.min(250, Math.floor(deadlineMs / 5));
    let destroyed = 0;
    if (!(await this.waitForSessions(deadlineMs - margin))) {
      destroyed = this.sessions.size;
      this.log.warn({ sessions: destroyed }, 'shutdown deadline reached; destroying remaining sessions');
      this.sessions.destroyAll();
      await this.waitForSessions(margin);
    }
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.loopDelay?.disable();
    if (this.metricsServer !== null) await this.metricsServer.close();
    this._state = 'stopped';
    const durationMs = Math.round(this.clock() - t0);
    this.log.info({ destroyed, durationMs }, `${this.config.name} stopped`);
    return { sessionsAtStart, destroyed, durationMs };
  }

  /** Resolves true when no session is left, false after `ms`. */
  private waitForSessions(ms: number): Promise<boolean> {
    if (this.sessions.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.onAllClosed = null;
        resolve(false);
      }, Math.max(0, ms));
      this.onAllClosed = () => {
        clearTimeout(timer);
        this.onAllClosed = null;
        resolve(true);
      };
    });
  }

  // ------------------------------------------------------------ TransportEvents

  /** @internal A new connection: admit it as a session, keep it to answer SERVER_FULL, or refuse it. */
  onConnection(conn: Connection): void {
    const m = this.metrics;
    m.connectionsAccepted++;
    if (this._state === 'shutting-down' || this._state === 'stopped') {
      conn.destroy();
      return;
    }
    const admission = this.sessions.admission();
    if (admission !== Admission.Admit) m.hit(Limit.MaxSessions);
    if (admission === Admission.Refuse) {
      m.hit(Limit.MaxPendingRejections);
      conn.destroy();
      return;
    }
    const over = admission === Admission.RejectLater;
    if (!over) m.sessionsOpened++;
    const session = new Session(this, conn, this.sessions.allocateId(), over);
    this.sessions.add(session);
    if (this.debugEnabled) this.log.debug({ sessionId: session.id, remote: conn.remoteAddress, overCapacity: over }, 'session opened');
    session.open();
  }

  /** @internal Listener-level transport error (accept failure). */
  onError(err: Error): void {
    this.log.error({ err }, 'transport error while accepting connections');
  }

  // ------------------------------------------------------------ SessionHost

  /** @internal */
  sessionConnected(session: Session): void {
    this.metrics.sessionsConnected++;
    if (this.onConnectedHook === null) return;
    try {
      this.onConnectedHook(session);
    } catch (err) {
      this.hookFailed(err, session, 'onConnected');
    }
  }

  /** @internal */
  sessionClosed(session: Session, info: CloseInfo): void {
    this.sessions.remove(session);
    const m = this.metrics;
    if (info.reason !== null) m.disconnect(info.reason);
    else if (info.by === 'transport') m.disconnectsByTransportError++;
    else m.disconnectsByPeer++;
    if (this.debugEnabled) {
      this.log.debug(
        { sessionId: session.id, by: info.by, reason: info.reason === null ? null : disconnectReasonName(info.reason), text: info.text, err: info.error ?? undefined },
        'session closed',
      );
    }
    if (this.onDisconnectedHook !== null) {
      try {
        this.onDisconnectedHook(session, info);
      } catch (err) {
        this.hookFailed(err, session, 'onDisconnected');
      }
    }
    if (this.onAllClosed !== null && this.sessions.size === 0) this.onAllClosed();
  }

  private hookFailed(err: unknown, session: Session, hook: string): void {
    this.metrics.hookErrors++;
    this.log.error({ err, sessionId: session.id, hook }, 'session hook threw');
    session.disconnect(DisconnectReason.InternalError, 'internal server error');
  }

  /** A bug in flush/timer code for one session: log, count, and drop only that session. */
  private internalFailure(err: unknown, session: Session, where: string): void {
    this.metrics.handlerErrors++;
    this.log.error({ err, sessionId: session.id, where }, 'internal error; destroying this session only');
    session.destroy();
  }

  // ------------------------------------------------------------ MetricsSource

  /** @internal Prometheus text; resets the event-loop histogram so each scrape covers the interval since the last. */
  renderMetrics(): string {
    let connecting = 0;
    let connected = 0;
    let disconnecting = 0;
    let inbound = 0;
    let outbound = 0;
    for (const s of this.sessions.values()) {
      inbound += s.inboundBytes;
      outbound += s.outboundBytes;
      if (s.overCapacity) continue;
      if (s.state === SessionState.Connecting) connecting++;
      else if (s.state === SessionState.Connected) connected++;
      else disconnecting++;
    }
    const text = renderPrometheus(
      this.metrics,
      {
        sessionsConnecting: connecting,
        sessionsConnected: connected,
        sessionsDisconnecting: disconnecting,
        pendingRejections: this.sessions.pendingRejections,
        up: this._state === 'listening' ? 1 : 0,
        uptimeSeconds: this.startedAt === 0 ? 0 : (this.clock() - this.startedAt) / 1000,
      },
      this.loopDelay,
      this.extraFamilies(inbound, outbound),
    );
    this.loopDelay?.reset();
    return text;
  }

  private extraFamilies(inbound: number, outbound: number): MetricFamily[] {
    const families: MetricFamily[] = [
      {
        name: 'nmt_session_buffered_bytes',
        type: 'gauge',
        help: 'Bytes held for sessions now: inbound = partial packets in decoders, outbound = unsent batches and socket buffers.',
        samples: [
          { labels: { direction: 'inbound' }, value: inbound },
          { labels: { direction: 'outbound' }, value: outbound },
        ],
      },
    ];
    const sources: MetricsProvider[] = this.transport.metrics === undefined ? [] : [() => this.transport.metrics!()];
    for (const provider of [...sources, ...this.metricsProviders]) {
      try {
        families.push(...provider());
      } catch (err) {
        this.log.error({ err }, 'a metrics provider threw; its metrics are missing from this scrape');
      }
    }
    return families;
  }

  /** @internal /healthz */
  health(): { healthy: boolean; body: Record<string, unknown> } {
    const healthy = this._state === 'listening';
    const status = healthy ? 'ok' : this._state === 'shutting-down' ? 'shutting_down' : this._state;
    return {
      healthy,
      body: { status, name: this.config.name, sessions: this.sessions.count, port: this._address?.port ?? null },
    };
  }
}

function shutdownDuringStart(): ServerError {
  return new ServerError(ServerErrorCode.INVALID_STATE, 'shutdown() was called while start() was binding; the engine is stopped');
}

function sweep(engine: ServerEngine): void {
  engine.timers.advance(engine.clock());
}
