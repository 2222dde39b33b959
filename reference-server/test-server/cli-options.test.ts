import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIMIT_SPECS } from '../engine/index.ts';
import { OPTION_SPECS, helpText, parseCli, type TestServerCliConfig } from './cli-options.ts';
import { CliConfigError, TestServerErrorCode } from './errors.ts';

function config(argv: string[], files: Record<string, string> = {}): TestServerCliConfig {
  const r = parseCli(argv, (p) => {
    if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return files[p]!;
  });
  if (r.help) throw new Error('unexpected help');
  return r.config;
}

function failure(argv: string[], files: Record<string, string> = {}): CliConfigError {
  try {
    config(argv, files);
  } catch (err) {
    expect(err).toBeInstanceOf(CliConfigError);
    return err as CliConfigError;
  }
  throw new Error('expected a CliConfigError');
}

describe('parseCli', () => {
  it('defaults', () => {
    expect(config([])).toEqual({
      host: '127.0.0.1',
      port: 7000,
      metrics: { host: '127.0.0.1', port: 9100 },
      limits: {},
      shutdownDeadlineMs: 5000,
      injectDelayMs: 0,
      db: null,
      logLevel: 'info',
      readyJson: false,
      configFile: null,
      transport: { kind: 'tcp', tls: null, ws: null },
      auth: { mode: 'off' },
    });
  });

  it.each([
    [['--db', '127.0.0.1:7100'], { db: { host: '127.0.0.1', port: 7100, connections: 2, requestTimeoutMs: 5000 } }],
    [['--db', '[::1]:7100', '--db-connections', '4', '--db-timeout-ms', '250'], { db: { host: '::1', port: 7100, connections: 4, requestTimeoutMs: 250 } }],
    [['--port', '0'], { port: 0 }],
    [['--port=7001'], { port: 7001 }],
    [['--host', '0.0.0.0'], { host: '0.0.0.0', metrics: { host: '0.0.0.0', port: 9100 } }],
    [['--metrics-port', '0', '--metrics-host', '127.0.0.2'], { metrics: { host: '127.0.0.2', port: 0 } }],
    [['--no-metrics'], { metrics: null }],
    [['--metrics=false'], { metrics: null }],
    [['--ready-json'], { readyJson: true }],
    [['--log-level', 'debug'], { logLevel: 'debug' }],
    [['--shutdown-deadline-ms', '250'], { shutdownDeadlineMs: 250 }],
    [['--inject-delay-ms', '20'], { injectDelayMs: 20 }],
    [['--max-sessions', '3', '--rate-limit-per-second', '0'], { limits: { maxSessions: 3, rateLimitPerSecond: 0 } }],
    [['--idle-timeout-ms', '100', '--handshake-timeout-ms=50'], { limits: { idleTimeoutMs: 100, handshakeTimeoutMs: 50 } }],
  ])('%j', (argv, expected) => {
    expect(config(argv)).toMatchObject(expected);
  });

  it('has a flag for every engine limit', () => {
    for (const s of LIMIT_SPECS) {
      const flag = OPTION_SPECS.find((o) => o.key === s.key)!.flag;
      expect(config([flag, String(s.max)]).limits[s.key]).toBe(s.max);
    }
  });

  it.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['--bogus', '5'], 'unknown flag --bogus'],
    [['extra'], 'unexpected argument "extra" (flags start with --)'],
    [['--db', 'localhost'], '--db: expected host:port of a DBServer (for example 127.0.0.1:7100), got "localhost"'],
    [['--db-connections', '3'], '--db-connections and --db-timeout-ms apply only with --db'],
    [['--port'], '--port needs a value'],
    [['--port', '--host', 'x'], '--port needs a value'],
    [['--port', 'abc'], '--port must be an integer, got "abc"'],
    [['--port', '1e3'], '--port must be an integer, got "1e3"'],
    [['--port', '70000'], '--port: must be <= 65535 (got 70000)'],
    [['--max-sessions', '0'], '--max-sessions: must be >= 1 (got 0)'],
    [['--log-level', 'loud'], '--log-level: must be equal to one of the allowed values (got "loud")'],
    [['--ready-json=yes'], '--ready-json takes true or false, got "yes"'],
    [['--no-metrics=1'], '--no-metrics takes no value (use --metrics=false or --no-metrics)'],
    [['--max-outbound-bytes', '4096', '--outbound-hard-limit-bytes', '2048'], '--outbound-hard-limit-bytes (outboundHardLimitBytes): must be at least maxOutboundBytes (4096), got 2048'],
  ])('%j → %s', (argv, issue) => {
    const err = failure(argv);
    expect(err.code).toBe(TestServerErrorCode.USAGE);
    expect(err.issues).toContain(issue);
  });

  it('reports every problem at once', () => {
    expect(failure(['--bogus', '--port', 'x', '--max-sessions', '0']).issues).toHaveLength(3);
  });

  it('--help wins', () => {
    expect(parseCli(['--port', '1', '--help'])).toEqual({ help: true });
  });

  describe('--config file', () => {
    it('applies the file, and flags override it', () => {
      const files = { 'c.json': JSON.stringify({ port: 7100, maxSessions: 10, logLevel: 'warn', metrics: false }) };
      expect(config(['--config', 'c.json'], files)).toMatchObject({ port: 7100, limits: { maxSessions: 10 }, logLevel: 'warn', metrics: null, configFile: 'c.json' });
      expect(config(['--config', 'c.json', '--port', '7200', '--max-sessions', '20'], files)).toMatchObject({ port: 7200, limits: { maxSessions: 20 } });
    });

    it.each([
      [{ 'c.json': '{"port": 1, "colour": "red"}' }, 'c.json: colour: unknown key'],
      [{ 'c.json': '{"port": "7000"}' }, 'c.json: port: must be integer (got "7000")'],
      [{ 'c.json': '{"port": 1,}' }, 'c.json: not valid JSON'],
      [{ 'c.json': '[1]' }, 'c.json: must contain a JSON object of options, e.g. {"port": 7000}'],
      [{}, 'c.json: cannot read the config file (ENOENT)'],
    ])('%j → %s', (files, issue) => {
      const err = failure(['--config', 'c.json'], files);
      expect(err.code).toBe(TestServerErrorCode.CONFIG_FILE);
      expect(err.issues.some((i) => i.startsWith(issue))).toBe(true);
    });
  });
});

