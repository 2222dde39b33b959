/**
 * TestServer CLI: `npm run server:test -- --port 7000` (see `--help`).
 *
 * Readiness: once both ports are bound it prints one line on stdout,
 *   TestServer listening on 127.0.0.1:7000 (metrics http://127.0.0.1:9100/metrics)
 * and with `--ready-json` also
 *   {"event":"ready","host":"127.0.0.1","port":7000,"metricsPort":9100,"pid":1234}
 * so a harness can spawn it with `--port 0` and read the real ports.
 * SIGINT/SIGTERM shut down gracefully and exit 0 within the deadline.
 */
import { ServerConfigError, ServerListenError, createLogger } from '../engine/index.ts';
import { startTestServer, type RunningTestServer } from './app.ts';
import { helpText, parseCli, type TestServerCliConfig } from './cli-options.ts';
import { CliConfigError, ExitCode } from './errors.ts';

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function readyLine(s: RunningTestServer): string {
  const metrics = s.metricsPort === null ? 'metrics disabled' : `metrics http://${formatHost(s.metricsHost!)}:${s.metricsPort}/metrics`;
  return `TestServer listening on ${formatHost(s.host)}:${s.port} (${metrics})`;
}

async function run(cfg: TestServerCliConfig): Promise<number> {
  const log = createLogger({ level: cfg.logLevel, name: 'TestServer' });
  let server: RunningTestServer;
  try {
    server = await startTestServer({
      host: cfg.host,
      port: cfg.port,
      metrics: cfg.metrics,
      limits: cfg.limits,
      shutdownDeadlineMs: cfg.shutdownDeadlineMs,
      logger: log,
    });
  } catch (err) {
    if (err instanceof ServerListenError) {
      process.stderr.write(`error: ${err.message}\n`);
      return ExitCode.LISTEN;
    }
    if (err instanceof ServerConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return ExitCode.USAGE;
    }
    throw err;
  }

  // Handlers go in before the ready line: a harness may signal as soon as it reads it.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const line = readyLine(server);
  log.info({ event: 'ready', host: server.host, port: server.port, metricsPort: server.metricsPort, configFile: cfg.configFile }, line);
  process.stdout.write(`${line}\n`);
  if (cfg.readyJson) {
    process.stdout.write(
      `${JSON.stringify({ event: 'ready', host: server.host, port: server.port, metricsHost: server.metricsHost, metricsPort: server.metricsPort, pid: process.pid })}\n`,
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
