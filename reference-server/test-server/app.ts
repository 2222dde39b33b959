/**
 * TestServer: the ping/pong reference application on the engine.
 *
 * `startTestServer()` starts it in-process (tests and the harness use port
 * 0); `main.ts` wraps it as a CLI. Transport (tcp, tls, ws, wss) and JWT
 * authentication are options; both are off (plain TCP, no auth) by default
 * so plain benchmarks measure the engine alone.
 */
import type { Logger } from 'pino';
import { PacketId } from '../../protocol/index.ts';
import { JwtAuthenticator, Role, type JwtAuthOptions } from '../auth/index.ts';
import { AuthConfigError, AuthErrorCode } from '../auth/errors.ts';
import {
  HandlerPhase,
  ServerConfigError,
  ServerEngine,
  createLogger,
  createTransport,
  isTransport,
  resolveLimits,
  silentLogger,
  type EngineLimits,
  type HandlerRegistry,
  type LogLevel,
  type SessionHooks,
  type ShutdownOptions,
  type ShutdownResult,
  type Transport,
  type TransportSpec,
} from '../engine/index.ts';
import { createDelayedPingHandler, createHandshakeHandler, createServerStatsHandler, onPingReq, type Authenticator, type ServerStatsSnapshot } from './handlers.ts';
import { DbClient, type DbClientOptions } from './db-client.ts';
import { registerDbHandlers } from './db-handlers.ts';
import { dbClientMetricFamilies } from './db-client-metrics.ts';
import { SessionLogForwarder, type SessionLogOptions } from './db-session-log.ts';

export interface TestServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral; read the real one from the result). */
  port?: number;
  /** Metrics endpoint; absent/null/false = disabled. `{ port: 0 }` = ephemeral. Host defaults to `host`. */
  metrics?: { host?: string; port?: number } | null | false;
  /** Limits to override; the rest keep their defaults (see LIMIT_SPECS). */
  limits?: Partial<EngineLimits>;
  /** Default deadline of `shutdown()`, ms. Default 5000. */
  shutdownDeadlineMs?: number;
  /** A ready logger; wins over `logLevel`. */
  logger?: Logger;
  /** Level of the default stderr logger; `silent` by default in-process. */
  logLevel?: LogLevel;
  /** Handshake authenticator hook; null/absent accepts every version-1 client. Not with `jwt`. */
  authenticator?: Authenticator | null;
  /** Verify a JWT in every SessionConnectReq (docs/security.md). Absent/null = auth off. Not with `authenticator`. */
  jwt?: JwtAuthOptions | null;
  /**
   * Test feature: answer each PingReq this many ms late (`--inject-delay-ms`),
   * e.g. to prove a regression gate trips. Integer 0..60000; default 0 (off).
   */
  injectDelayMs?: number;
  hooks?: SessionHooks;
  /** A transport instance, or a spec (`{ kind: 'tls', tls: {...} }`). Default plain TCP. */
  transport?: Transport | TransportSpec;
  /**
   * Forward game data requests (0x0100–0x01FF) to this DBServer (`--db host:port`)
   * and log connected sessions through it. Absent/null: those requests are
   * answered NoDatabase.
   */
  db?: (DbClientOptions & { sessionLog?: SessionLogOptions }) | null;
}

/** Largest `injectDelayMs` (1 minute): a longer delay is a hung server, not a slow one. */
export const MAX_INJECT_DELAY_MS = 60_000;

/** A started TestServer. */
export interface RunningTestServer {
  host: string;
  port: number;
  /** Null when metrics are disabled. */
  metricsHost: string | null;
  metricsPort: number | null;
  /** The engine, for metrics and session inspection. */
  engine: ServerEngine;
  /** The transport in use (`transport.kind`: tcp, tls, ws, wss). */
  transport: Transport;
  /** The JWT authenticator when `jwt` was given (key rotation: `auth.setKeys`), else null. */
  auth: JwtAuthenticator | null;
  /** The DBServer client when `db` was given, else null. */
  db: DbClient | null;
  /** The session-log forwarder when `db` was given, else null. */
  sessionLog: SessionLogForwarder | null;
  /** Graceful shutdown (see ServerEngine.shutdown); then closes the DBServer links. */
  shutdown(options?: ShutdownOptions): Promise<ShutdownResult>;
}

/**
 * Registers the TestServer handlers on a registry: SessionConnectReq,
 * PingReq, and (when `stats` is given) ServerStatsReq for the `admin` role.
 * DisconnectNotice and the other server → client packets are not handled,
 * so a client sending one gets UnknownPacketId like any id the server does
 * not handle (a forged server packet is a violation).
 */
export function registerTestServerHandlers(
  registry: HandlerRegistry,
  authenticator: Authenticator | null = null,
  stats: (() => ServerStatsSnapshot) | null = null,
  injectDelayMs = 0,
): void {
  registry
    .register(PacketId.SessionConnectReq, createHandshakeHandler(authenticator), { phase: HandlerPhase.Handshake })
    // The delayed handler replaces onPingReq only when asked for: the normal path stays as it is.
    .register(PacketId.PingReq, injectDelayMs > 0 ? createDelayedPingHandler(injectDelayMs) : onPingReq);
  if (stats !== null) registry.register(PacketId.ServerStatsReq, createServerStatsHandler(stats), { role: Role.Admin });
}

