/**
 * Command-line flags of the TestClient CLI. One table drives both parsing
 * and `--help`, so every flag is documented with its default. Parsing
 * collects every problem at once and throws one UsageError listing them.
 */
import { CLIENT_TRANSPORTS, type ClientTransport, MAX_TIMEOUT_MS } from './client-options.ts';
import { UsageError } from './errors.ts';
import { MAX_IN_FLIGHT } from './ping-run.ts';

/** Parsed, validated CLI options. */
export interface ClientCliOptions {
  host: string;
  port: number;
  /** Total pings, spread over the connections. */
  count: number;
  /** Outstanding pings per connection. */
  inFlight: number;
  /** Per-connection pacing in ms; 0 = none. */
  intervalMs: number;
  connections: number;
  token: string;
  clientVersion: number;
  /** Connect and handshake timeout, ms. */
  timeoutMs: number;
  /** Fail when no pong arrives for this long with pings outstanding, ms. */
  stallTimeoutMs: number;
  localAddress: string | undefined;
  transport: ClientTransport;
  /** PEM file of the CA(s) to trust (tls, wss). */
  ca: string | undefined;
  /** PEM files of a client certificate and its key (tls, wss). */
  cert: string | undefined;
  key: string | undefined;
  serverName: string | undefined;
  /** Do not verify the server's certificate (throw-away test servers only). */
  insecure: boolean;
  wsPath: string;
  /** Signing key file (PEM PKCS#8 or JWK): one JWT per connection. */
  jwtKey: string | undefined;
  /** Environment variable holding an HS256 secret (instead of --jwt-key). */
  jwtSecretEnv: string | undefined;
  jwtKid: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  jwtRole: string;
  /** Token lifetime, s. */
  jwtTtl: number;
  json: boolean;
  quiet: boolean;
  help: boolean;
}

type Key = keyof ClientCliOptions;

interface FlagSpec {
  flag: string;
  key: Key;
  kind: 'int' | 'string' | 'bool' | 'choice';
  /** Values of a choice flag. */
  choices?: readonly string[];
  /** Inclusive range of an int flag. */
  min?: number;
  max?: number;
  valueName?: string;
  help: string;
}

/** Defaults of every option. */
export const CLI_DEFAULTS: Readonly<ClientCliOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 7000,
  count: 1000,
  inFlight: 1,
  intervalMs: 0,
  connections: 1,
  token: '',
  clientVersion: 1,
  timeoutMs: 5000,
  stallTimeoutMs: 10_000,
  localAddress: undefined,
  transport: 'tcp',
  ca: undefined,
  cert: undefined,
  key: undefined,
  serverName: undefined,
  insecure: false,
  wsPath: '/',
  jwtKey: undefined,
  jwtSecretEnv: undefined,
  jwtKid: undefined,
  jwtIssuer: undefined,
  jwtAudience: undefined,
  jwtRole: 'user',
  jwtTtl: 300,
  json: false,
  quiet: false,
  help: false,
});

