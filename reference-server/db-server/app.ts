/**
 * DBServer: the database tier on the same engine and framing as TestServer.
 *
 *   TestServer ══ few persistent TCP links, pipelined Db*Req / DbRes ══▶ DBServer ──▶ Storage ──▶ SQLite | MariaDB
 *
 * It owns all database work; TestServer stays stateless. `startDbServer()`
 * starts it in-process (tests use port 0); `main.ts` wraps it as a CLI.
 * Links handshake with the ordinary SessionConnectReq (protocol version 1),
 * then send Db*Req packets (protocol/db-packets.ts).
 *
 * Engine defaults differ from TestServer's where a server-to-server link is
 * not a game client: no per-link rate limit (one link carries thousands of
 * requests per second for many clients), no idle timeout (links are
 * long-lived; the client pings them anyway), and the largest packet size.
 */
import type { Logger } from 'pino';
import { MAX_WIRE_PACKET_SIZE, PacketId } from '../../protocol/index.ts';
import {
  HandlerPhase,
  ServerEngine,
  createLogger,
  createTransport,
  silentLogger,
  type EngineLimits,
  type LogLevel,
  type ShutdownOptions,
  type ShutdownResult,
  type TlsSettings,
} from '../engine/index.ts';
import { createHandshakeHandler, onPingReq } from '../test-server/handlers.ts';
import { StatsRefresher, dbMetricFamilies } from './db-metrics.ts';
import { createDbRequestHandler, newCounters, type DbServerCounters } from './request-handlers.ts';
import { createStorage, type Storage, type StorageConfig } from './storage/index.ts';

/** Limits DBServer uses unless overridden (see the module comment for why). */
export const DB_SERVER_LIMIT_DEFAULTS: Readonly<Partial<EngineLimits>> = Object.freeze({
  rateLimitPerSecond: 0,
  idleTimeoutMs: 0,
  maxPacketSize: MAX_WIRE_PACKET_SIZE,
  maxSessions: 1000,
  maxOutboundBytes: 8 * 1024 * 1024,
});

/** Default refresh interval of the stats behind /metrics, ms. */
export const DEFAULT_STATS_REFRESH_MS = 1000;

export interface DbServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Either a ready storage (closed by shutdown only when `ownStorage`) or a config to open one. */
  storage: Storage | StorageConfig;
  /** When `storage` is a ready instance: close it on shutdown. Default false (the caller owns it). */
  ownStorage?: boolean;
  /** Metrics endpoint; absent/null/false = disabled. */
  metrics?: { host?: string; port?: number } | null | false;
  /**
   * Serve TestServer links over TLS 1.3 (`--tls-cert`/`--tls-key`); with
   * `clientAuth` and `ca`, only TestServers holding a certificate from that CA
   * can connect at all. Absent/null = plain TCP (loopback deployments).
   */
  tls?: TlsSettings | null;
  /** Overrides on top of {@link DB_SERVER_LIMIT_DEFAULTS}. */
  limits?: Partial<EngineLimits>;
  /** Default 5000. */
  shutdownDeadlineMs?: number;
  logger?: Logger;
  logLevel?: LogLevel;
  /** How often the stats behind /metrics are refreshed, ms (only while metrics are served). Default 1000. */
  statsRefreshMs?: number;
}

export interface RunningDbServer {
  host: string;
  port: number;
  metricsHost: string | null;
  metricsPort: number | null;
  engine: ServerEngine;
  storage: Storage;
  counters: DbServerCounters;
  /** Stops accepting, closes links (answers in flight are dropped), then closes the storage if owned. */
  shutdown(options?: ShutdownOptions): Promise<ShutdownResult>;
}

const DB_REQUEST_IDS = [
  PacketId.DbCreatePlayerReq,
  PacketId.DbGetPlayerReq,
  PacketId.DbUpdatePlayerReq,
  PacketId.DbDeletePlayerReq,
  PacketId.DbTransferGoldReq,
  PacketId.DbLogSessionsReq,
  PacketId.DbStatsReq,
] as const;

function isStorage(s: Storage | StorageConfig): s is Storage {
  return typeof (s as Storage).migrate === 'function';
}

/**
 * Opens the storage (when given a config: validates, opens, migrates) and
 * starts listening. Rejects with the storage's DbError (NMT_DB_CONFIG_INVALID,
 * NMT_DB_MISCONFIGURED, NMT_DB_UNAVAILABLE, ...) or the engine's
 * ServerConfigError / ServerListenError; nothing is left open when it rejects.
 */
export async function startDbServer(options: DbServerOptions): Promise<RunningDbServer> {
  const logger =
    options.logger ??
    (options.logLevel === undefined || options.logLevel === 'silent' ? silentLogger() : createLogger({ level: options.logLevel, name: 'DBServer' }));
  const owned = !isStorage(options.storage) || options.ownStorage === true;
  const storage = isStorage(options.storage) ? options.storage : await createStorage(options.storage);
  let engine: ServerEngine;
  const counters = newCounters();
  const refresher = new StatsRefresher(storage, options.statsRefreshMs ?? DEFAULT_STATS_REFRESH_MS, (err) => logger.warn({ err }, 'storage stats refresh failed'));
  try {
    engine = new ServerEngine({
      name: 'DBServer',
      host: options.host,
      port: options.port,
      metrics: options.metrics,
      limits: { ...DB_SERVER_LIMIT_DEFAULTS, ...options.limits },
      shutdownDeadlineMs: options.shutdownDeadlineMs,
      logger,
      ...(options.tls == null ? {} : { transport: createTransport({ kind: 'tls', tls: options.tls }, { maxPacketSize: MAX_WIRE_PACKET_SIZE }) }),
    });
    const handler = createDbRequestHandler(storage, counters, () => ({ links: engine.sessions.count, uptimeMs: Math.floor(engine.uptimeMs), ...counters }));
    engine.registry
      .register(PacketId.SessionConnectReq, createHandshakeHandler(null), { phase: HandlerPhase.Handshake })
      .register(PacketId.PingReq, onPingReq);
    for (const id of DB_REQUEST_IDS) engine.registry.register(id, handler);
    engine.addMetricsProvider(() => dbMetricFamilies(refresher.latest, counters));
    const addr = await engine.start();
    // Only /metrics reads the refreshed stats: without it the snapshot (all histograms, once per interval) is skipped.
    if (options.metrics !== undefined && options.metrics !== null && options.metrics !== false) refresher.start();
    logger.info({ backend: storage.backend, host: addr.host, port: addr.port, transport: engine.transportKind }, 'DBServer listening');
    return {
      ...addr,
      engine,
      storage,
      counters,
      async shutdown(opts?: ShutdownOptions): Promise<ShutdownResult> {
        refresher.stop();
        const result = await engine.shutdown(opts);
        if (owned) await storage.close();
        return result;
      },
    };
  } catch (err) {
    refresher.stop();
    if (owned) await storage.close().catch(() => undefined);
    throw err;
  }
}
