import { describe, expect, it } from 'vitest';
import { DbCliError, dbHelpText, parseDbCli } from './cli-options.ts';

function config(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const r = parseDbCli(argv, env);
  if (r.help) throw new Error('unexpected --help');
  return r.config;
}

function problems(argv: string[]): readonly string[] {
  try {
    parseDbCli(argv, {});
  } catch (err) {
    if (err instanceof DbCliError) return err.problems;
    throw err;
  }
  throw new Error('expected a DbCliError');
}

describe('parseDbCli', () => {
  it('defaults to SQLite in ./data/db on port 7100 with metrics on 9101', () => {
    expect(config([])).toEqual({
      host: '127.0.0.1',
      port: 7100,
      metrics: { port: 9101 },
      storage: { backend: 'sqlite', dataDir: './data/db' },
      logLevel: 'info',
      readyJson: false,
      shutdownDeadlineMs: 5000,
      statsRefreshMs: 1000,
      tls: null,
    });
  });

  it('serves TLS links with client certificates when --tls-* are given', () => {
    expect(config(['--tls-cert', 'db.crt', '--tls-key', 'db.key', '--tls-ca', 'ca.crt', '--tls-client-auth']).tls).toEqual({
      certFile: 'db.crt',
      keyFile: 'db.key',
      caFile: 'ca.crt',
      clientAuth: true,
    });
    expect(config(['--tls-cert', 'db.crt', '--tls-key', 'db.key']).tls).toEqual({ certFile: 'db.crt', keyFile: 'db.key', caFile: null, clientAuth: false });
  });

  it.each([
    [['--backend', 'mariadb'], {}, { backend: 'mariadb', url: 'mariadb://root@127.0.0.1:3306/test' }],
    [['--backend', 'mariadb'], { NMT_MARIADB_URL: 'mariadb://u:p@db:3307/game' }, { backend: 'mariadb', url: 'mariadb://u:p@db:3307/game' }],
    [['--backend=mariadb', '--mariadb-url', 'mariadb://x@h/d', '--pool-size', '4'], {}, { backend: 'mariadb', url: 'mariadb://x@h/d', poolSize: 4 }],
    [['--data-dir', '/tmp/x', '--request-timeout-ms', '250', '--synchronous', 'NORMAL'], {}, { backend: 'sqlite', dataDir: '/tmp/x', requestTimeoutMs: 250, synchronous: 'NORMAL' }],
  ])('%j (env %j) → storage %j', (argv, env, storage) => {
    expect(config(argv, env).storage).toEqual(storage);
  });

  it.each([
    [['--bogus'], 'unknown flag "--bogus"'],
    [['--port', 'x'], '--port: must be an integer from 0 to 65535, got "x"'],
    [['--port'], '--port: needs a value'],
    [['--backend', 'pg'], '--backend: must be sqlite or mariadb, got "pg"'],
    [['--pool-size', '3'], '--pool-size: applies to the mariadb backend only (--backend is sqlite)'],
    [['--mariadb-url', 'mariadb://x@h/d'], '--mariadb-url: applies to --backend mariadb only'],
  ])('%j → %s', (argv, problem) => {
    expect(problems(argv)).toContain(problem);
  });

  it('reports every problem at once', () => {
    expect(problems(['--bogus', '--port', 'x', '--backend', 'pg'])).toHaveLength(3);
  });

  it('--help wins and the help lists server and storage flags', () => {
    expect(parseDbCli(['--port', 'x', '--help'])).toEqual({ help: true });
    const help = dbHelpText();
    for (const flag of ['--port', '--backend', '--data-dir', '--mariadb-url', '--request-timeout-ms', '--pool-size', '--max-queue']) expect(help).toContain(flag);
  });
});