const FLAGS: readonly FlagSpec[] = [
  {
    flag: '--host', key: 'host', kind: 'string', valueName: 'addr',
    help: 'server host name or address',
  },
  {
    flag: '--port', key: 'port', kind: 'int', min: 1, max: 65_535, valueName: 'n',
    help: 'server TCP port',
  },
  {
    flag: '--count', key: 'count', kind: 'int', min: 1, max: 0xffff_ffff, valueName: 'n',
    help: 'pings to send in total, spread evenly over the connections',
  },
  {
    flag: '--in-flight', key: 'inFlight', kind: 'int', min: 1, max: MAX_IN_FLIGHT, valueName: 'k',
    help: 'pings kept outstanding per connection (pipelining depth)',
  },
  {
    flag: '--interval', key: 'intervalMs', kind: 'int', min: 0, max: MAX_TIMEOUT_MS, valueName: 'ms',
    help: 'pacing: at most one ping per connection every ms (0 = as fast as pongs return)',
  },
  {
    flag: '--connections', key: 'connections', kind: 'int', min: 1, max: 10_000, valueName: 'c',
    help: 'parallel connections, each its own session',
  },
  {
    flag: '--token', key: 'token', kind: 'string', valueName: 'str',
    help: "token sent in SessionConnectReq ('' = none)",
  },
  {
    flag: '--client-version', key: 'clientVersion', kind: 'int', min: 0, max: 0xffff_ffff, valueName: 'n',
    help: 'clientVersion sent in SessionConnectReq',
  },
  {
    flag: '--timeout', key: 'timeoutMs', kind: 'int', min: 1, max: MAX_TIMEOUT_MS, valueName: 'ms',
    help: 'connect and handshake timeout',
  },
  {
    flag: '--stall-timeout', key: 'stallTimeoutMs', kind: 'int', min: 1, max: MAX_TIMEOUT_MS, valueName: 'ms',
    help: 'fail when pings are outstanding and no pong came for this long',
  },
  {
    flag: '--local-address', key: 'localAddress', kind: 'string', valueName: 'addr',
    help: 'local address to connect from (default: chosen by the OS)',
  },
  {
    flag: '--transport', key: 'transport', kind: 'choice', choices: CLIENT_TRANSPORTS, valueName: 'tcp|tls|ws|wss',
    help: 'how to reach the server: TCP, TLS 1.3, WebSocket, WebSocket over TLS',
  },
  {
    flag: '--ca', key: 'ca', kind: 'string', valueName: 'file',
    help: "PEM file of the CA that signed the server's certificate (tls, wss; default: Node's public CAs)",
  },
  {
    flag: '--cert', key: 'cert', kind: 'string', valueName: 'file',
    help: 'PEM client certificate, for servers that ask for one (with --key)',
  },
  {
    flag: '--key', key: 'key', kind: 'string', valueName: 'file',
    help: 'PEM private key of --cert',
  },
  {
    flag: '--server-name', key: 'serverName', kind: 'string', valueName: 'name',
    help: "name the server's certificate must carry, sent as SNI (default: --host)",
  },
  {
    flag: '--insecure', key: 'insecure', kind: 'bool',
    help: "do not verify the server's certificate (throw-away test servers only)",
  },
  {
    flag: '--ws-path', key: 'wsPath', kind: 'string', valueName: 'path',
    help: 'URL path of the WebSocket upgrade (ws, wss)',
  },
  {
    flag: '--jwt-key', key: 'jwtKey', kind: 'string', valueName: 'file',
    help: 'sign one JWT per connection with this key: PEM PKCS#8 (Ed25519 → EdDSA, P-256 → ES256) or a JWK',
  },
  {
    flag: '--jwt-secret-env', key: 'jwtSecretEnv', kind: 'string', valueName: 'VAR',
    help: 'sign HS256 JWTs with the secret in this environment variable (32+ bytes)',
  },
  {
    flag: '--jwt-kid', key: 'jwtKid', kind: 'string', valueName: 'id',
    help: "key id in the JWT header (default: the JWK's kid)",
  },
  {
    flag: '--jwt-issuer', key: 'jwtIssuer', kind: 'string', valueName: 'iss',
    help: "iss claim; must match the server's --jwt-issuer",
  },
  {
    flag: '--jwt-audience', key: 'jwtAudience', kind: 'string', valueName: 'aud',
    help: "aud claim; must match the server's --jwt-audience",
  },
  {
    flag: '--jwt-role', key: 'jwtRole', kind: 'string', valueName: 'role',
    help: 'role claim',
  },
  {
    flag: '--jwt-ttl', key: 'jwtTtl', kind: 'int', min: 1, max: 86_400, valueName: 's',
    help: 'token lifetime (exp − iat)',
  },
  {
    flag: '--json', key: 'json', kind: 'bool',
    help: 'print the result as one JSON object on stdout',
  },
  {
    flag: '--quiet', key: 'quiet', kind: 'bool',
    help: 'no progress lines on stderr',
  },
  {
    flag: '--help', key: 'help', kind: 'bool',
    help: 'show this help and exit',
  },
];

const BY_FLAG = new Map<string, FlagSpec>(FLAGS.map((f) => [f.flag, f]));
BY_FLAG.set('-h', BY_FLAG.get('--help')!);

