/**
 * TestServer: the ping/pong reference application on the engine.
 *
 * `startTestServer()` starts it in-process (tests and the harness use port
 * 0); `main.ts` wraps it as a CLI.
 */
import type { Logger } from 'pino';
import { PacketId } from '../../protocol/index.ts';
import {
  HandlerPhase,
  ServerEngine,
  createLogger,
  silentLogger,
  type EngineLimits,
  type HandlerRegistry,
  type LogLevel,
  type SessionHooks,
  type ShutdownOptions,
  type ShutdownResult,
  type Transport,
} from '../engine/index.ts';
import { createHandshakeHandler, onPingReq, type Authenticator } from './handlers.ts';

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
  /** Handshake authenticator; null/absent accepts every version-1 client. */
  authenticator?: Authenticator | null;
  hooks?: SessionHooks;
  /** Default TCP. */
  transport?: Transport;
}

/** A started TestServer. */
export interface RunningTestServer {
  host: string;
  port: number;
  /** Null when metrics are disabled. */
  metricsHost: string | null;
  metricsPort: number | null;
  /** The engine, for metrics and session inspection. */
  engine: ServerEngine;
  /** Graceful shutdown (see ServerEngine.shutdown). */
  shutdown(options?: ShutdownOptions): Promise<ShutdownResult>;
}

/**
 * Registers the TestServer handlers (SessionConnectReq, PingReq) on a
 * registry. DisconnectNotice is server → client only (docs/protocol.md), so
 * a client sending one gets UnknownPacketId like any id the server does not handle.
 */
export function registerTestServerHandlers(registry: HandlerRegistry, authenticator: Authenticator | null = null): void {
  registry
    .register(PacketId.SessionConnectReq, createHandshakeHandler(authenticator), { phase: HandlerPhase.Handshake })
    .register(PacketId.PingReq, onPingReq);
}

/** Builds (does not start) a TestServer engine. Throws ServerConfigError for invalid options. */
export function createTestServer(options: TestServerOptions = {}): ServerEngine {
  const logger =
    options.logger ??
    (options.logLevel === undefined || options.logLevel === 'silent' ? silentLogger() : createLogger({ level: options.logLevel, name: 'TestServer' }));
  const engine = new ServerEngine({
    name: 'TestServer',
    host: options.host,
    port: options.port,
    metrics: options.metrics,
    limits: options.limits,
    shutdownDeadlineMs: options.shutdownDeadlineMs,
    logger,
    hooks: options.hooks,
    transport: options.transport,
  });
  registerTestServerHandlers(engine.registry, options.authenticator ?? null);
  return engine;
}

/**
 * Starts a TestServer. Rejects with ServerConfigError (NMT_SERVER_CONFIG_INVALID)
 * or ServerListenError (NMT_SERVER_ADDRESS_IN_USE, ...).
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<RunningTestServer> {
  const engine = createTestServer(options);
  const addr = await engine.start();
  return {
    host: addr.host,
    port: addr.port,
    metricsHost: addr.metricsHost,
    metricsPort: addr.metricsPort,
    engine,
    shutdown: (opts) => engine.shutdown(opts),
  };
}