describe('transport and auth flags', () => {
  const TLS = ['--tls-cert', 'c.pem', '--tls-key', 'k.pem'];

  it.each([
    [['--transport', 'tls', ...TLS], { kind: 'tls', tls: { certFile: 'c.pem', keyFile: 'k.pem', caFile: null, clientAuth: false, minVersion: 'TLSv1.3', handshakeTimeoutMs: 10_000, maxPendingHandshakes: 1024 }, ws: null }],
    [
      ['--transport', 'tls', ...TLS, '--tls-ca', 'ca.pem', '--tls-client-auth', '--tls-min-version', '1.2', '--tls-handshake-timeout-ms', '500', '--max-pending-handshakes', '8'],
      { kind: 'tls', tls: { caFile: 'ca.pem', clientAuth: true, minVersion: 'TLSv1.2', handshakeTimeoutMs: 500, maxPendingHandshakes: 8 } },
    ],
    [['--transport', 'ws'], { kind: 'ws', tls: null, ws: { path: '/', packetsPerMessage: 64, upgradeTimeoutMs: 10_000, maxPendingUpgrades: 1024 } }],
    [['--transport', 'wss', ...TLS, '--ws-path', '/game', '--ws-packets-per-message', '4'], { kind: 'wss', tls: { certFile: 'c.pem' }, ws: { path: '/game', packetsPerMessage: 4 } }],
  ])('%j', (argv, transport) => {
    expect(config(argv).transport).toMatchObject(transport);
  });

  it('--auth jwt with its settings (lists split on commas)', () => {
    expect(config(['--auth', 'jwt', '--jwt-issuer', 'https://id.example', '--jwt-audience', 'game,admin', '--jwt-keys', 'keys.json', '--jwt-clock-tolerance', '5', '--auth-max-pending', '10']).auth).toEqual({
      mode: 'jwt',
      issuer: ['https://id.example'],
      audience: ['game', 'admin'],
      keysFile: 'keys.json',
      clockToleranceSeconds: 5,
      maxPendingVerifications: 10,
    });
  });

  it('reads the same settings from a config file', () => {
    const files = { 'c.json': JSON.stringify({ transport: 'wss', tlsCert: 'c.pem', tlsKey: 'k.pem', auth: 'jwt', jwtIssuer: 'i', jwtAudience: 'a', jwtKeys: 'k.json' }) };
    const c = config(['--config', 'c.json'], files);
    expect(c.transport.kind).toBe('wss');
    expect(c.auth).toMatchObject({ mode: 'jwt', issuer: ['i'] });
  });

  it.each([
    [['--transport', 'quic'], '--transport: must be equal to one of the allowed values (got "quic")'],
    [['--transport', 'tls'], '--transport tls needs --tls-cert and --tls-key (PEM files)'],
    [['--transport', 'wss', '--tls-cert', 'c.pem'], '--transport wss needs --tls-cert and --tls-key (PEM files)'],
    [['--tls-cert', 'c.pem'], '--tls-cert applies only to --transport tls or wss, not --transport tcp'],
    [['--transport', 'ws', '--tls-min-version', '1.2'], '--tls-min-version applies only to --transport tls or wss, not --transport ws'],
    [['--tls-handshake-timeout-ms', '500'], '--tls-handshake-timeout-ms applies only to --transport tls, ws or wss, not --transport tcp'],
    [['--transport', 'tls', ...TLS, '--ws-path', '/x'], '--ws-path applies only to --transport ws or wss, not --transport tls'],
    [['--transport', 'tls', ...TLS, '--tls-client-auth'], '--tls-client-auth needs --tls-ca, the CA that signs client certificates'],
    [['--transport', 'tls', ...TLS, '--tls-min-version', '1.1'], '--tls-min-version: must be equal to one of the allowed values (got "1.1")'],
    [['--auth', 'jwt'], '--auth jwt needs --jwt-issuer'],
    [['--auth', 'jwt', '--jwt-issuer', 'i', '--jwt-audience', 'a'], '--auth jwt needs --jwt-keys'],
    [['--jwt-keys', 'k.json'], '--jwt-keys applies only to --auth jwt, not --transport tcp'],
    [['--auth', 'basic'], '--auth: must be equal to one of the allowed values (got "basic")'],
  ])('%j → %s', (argv, issue) => {
    const err = failure(argv);
    expect(err.code).toBe(TestServerErrorCode.USAGE);
    expect(err.issues).toContain(issue);
  });

  it('reports every missing jwt setting at once', () => {
    expect(failure(['--auth', 'jwt']).issues).toHaveLength(3);
  });
});

describe('helpText', () => {
  it('documents every flag with its default', () => {
    const text = helpText();
    for (const s of OPTION_SPECS) {
      expect(text).toContain(s.flag);
      if (typeof s.default === 'number') expect(text).toContain(`(default ${s.default})`);
    }
    expect(text).toContain('--config <file.json>');
    expect(text).toMatch(/Exit codes: 0 .* 1 .* 2 /);
  });
});

describe('docs/server.md', () => {
  const doc = readFileSync(new URL('../../docs/server.md', import.meta.url), 'utf8');

  it.each(OPTION_SPECS.map((s) => [s.flag, s.key]))('documents %s (%s)', (flag, key) => {
    expect(doc).toContain(`\`${flag}`);
    if (LIMIT_SPECS.some((l) => l.key === key)) expect(doc).toContain(`\`${key}\``);
  });
});