/** Parses `argv` (without node and script); throws UsageError listing every problem. */
export function parseClientArgs(argv: readonly string[]): ClientCliOptions {
  const out: Record<string, unknown> = { ...CLI_DEFAULTS };
  const issues: string[] = [];
  const seen = new Set<Key>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const spec = BY_FLAG.get(name);
    if (spec === undefined) {
      issues.push(arg.startsWith('-') ? `unknown flag ${name}` : `unexpected argument '${arg}' (flags start with --)`);
      continue;
    }
    if (seen.has(spec.key)) issues.push(`${spec.flag} given more than once`);
    seen.add(spec.key);
    if (spec.kind === 'bool') {
      if (eq >= 0) issues.push(`${spec.flag} takes no value`);
      else out[spec.key] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else if (i + 1 < argv.length && !BY_FLAG.has(argv[i + 1]!)) {
      value = argv[++i]!;
    } else {
      issues.push(`${spec.flag} needs a value (${spec.flag} <${spec.valueName}>)`);
      continue;
    }
    if (spec.kind === 'choice') {
      if (spec.choices!.includes(value)) out[spec.key] = value;
      else issues.push(`${spec.flag} must be one of ${spec.choices!.join(', ')}, got '${value}'`);
      continue;
    }
    if (spec.kind === 'string') {
      if (value === '' && spec.key !== 'token') issues.push(`${spec.flag} must not be empty`);
      else out[spec.key] = value;
      continue;
    }
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < spec.min! || n > spec.max!) {
      issues.push(`${spec.flag} must be an integer from ${spec.min} to ${spec.max}, got '${value}'`);
    } else {
      out[spec.key] = n;
    }
  }
  checkCombinations(out as unknown as ClientCliOptions, seen, issues);
  if (issues.length !== 0) throw new UsageError(issues);
  return Object.freeze(out) as unknown as ClientCliOptions;
}

const TLS_FLAGS: readonly Key[] = ['ca', 'cert', 'key', 'serverName', 'insecure'];
const JWT_CLAIM_FLAGS: readonly Key[] = ['jwtKid', 'jwtIssuer', 'jwtAudience', 'jwtRole', 'jwtTtl'];

/** Flags that only make sense together (or apart); each misfit is one issue. */
function checkCombinations(o: ClientCliOptions, seen: ReadonlySet<Key>, issues: string[]): void {
  const flagOf = (key: Key): string => FLAGS.find((f) => f.key === key)!.flag;
  const secure = o.transport === 'tls' || o.transport === 'wss';
  const isWs = o.transport === 'ws' || o.transport === 'wss';
  for (const key of TLS_FLAGS) {
    if (seen.has(key) && !secure) issues.push(`${flagOf(key)} applies to --transport tls or wss (transport is ${o.transport})`);
  }
  if (seen.has('wsPath') && !isWs) issues.push(`--ws-path applies to --transport ws or wss (transport is ${o.transport})`);
  if (!/^\/[^\s#]*$/.test(o.wsPath)) issues.push(`--ws-path must start with '/' and hold no spaces or '#', got '${o.wsPath}'`);
  if (seen.has('cert') !== seen.has('key')) issues.push('--cert and --key go together (a client certificate and its key)');
  const signs = seen.has('jwtKey') || seen.has('jwtSecretEnv');
  if (seen.has('jwtKey') && seen.has('jwtSecretEnv')) issues.push('give one of --jwt-key and --jwt-secret-env');
  if (signs && seen.has('token')) issues.push('--token is a literal token; with --jwt-key or --jwt-secret-env the CLI signs one: give one of them');
  if (signs) {
    for (const key of ['jwtIssuer', 'jwtAudience'] as const) {
      if (!seen.has(key)) issues.push(`signing a JWT needs ${flagOf(key)} (the server checks it)`);
    }
  } else {
    for (const key of JWT_CLAIM_FLAGS) {
      if (seen.has(key)) issues.push(`${flagOf(key)} needs --jwt-key or --jwt-secret-env`);
    }
  }
}

/** The `--help` text: every flag with its default. */
export function clientHelpText(): string {
  const lefts = FLAGS.map((f) => (f.kind === 'bool' ? f.flag : `${f.flag} <${f.valueName}>`));
  const width = Math.max(...lefts.map((l) => l.length)) + 2;
  const rows = FLAGS.map((f, i) => {
    const def = CLI_DEFAULTS[f.key];
    const shown = f.kind === 'bool' || def === undefined ? '' : ` (default: ${def === '' ? "''" : String(def)})`;
    return `  ${lefts[i]!.padEnd(width)}${f.help}${shown}`;
  });
  return [
    'TestClient: connect, handshake, send pings and report round-trip times.',
    '',
    'Usage: npm run client -- [flags]',
    '       npx tsx harness/client/main.ts [flags]',
    '',
    'Flags (--flag value or --flag=value):',
    ...rows,
    '',
    'Output: RTT min/p50/p90/p99/max/mean in µs and the achieved pings/s; over tls and wss',
    'also the TLS handshake time per connection (min/mean/max ms).',
    'Progress goes to stderr once a second while a run lasts longer than that.',
    '',
    'Exit codes: 0 ok, 1 connection or protocol error, 2 usage error, 130 interrupted (SIGINT/SIGTERM).',
  ].join('\n');
}
