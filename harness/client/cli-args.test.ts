import { describe, expect, it } from 'vitest';
import { CLI_DEFAULTS, clientHelpText, parseClientArgs } from './cli-args.ts';
import { ClientErrorCode, UsageError } from './errors.ts';

function issuesOf(argv: string[]): readonly string[] {
  try {
    parseClientArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe(ClientErrorCode.USAGE);
    return (err as UsageError).issues;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseClientArgs', () => {
  it('returns the defaults for no flags', () => {
    expect(parseClientArgs([])).toEqual(CLI_DEFAULTS);
  });

  it.each([
    [['--host', '::1'], { host: '::1' }],
    [['--port=7001'], { port: 7001 }],
    [['--port', '1'], { port: 1 }],
    [['--count', '5000', '--in-flight', '16'], { count: 5000, inFlight: 16 }],
    [['--interval', '10', '--connections', '4'], { intervalMs: 10, connections: 4 }],
    [['--token', 'abc.def'], { token: 'abc.def' }],
    [['--token='], { token: '' }],
    [['--client-version', '2'], { clientVersion: 2 }],
    [['--timeout', '250', '--stall-timeout', '900'], { timeoutMs: 250, stallTimeoutMs: 900 }],
    [['--local-address', '127.0.0.2'], { localAddress: '127.0.0.2' }],
    [['--json', '--quiet'], { json: true, quiet: true }],
    [['-h'], { help: true }],
    [['--help'], { help: true }],
    [['--transport', 'ws'], { transport: 'ws' }],
    [['--transport=wss', '--ws-path', '/game', '--ca', 'ca.pem'], { transport: 'wss', wsPath: '/game', ca: 'ca.pem' }],
    [
      ['--transport', 'tls', '--cert', 'c.pem', '--key', 'k.pem', '--server-name', 'db.test', '--insecure'],
      { transport: 'tls', cert: 'c.pem', key: 'k.pem', serverName: 'db.test', insecure: true },
    ],
    [
      ['--jwt-key', 'k.pem', '--jwt-kid', 'ed-1', '--jwt-issuer', 'i', '--jwt-audience', 'a', '--jwt-role', 'admin', '--jwt-ttl', '60'],
      { jwtKey: 'k.pem', jwtKid: 'ed-1', jwtIssuer: 'i', jwtAudience: 'a', jwtRole: 'admin', jwtTtl: 60 },
    ],
    [['--jwt-secret-env', 'S', '--jwt-issuer', 'i', '--jwt-audience', 'a'], { jwtSecretEnv: 'S', jwtIssuer: 'i', jwtAudience: 'a' }],
  ])('%j sets %j', (argv, expected) => {
    expect(parseClientArgs(argv)).toEqual({ ...CLI_DEFAULTS, ...expected });
  });

  it.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['stray'], "unexpected argument 'stray' (flags start with --)"],
    [['--port', 'x'], "--port must be an integer from 1 to 65535, got 'x'"],
    [['--port', '0'], "--port must be an integer from 1 to 65535, got '0'"],
    [['--port', '70000'], "--port must be an integer from 1 to 65535, got '70000'"],
    [['--count', '-5'], "--count must be an integer from 1 to 4294967295, got '-5'"],
    [['--count', '1.5'], "--count must be an integer from 1 to 4294967295, got '1.5'"],
    [['--in-flight', '0'], "--in-flight must be an integer from 1 to 65536, got '0'"],
    [['--count'], '--count needs a value (--count <n>)'],
    [['--host', '--json'], '--host needs a value (--host <addr>)'],
    [['--host='], '--host must not be empty'],
    [['--json=true'], '--json takes no value'],
    [['--port', '1', '--port', '2'], '--port given more than once'],
    [['--transport', 'quic'], "--transport must be one of tcp, tls, ws, wss, got 'quic'"],
    [['--ca', 'ca.pem'], '--ca applies to --transport tls or wss (transport is tcp)'],
    [['--transport', 'ws', '--insecure'], '--insecure applies to --transport tls or wss (transport is ws)'],
    [['--transport', 'tls', '--ws-path', '/x'], '--ws-path applies to --transport ws or wss (transport is tls)'],
    [['--transport', 'ws', '--ws-path', 'game'], "--ws-path must start with '/' and hold no spaces or '#', got 'game'"],
    [['--transport', 'tls', '--cert', 'c.pem'], '--cert and --key go together (a client certificate and its key)'],
    [['--jwt-key', 'k', '--jwt-secret-env', 'S', '--jwt-issuer', 'i', '--jwt-audience', 'a'], 'give one of --jwt-key and --jwt-secret-env'],
    [['--jwt-key', 'k', '--jwt-audience', 'a'], 'signing a JWT needs --jwt-issuer (the server checks it)'],
    [['--jwt-secret-env', 'S', '--jwt-issuer', 'i'], 'signing a JWT needs --jwt-audience (the server checks it)'],
    [['--jwt-role', 'admin'], '--jwt-role needs --jwt-key or --jwt-secret-env'],
    [
      ['--token', 't', '--jwt-key', 'k', '--jwt-issuer', 'i', '--jwt-audience', 'a'],
      '--token is a literal token; with --jwt-key or --jwt-secret-env the CLI signs one: give one of them',
    ],
  ])('%j is rejected: %s', (argv, issue) => {
    expect(issuesOf(argv)).toContain(issue);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(['--port', 'x', '--bogus', '--count']);
    expect(issues).toEqual([
      "--port must be an integer from 1 to 65535, got 'x'",
      'unknown flag --bogus',
      '--count needs a value (--count <n>)',
    ]);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(parseClientArgs(['--port', '7']))).toBe(true);
  });
});

describe('clientHelpText', () => {
  const help = clientHelpText();

  it.each([
    ['--host <addr>', '(default: 127.0.0.1)'],
    ['--port <n>', '(default: 7000)'],
    ['--count <n>', '(default: 1000)'],
    ['--in-flight <k>', '(default: 1)'],
    ['--interval <ms>', '(default: 0)'],
    ['--connections <c>', '(default: 1)'],
    ['--token <str>', "(default: '')"],
    ['--client-version <n>', '(default: 1)'],
    ['--timeout <ms>', '(default: 5000)'],
    ['--stall-timeout <ms>', '(default: 10000)'],
    ['--transport <tcp|tls|ws|wss>', '(default: tcp)'],
    ['--ws-path <path>', '(default: /)'],
    ['--jwt-role <role>', '(default: user)'],
    ['--jwt-ttl <s>', '(default: 300)'],
  ])('documents %s with %s', (flag, def) => {
    const line = help.split('\n').find((l) => l.includes(flag));
    expect(line).toBeDefined();
    expect(line).toContain(def);
  });

  it.each([
    '--local-address <addr>', '--json', '--quiet', '--help', '--ca <file>', '--cert <file>', '--key <file>',
    '--server-name <name>', '--insecure', '--jwt-key <file>', '--jwt-secret-env <VAR>', '--jwt-kid <id>',
    '--jwt-issuer <iss>', '--jwt-audience <aud>',
  ])('documents %s', (flag) => {
    expect(help).toContain(`  ${flag}`);
  });

  it('documents the exit codes', () => {
    expect(help).toContain('Exit codes: 0 ok, 1 connection or protocol error, 2 usage error');
  });
});