interface BuiltTestServer {
  engine: ServerEngine;
  transport: Transport;
  auth: JwtAuthenticator | null;
  db: DbClient | null;
  sessionLog: SessionLogForwarder | null;
}

/** The user's hooks plus the session log's `onConnected` (the user's runs first). */
function withSessionLog(hooks: SessionHooks | undefined, log: SessionLogForwarder | null): SessionHooks | undefined {
  if (log === null) return hooks;
  const user = hooks?.onConnected;
  return {
    ...hooks,
    onConnected(session) {
      user?.(session);
      log.connected(session.id, session.remoteAddress);
    },
  };
}

function build(options: TestServerOptions): BuiltTestServer {
  const injectDelayMs = options.injectDelayMs ?? 0;
  if (!Number.isInteger(injectDelayMs) || injectDelayMs < 0 || injectDelayMs > MAX_INJECT_DELAY_MS) {
    throw new ServerConfigError([{ path: 'injectDelayMs', message: `must be an integer from 0 to ${MAX_INJECT_DELAY_MS} (ms), got ${injectDelayMs}` }], 'TestServer options');
  }
  if (options.jwt != null && options.authenticator != null) {
    throw new AuthConfigError(AuthErrorCode.CONFIG_INVALID, 'invalid TestServer options', ['give either `jwt` (built-in JWT verification) or `authenticator` (a hook), not both']);
  }
  const logger =
    options.logger ??
    (options.logLevel === undefined || options.logLevel === 'silent' ? silentLogger() : createLogger({ level: options.logLevel, name: 'TestServer' }));
  const spec = options.transport ?? { kind: 'tcp' };
  // The WebSocket message cap follows maxPacketSize; invalid limits are reported by the engine below.
  const maxPacketSize = safeMaxPacketSize(options.limits);
  const transport = isTransport(spec) ? spec : createTransport(spec, { maxPacketSize });
  const auth = options.jwt == null ? null : new JwtAuthenticator(options.jwt);
  const db = options.db == null ? null : new DbClient({ ...options.db, logger: options.db.logger ?? logger });
  const sessionLog = db === null ? null : new SessionLogForwarder(db, { logger, ...options.db?.sessionLog });
  const engine = new ServerEngine({
    name: 'TestServer',
    host: options.host,
    port: options.port,
    metrics: options.metrics,
    limits: options.limits,
    shutdownDeadlineMs: options.shutdownDeadlineMs,
    logger,
    hooks: withSessionLog(options.hooks, sessionLog),
    transport,
  });
  const authenticator: Authenticator | null = auth === null ? (options.authenticator ?? null) : ({ token }) => auth.verify(token);
  if (auth !== null) engine.addMetricsProvider(() => auth.metrics());
  registerTestServerHandlers(engine.registry, authenticator, () => ({
    sessions: engine.sessions.count,
    packetsIn: engine.metrics.totalPacketsIn(),
    packetsOut: engine.metrics.totalPacketsOut(),
    uptimeMs: Math.floor(engine.uptimeMs),
  }), injectDelayMs);
  registerDbHandlers(engine.registry, db);
  if (db !== null) engine.addMetricsProvider(() => dbClientMetricFamilies(db, sessionLog));
  return { engine, transport, auth, db, sessionLog };
}

function safeMaxPacketSize(limits: Partial<EngineLimits> | undefined): number {
  try {
    return resolveLimits(limits ?? {}).maxPacketSize;
  } catch {
    return resolveLimits({}).maxPacketSize;
  }
}

/**
 * Builds (does not start) a TestServer engine. Throws ServerConfigError for
 * invalid options, TransportConfigError for an unusable transport spec,
 * AuthConfigError for invalid JWT options.
 */
export function createTestServer(options: TestServerOptions = {}): ServerEngine {
  if (options.db != null) {
    // The DB links live outside the engine; only startTestServer's shutdown closes them.
    throw new ServerConfigError([{ path: 'db', message: 'is supported by startTestServer() only (its shutdown closes the DBServer links)' }], 'TestServer options');
  }
  return build(options).engine;
}

/**
 * Starts a TestServer. Rejects with ServerConfigError (NMT_SERVER_CONFIG_INVALID),
 * TransportConfigError (NMT_SERVER_TRANSPORT_CONFIG_INVALID), AuthConfigError
 * (NMT_AUTH_CONFIG_INVALID) or ServerListenError (NMT_SERVER_ADDRESS_IN_USE, ...).
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<RunningTestServer> {
  const { engine, transport, auth, db, sessionLog } = build(options);
  const closeDb = (): void => {
    sessionLog?.close();
    db?.close();
  };
  let stopping: Promise<ShutdownResult> | undefined;
  let addr;
  try {
    addr = await engine.start();
  } catch (err) {
    closeDb();
    throw err;
  }
  return {
    host: addr.host,
    port: addr.port,
    metricsHost: addr.metricsHost,
    metricsPort: addr.metricsPort,
    engine,
    transport,
    auth,
    db,
    sessionLog,
    // Without a database the engine's own (idempotent, same promise) shutdown; with one, the DB links
    // close after the engine, since answers to requests still in flight use them until the sessions close.
    shutdown:
      db === null
        ? (opts) => engine.shutdown(opts)
        : (opts) =>
            (stopping ??= engine.shutdown(opts).then((result) => {
              closeDb();
              return result;
            })),
  };
}
