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
      logLevel: 'info',
      readyJson: false,
      configFile: null,
    });
  });

  it.each([
    [['--port', '0'], { port: 0 }],
    [['--port=7001'], { port: 7001 }],
    [['--host', '0.0.0.0'], { host: '0.0.0.0', metrics: { host: '0.0.0.0', port: 9100 } }],
    [['--metrics-port', '0', '--metrics-host', '127.0.0.2'], { metrics: { host: '127.0.0.2', port: 0 } }],
    [['--no-metrics'], { metrics: null }],
    [['--metrics=false'], { metrics: null }],
    [['--ready-json'], { readyJson: true }],
    [['--log-level', 'debug'], { logLevel: 'debug' }],
    [['--shutdown-deadline-ms', '250'], { shutdownDeadlineMs: 250 }],
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
