/**
 * TestServer CLI: `npm run server:test -- --port 7000` (see `--help`).
 *
 * Readiness: once both ports are bound it prints one line on stdout,
 *   TestServer listening on 127.0.0.1:7000 (metrics http://127.0.0.1:9100/metrics)
 * and with `--ready-json` also
 *   {"event":"ready","host":"127.0.0.1","port":7000,"metricsPort":9100,"pid":1234}
 * so a harness can spawn it with `--port 0` and read the real ports
 * (the JSON line also names the transport and the auth mode).
 * SIGINT/SIGTERM shut down gracefully and exit 0 within the deadline.
 * SIGHUP re-reads `--jwt-keys` and the TLS certificate files: key and
 * certificate rotation without a restart (a bad file keeps the old ones).
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { AuthConfigError, loadKeySetFile, type JwtAuthOptions } from '../auth/index.ts';
import { ServerConfigError, ServerListenError, TransportConfigError, createLogger, loadTlsFiles, type TlsMaterial, type TransportSpec } from '../engine/index.ts';
import { startTestServer, type RunningTestServer } from './app.ts';
import type { DbLinkTls } from './db-client.ts';
import { helpText, parseCli, type TestServerCliConfig } from './cli-options.ts';
import { CliConfigError, ExitCode } from './errors.ts';

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function readyLine(s: RunningTestServer): string {
  const metrics = s.metricsPort === null ? 'metrics disabled' : `metrics http://${formatHost(s.metricsHost!)}:${s.metricsPort}/metrics`;
  return `TestServer listening on ${formatHost(s.host)}:${s.port} (${metrics})`;
}

/** Reads the TLS files (`--tls-cert`, `--tls-key`, `--tls-ca`). */
function readTls(cfg: TestServerCliConfig): TlsMaterial | null {
  const t = cfg.transport.tls;
  return t === null ? null : loadTlsFiles({ certFile: t.certFile, keyFile: t.keyFile, caFile: t.caFile });
}

/** Reads the `--db-tls-*` files: PEM the DBServer links dial with. */
function readDbTls(t: NonNullable<TestServerCliConfig['db']>['tls']): DbLinkTls | null {
  if (t === null) return null;
  if (t.certFile !== null && t.keyFile !== null) {
    const m = loadTlsFiles({ certFile: t.certFile, keyFile: t.keyFile, caFile: t.caFile });
    return { ca: m.ca!, cert: m.cert, key: m.key, servername: t.servername };
  }
  try {
    return { ca: readFileSync(t.caFile), servername: t.servername };
  } catch (err) {
    throw new TransportConfigError([{ path: '--db-tls-ca', message: `cannot read ${t.caFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }], 'DBServer link TLS files');
  }
}

/** The transport spec of the command line, with certificate files read. */
function transportSpec(cfg: TestServerCliConfig): TransportSpec {
  const { kind, tls, ws } = cfg.transport;
  const material = readTls(cfg);
  return {
    kind,
    tls: tls === null || material === null ? null : { ...material, clientAuth: tls.clientAuth, minVersion: tls.minVersion, handshakeTimeoutMs: tls.handshakeTimeoutMs, maxPendingHandshakes: tls.maxPendingHandshakes },
    ws,
  };
}

/** JWT options of the command line, with the key file loaded; null with `--auth off`. */
async function jwtOptions(cfg: TestServerCliConfig): Promise<JwtAuthOptions | null> {
  const a = cfg.auth;
  if (a.mode === 'off') return null;
  return {
    keys: await loadKeySetFile(a.keysFile),
    issuer: a.issuer,
    audience: a.audience,
    clockToleranceSeconds: a.clockToleranceSeconds,
    maxPendingVerifications: a.maxPendingVerifications,
  };
}

/** SIGHUP: reload keys and certificates; a file that fails keeps the old material and is logged. */
async function reload(server: RunningTestServer, cfg: TestServerCliConfig, log: Logger): Promise<void> {
  if (server.auth !== null && cfg.auth.mode === 'jwt') {
    try {
      const keys = await loadKeySetFile(cfg.auth.keysFile);
      server.auth.setKeys(keys);
      log.info({ keysFile: cfg.auth.keysFile, kids: keys.kids() }, 'JWT keys reloaded');
    } catch (err) {
      log.error({ err, keysFile: cfg.auth.keysFile }, 'JWT key reload failed; keeping the previous keys');
    }
  }
  const t = server.transport as { setCertificates?: (m: TlsMaterial) => void };
  if (cfg.transport.tls !== null && t.setCertificates !== undefined) {
    try {
      t.setCertificates(readTls(cfg)!);
      log.info({ certFile: cfg.transport.tls.certFile }, 'TLS certificates reloaded');
    } catch (err) {
      log.error({ err, certFile: cfg.transport.tls.certFile }, 'TLS certificate reload failed; keeping the previous certificates');
    }
  }
}

async function run(cfg: TestServerCliConfig): Promise<number> {
  const log = createLogger({ level: cfg.logLevel, name: 'TestServer' });
  let server: RunningTestServer;
  try {
    server = await startTestServer({
      transport: transportSpec(cfg),
      jwt: await jwtOptions(cfg),
      host: cfg.host,
      port: cfg.port,
      metrics: cfg.metrics,
      limits: cfg.limits,
      shutdownDeadlineMs: cfg.shutdownDeadlineMs,
      injectDelayMs: cfg.injectDelayMs,
      db: cfg.db === null ? null : { ...cfg.db, tls: readDbTls(cfg.db.tls) },
      logger: log,
    });
  } catch (err) {
    if (err instanceof ServerListenError) {
      process.stderr.write(`error: ${err.message}\n`);
      return ExitCode.LISTEN;
    }
    if (err instanceof ServerConfigError || err instanceof TransportConfigError || err instanceof AuthConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return ExitCode.USAGE;
    }
    throw err;
  }
  const onHangup = (): void => void reload(server, cfg, log);
  process.on('SIGHUP', onHangup);

  // Handlers go in before the ready line: a harness may signal as soon as it reads it.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const line = readyLine(server);
  log.info({ event: 'ready', host: server.host, port: server.port, metricsPort: server.metricsPort, configFile: cfg.configFile, transport: server.transport.kind, auth: cfg.auth.mode }, line);
  process.stdout.write(`${line}\n`);
  if (cfg.readyJson) {
    process.stdout.write(
      `${JSON.stringify({ event: 'ready', host: server.host, port: server.port, metricsHost: server.metricsHost, metricsPort: server.metricsPort, pid: process.pid, transport: server.transport.kind, auth: cfg.auth.mode })}\n`,
    );
  }

  const signal = await signalled;
  const force = (second: NodeJS.Signals): void => {
    log.warn({ signal: second }, 'second signal during shutdown; exiting now');
    process.exit(ExitCode.FAILURE);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  log.info({ signal }, 'shutdown requested');
  const result = await server.shutdown({ deadlineMs: cfg.shutdownDeadlineMs });
  process.stdout.write(
    `TestServer stopped (${result.sessionsAtStart} sessions closed, ${result.destroyed} forced) in ${result.durationMs} ms\n`,
  );
  if (cfg.readyJson) process.stdout.write(`${JSON.stringify({ event: 'stopped', signal, ...result })}\n`);
  return ExitCode.OK;
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (err) {
    if (err instanceof CliConfigError) {
      process.stderr.write(`error: ${err.message}\nRun with --help for the list of flags.\n`);
      return ExitCode.USAGE;
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(helpText());
    return ExitCode.OK;
  }
  return run(parsed.config);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(ExitCode.FAILURE);
  },
);
