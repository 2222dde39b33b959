/**
 * DBServer CLI: `npm run server:db -- --port 7100` (see `--help`).
 *
 * Prints `DBServer listening on HOST:PORT (sqlite, metrics ...)` once ready
 * (and with `--ready-json` a `{"event":"ready",...}` line), so a launcher can
 * start it with `--port 0` and read the real port. SIGINT/SIGTERM stop it
 * gracefully: links closed, queued writes committed, database closed.
 */
import { ServerConfigError, ServerListenError, TransportConfigError, createLogger, loadTlsFiles } from '../engine/index.ts';
import { startDbServer, type RunningDbServer } from './app.ts';
import { DbCliError, DbExitCode, dbHelpText, parseDbCli, type DbServerCliConfig } from './cli-options.ts';
import { DbError, DbErrorCode } from './storage/index.ts';

async function run(cfg: DbServerCliConfig): Promise<number> {
  const log = createLogger({ level: cfg.logLevel, name: 'DBServer' });
  let server: RunningDbServer;
  try {
    server = await startDbServer({
      host: cfg.host,
      port: cfg.port,
      metrics: cfg.metrics,
      storage: cfg.storage,
      logger: log,
      shutdownDeadlineMs: cfg.shutdownDeadlineMs,
      statsRefreshMs: cfg.statsRefreshMs,
      tls: cfg.tls === null ? null : { ...loadTlsFiles(cfg.tls), clientAuth: cfg.tls.clientAuth },
    });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    if (err instanceof ServerListenError) return DbExitCode.LISTEN;
    if (err instanceof ServerConfigError || err instanceof TransportConfigError) return DbExitCode.USAGE;
    if (err instanceof DbError) return err.code === DbErrorCode.CONFIG_INVALID ? DbExitCode.USAGE : DbExitCode.DATABASE;
    throw err;
  }
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const metrics = server.metricsPort === null ? 'metrics disabled' : `metrics http://${server.metricsHost}:${server.metricsPort}/metrics`;
  const tls = server.engine.transportKind === 'tls' ? ', TLS 1.3 links' : '';
  process.stdout.write(`DBServer listening on ${server.host}:${server.port} (${server.storage.backend}${tls}, ${metrics})\n`);
  if (cfg.readyJson) {
    process.stdout.write(`${JSON.stringify({ event: 'ready', host: server.host, port: server.port, metricsPort: server.metricsPort, backend: server.storage.backend, transport: server.engine.transportKind, pid: process.pid })}\n`);
  }
  const signal = await signalled;
  process.once('SIGINT', () => process.exit(DbExitCode.FAILURE));
  process.once('SIGTERM', () => process.exit(DbExitCode.FAILURE));
  log.info({ signal }, 'shutdown requested');
  const result = await server.shutdown({ deadlineMs: cfg.shutdownDeadlineMs });
  process.stdout.write(`DBServer stopped (${result.sessionsAtStart} links closed) in ${result.durationMs} ms\n`);
  return DbExitCode.OK;
}

function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseDbCli(argv);
  } catch (err) {
    if (err instanceof DbCliError) {
      process.stderr.write(`error: ${err.problems.map((p) => `\n  - ${p}`).join('')}\nRun with --help for the list of flags.\n`);
      return Promise.resolve(DbExitCode.USAGE);
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(dbHelpText());
    return Promise.resolve(DbExitCode.OK);
  }
  return run(parsed.config);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(DbExitCode.FAILURE);
  },
);
