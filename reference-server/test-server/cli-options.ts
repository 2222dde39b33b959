/**
 * TestServer command line and config file.
 *
 * One table ({@link OPTION_SPECS}) drives the flag parser, the JSON schema
 * of `--config file.json` (same keys, camelCase; compiled once,
 * `additionalProperties: false`), and `--help`. Precedence: defaults <
 * config file < flags. Every problem is collected and reported at once;
 * unknown flags and unknown keys are errors.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { JWT_DEFAULTS } from '../auth/index.ts';
import {
  LIMIT_SPECS,
  LOG_LEVELS,
  ServerConfigError,
  TLS_DEFAULTS,
  TLS_LIMITS,
  TRANSPORT_KINDS,
  WS_DEFAULTS,
  ajvIssues,
  resolveLimits,
  type EngineLimits,
  type LogLevel,
  type TlsMinVersion,
  type TransportKind,
} from '../engine/index.ts';
import { CliConfigError, ExitCode, TestServerErrorCode } from './errors.ts';
import { parseDbAddress } from './db-options.ts';

/** One CLI flag / config key. */
export interface OptionSpec {
  /** Config-file key (camelCase). */
  readonly key: string;
  /** Command-line flag (kebab-case, with `--`). */
  readonly flag: string;
  readonly kind: 'int' | 'string' | 'bool' | 'level' | 'enum';
  /** Allowed values of an `enum` option. */
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Shown in `--help`; `null` = see help text. */
  readonly default: string | number | boolean | null;
  readonly help: string;
  readonly group: 'Server' | 'Transport' | 'Authentication' | 'Metrics' | 'Limits' | 'Logging and output';
  /** Placeholder in `--help`. */
  readonly arg: string;
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every option with its default. Limits come from the engine's LIMIT_SPECS. */
export const OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  { key: 'host', flag: '--host', kind: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0 = all interfaces)', group: 'Server', arg: '<addr>' },
  { key: 'port', flag: '--port', kind: 'int', min: 0, max: 65535, default: 7000, help: 'game port; 0 = ephemeral (printed on the ready line)', group: 'Server', arg: '<port>' },
  { key: 'injectDelayMs', flag: '--inject-delay-ms', kind: 'int', min: 0, max: 60_000, default: 0, help: 'test feature: answer each PingReq this many ms late (0 = off)', group: 'Server', arg: '<ms>' },
  { key: 'db', flag: '--db', kind: 'string', default: null, help: 'forward player and gold requests to the DBServer at host:port (without it they get NoDatabase)', group: 'Server', arg: '<host:port>' },
  { key: 'dbConnections', flag: '--db-connections', kind: 'int', min: 1, max: 64, default: 2, help: 'persistent links to DBServer (requests are multiplexed on them)', group: 'Server', arg: '<count>' },
  { key: 'dbTlsCa', flag: '--db-tls-ca', kind: 'string', default: null, help: 'dial DBServer over TLS 1.3, trusting this CA (PEM file)', group: 'Server', arg: '<file>' },
  { key: 'dbTlsCert', flag: '--db-tls-cert', kind: 'string', default: null, help: "this TestServer's client certificate for DBServer's --tls-client-auth (PEM file)", group: 'Server', arg: '<file>' },
  { key: 'dbTlsKey', flag: '--db-tls-key', kind: 'string', default: null, help: 'private key of --db-tls-cert (PEM file)', group: 'Server', arg: '<file>' },
  { key: 'dbTlsServerName', flag: '--db-tls-server-name', kind: 'string', default: null, help: "name DBServer's certificate must carry (default: the --db host; none for an IP)", group: 'Server', arg: '<name>' },
  { key: 'dbTimeoutMs', flag: '--db-timeout-ms', kind: 'int', min: 10, max: 600_000, default: 5000, help: 'deadline of one DBServer request; past it the client gets Timeout', group: 'Server', arg: '<ms>' },
  { key: 'shutdownDeadlineMs', flag: '--shutdown-deadline-ms', kind: 'int', min: 0, max: 600_000, default: 5000, help: 'on SIGINT/SIGTERM, close sessions within this time, then force', group: 'Server', arg: '<ms>' },
  { key: 'metrics', flag: '--metrics', kind: 'bool', default: true, help: 'serve /metrics and /healthz over HTTP', group: 'Metrics', arg: '' },
  { key: 'metricsHost', flag: '--metrics-host', kind: 'string', default: null, help: 'metrics address (default: same as --host)', group: 'Metrics', arg: '<addr>' },
  { key: 'metricsPort', flag: '--metrics-port', kind: 'int', min: 0, max: 65535, default: 9100, help: 'metrics HTTP port; 0 = ephemeral', group: 'Metrics', arg: '<port>' },
  ...LIMIT_SPECS.map(
    (s): OptionSpec => ({
      key: s.key,
      flag: `--${kebab(s.key)}`,
      kind: 'int',
      min: s.min,
      max: s.max,
      default: s.default,
      help: s.help,
      group: 'Limits',
      arg: `<${s.unit}>`,
    }),
  ),
  { key: 'transport', flag: '--transport', kind: 'enum', values: TRANSPORT_KINDS, default: 'tcp', help: 'tcp, tls (TLS 1.3), ws (WebSocket) or wss (WebSocket over TLS)', group: 'Transport', arg: '<kind>' },
  { key: 'tlsCert', flag: '--tls-cert', kind: 'string', default: null, help: 'certificate chain (PEM file); required for tls and wss', group: 'Transport', arg: '<file>' },
  { key: 'tlsKey', flag: '--tls-key', kind: 'string', default: null, help: 'private key of the certificate (PEM file); required for tls and wss', group: 'Transport', arg: '<file>' },
  { key: 'tlsCa', flag: '--tls-ca', kind: 'string', default: null, help: 'CA certificate(s) (PEM file) that client certificates must chain to', group: 'Transport', arg: '<file>' },
  { key: 'tlsClientAuth', flag: '--tls-client-auth', kind: 'bool', default: false, help: 'require a client certificate signed by --tls-ca (server-to-server links)', group: 'Transport', arg: '' },
  { key: 'tlsMinVersion', flag: '--tls-min-version', kind: 'enum', values: ['1.3', '1.2'], default: '1.3', help: 'lowest TLS version accepted; 1.2 adds forward-secret AEAD suites only', group: 'Transport', arg: '<1.3|1.2>' },
  { key: 'tlsHandshakeTimeoutMs', flag: '--tls-handshake-timeout-ms', kind: 'int', min: TLS_LIMITS.handshakeTimeoutMs.min, max: TLS_LIMITS.handshakeTimeoutMs.max, default: TLS_DEFAULTS.handshakeTimeoutMs, help: 'a TLS handshake or WebSocket upgrade must complete within this time', group: 'Transport', arg: '<ms>' },
  { key: 'maxPendingHandshakes', flag: '--max-pending-handshakes', kind: 'int', min: TLS_LIMITS.maxPendingHandshakes.min, max: TLS_LIMITS.maxPendingHandshakes.max, default: TLS_DEFAULTS.maxPendingHandshakes, help: 'TLS handshakes / WebSocket upgrades in progress at most; more are closed at accept', group: 'Transport', arg: '<count>' },
  { key: 'wsPath', flag: '--ws-path', kind: 'string', default: WS_DEFAULTS.path, help: 'URL path of the WebSocket endpoint (ws, wss)', group: 'Transport', arg: '<path>' },
  { key: 'wsPacketsPerMessage', flag: '--ws-packets-per-message', kind: 'int', min: 1, max: 65_536, default: WS_DEFAULTS.packetsPerMessage, help: 'largest WebSocket message = max-packet-size × this', group: 'Transport', arg: '<count>' },
  { key: 'auth', flag: '--auth', kind: 'enum', values: ['off', 'jwt'], default: 'off', help: 'off (accept every version-1 client) or jwt (SessionConnectReq must carry a valid JWT)', group: 'Authentication', arg: '<mode>' },
  { key: 'jwtIssuer', flag: '--jwt-issuer', kind: 'string', default: null, help: 'accepted "iss" (comma-separated for several); required with --auth jwt', group: 'Authentication', arg: '<iss>' },
  { key: 'jwtAudience', flag: '--jwt-audience', kind: 'string', default: null, help: 'this server\'s audience; a token\'s "aud" must include it; required with --auth jwt', group: 'Authentication', arg: '<aud>' },
  { key: 'jwtKeys', flag: '--jwt-keys', kind: 'string', default: null, help: 'JWKS JSON file of verification keys by kid (HS256, EdDSA, ES256); reloaded on SIGHUP', group: 'Authentication', arg: '<file>' },
  { key: 'jwtClockTolerance', flag: '--jwt-clock-tolerance', kind: 'int', min: 0, max: 3600, default: JWT_DEFAULTS.clockToleranceSeconds, help: 'seconds of clock skew allowed for exp, nbf and iat', group: 'Authentication', arg: '<s>' },
  { key: 'authMaxPending', flag: '--auth-max-pending', kind: 'int', min: 1, max: 1_000_000, default: JWT_DEFAULTS.maxPendingVerifications, help: 'token verifications in progress at most; more handshakes get SERVER_FULL', group: 'Authentication', arg: '<count>' },
  { key: 'logLevel', flag: '--log-level', kind: 'level', default: 'info', help: `log level: ${LOG_LEVELS.join(' | ')} (JSON lines on stderr)`, group: 'Logging and output', arg: '<level>' },
  { key: 'readyJson', flag: '--ready-json', kind: 'bool', default: false, help: 'also print {"event":"ready",...} and {"event":"stopped",...} lines on stdout', group: 'Logging and output', arg: '' },
] satisfies OptionSpec[]);

const LIMIT_KEYS = new Set<string>(LIMIT_SPECS.map((s) => s.key));
const BY_FLAG = new Map(OPTION_SPECS.map((s) => [s.flag, s]));
const BY_KEY = new Map(OPTION_SPECS.map((s) => [s.key, s]));

function schemaOf(s: OptionSpec): object {
  switch (s.kind) {
    case 'int':
      return { type: 'integer', minimum: s.min, maximum: s.max };
    case 'string':
      return { type: 'string', minLength: 1 };
    case 'bool':
      return { type: 'boolean' };
    case 'level':
      return { enum: [...LOG_LEVELS] };
    case 'enum':
      return { enum: [...(s.values ?? [])] };
  }
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validateOptions = ajv.compile({
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(OPTION_SPECS.map((s) => [s.key, schemaOf(s)])),
});

/** Resolved CLI configuration. */
export interface TestServerCliConfig {
  host: string;
  port: number;
  metrics: { host: string; port: number } | null;
  /** Only the limits that were set; the engine fills the rest. */
  limits: Partial<EngineLimits>;
  shutdownDeadlineMs: number;
  /** Test feature: PongRes delay in ms (0 = off). */
  injectDelayMs: number;
  /** `--db`: the DBServer to forward game data requests to, or null. */
  db: {
    host: string;
    port: number;
    connections: number;
    requestTimeoutMs: number;
    /** `--db-tls-*` files (read by main.ts); null = plain TCP links. */
    tls: { caFile: string; certFile: string | null; keyFile: string | null; servername: string | null } | null;
  } | null;
  logLevel: LogLevel;
  readyJson: boolean;
  /** The `--config` file used, if any. */
  configFile: string | null;
  /** `--transport` and its settings (files are read at start, by main.ts). */
  transport: TransportCliConfig;
  /** `--auth` and its settings. */
  auth: AuthCliConfig;
}

/** Transport chosen on the command line. */
export interface TransportCliConfig {
  kind: TransportKind;
  /** tls and wss: certificate files and TLS options; null otherwise. */
  tls: {
    certFile: string;
    keyFile: string;
    caFile: string | null;
    clientAuth: boolean;
    minVersion: TlsMinVersion;
    handshakeTimeoutMs: number;
    maxPendingHandshakes: number;
  } | null;
  /** ws and wss: endpoint and limits of the upgrade; null otherwise. */
  ws: { path: string; packetsPerMessage: number; upgradeTimeoutMs: number; maxPendingUpgrades: number } | null;
}

/** Authentication chosen on the command line (`--auth off` by default, for plain benchmarks). */
export type AuthCliConfig =
  | { mode: 'off' }
  | { mode: 'jwt'; issuer: string[]; audience: string[]; keysFile: string; clockToleranceSeconds: number; maxPendingVerifications: number };

const TLS_ONLY_KEYS = ['tlsCert', 'tlsKey', 'tlsCa', 'tlsClientAuth', 'tlsMinVersion'];
const HANDSHAKE_KEYS = ['tlsHandshakeTimeoutMs', 'maxPendingHandshakes'];
const WS_KEYS = ['wsPath', 'wsPacketsPerMessage'];
const JWT_KEYS = ['jwtIssuer', 'jwtAudience', 'jwtKeys', 'jwtClockTolerance', 'authMaxPending'];

const splitList = (v: string): string[] => v.split(',').map((x) => x.trim()).filter((x) => x !== '');

/** `--db-tls-*`: which go together; null when the links are plain TCP. */
function resolveDbTls(merged: Values, withDb: boolean, issues: string[]): NonNullable<TestServerCliConfig['db']>['tls'] {
  const str = (k: string): string | null => (merged[k] as string | undefined) ?? null;
  const ca = str('dbTlsCa');
  const cert = str('dbTlsCert');
  const key = str('dbTlsKey');
  const servername = str('dbTlsServerName');
  const any = ca !== null || cert !== null || key !== null || servername !== null;
  if (any && !withDb) issues.push('--db-tls-ca, --db-tls-cert, --db-tls-key and --db-tls-server-name apply only with --db');
  if (any && ca === null) issues.push('--db-tls-cert, --db-tls-key and --db-tls-server-name need --db-tls-ca (the CA that signed the DBServer certificate)');
  if ((cert === null) !== (key === null)) issues.push('--db-tls-cert and --db-tls-key go together (client certificate and its private key, PEM)');
  return ca === null ? null : { caFile: ca, certFile: cert, keyFile: key, servername };
}

/** Cross-checks transport and auth options (which flags go together); pushes one issue per problem. */
function resolveSecurity(merged: Values, get: <T>(key: string) => T, issues: string[]): { transport: TransportCliConfig; auth: AuthCliConfig } {
  const flag = (key: string): string => BY_KEY.get(key)!.flag;
  const has = (key: string): boolean => merged[key] !== undefined;
  const kind = get<TransportKind>('transport');
  const secure = kind === 'tls' || kind === 'wss';
  const misplaced = (keys: string[], allowed: boolean, where: string): void => {
    for (const k of keys) if (has(k) && !allowed) issues.push(`${flag(k)} applies only to ${where}, not --transport ${kind}`);
  };
  misplaced(TLS_ONLY_KEYS, secure, '--transport tls or wss');
  misplaced(HANDSHAKE_KEYS, kind !== 'tcp', '--transport tls, ws or wss');
  misplaced(WS_KEYS, kind === 'ws' || kind === 'wss', '--transport ws or wss');
  if (secure && (!has('tlsCert') || !has('tlsKey'))) issues.push(`--transport ${kind} needs ${flag('tlsCert')} and ${flag('tlsKey')} (PEM files)`);
  if (get<boolean>('tlsClientAuth') && !has('tlsCa')) issues.push(`${flag('tlsClientAuth')} needs ${flag('tlsCa')}, the CA that signs client certificates`);
  const handshakeTimeoutMs = get<number>('tlsHandshakeTimeoutMs');
  const maxPending = get<number>('maxPendingHandshakes');
  const transport: TransportCliConfig = {
    kind,
    tls: secure
      ? {
          certFile: get<string>('tlsCert'),
          keyFile: get<string>('tlsKey'),
          caFile: (merged['tlsCa'] as string | undefined) ?? null,
          clientAuth: get<boolean>('tlsClientAuth'),
          minVersion: get<string>('tlsMinVersion') === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
          handshakeTimeoutMs,
          maxPendingHandshakes: maxPending,
        }
      : null,
    ws: kind === 'ws' || kind === 'wss' ? { path: get<string>('wsPath'), packetsPerMessage: get<number>('wsPacketsPerMessage'), upgradeTimeoutMs: handshakeTimeoutMs, maxPendingUpgrades: maxPending } : null,
  };
  const mode = get<'off' | 'jwt'>('auth');
  misplaced(JWT_KEYS, mode === 'jwt', '--auth jwt');
  if (mode === 'off') return { transport, auth: { mode } };
  for (const k of ['jwtIssuer', 'jwtAudience', 'jwtKeys']) if (!has(k)) issues.push(`--auth jwt needs ${flag(k)}`);
  return {
    transport,
    auth: {
      mode,
      issuer: splitList(get<string>('jwtIssuer') ?? ''),
      audience: splitList(get<string>('jwtAudience') ?? ''),
      keysFile: get<string>('jwtKeys'),
      clockToleranceSeconds: get<number>('jwtClockTolerance'),
      maxPendingVerifications: get<number>('authMaxPending'),
    },
  };
}

export type CliParseResult = { help: true } | { help: false; config: TestServerCliConfig };

type Values = Record<string, string | number | boolean>;

/** Splits argv into raw flag values; collects every usage problem. */
function scanArgv(argv: readonly string[], issues: string[]): { raw: Map<OptionSpec, string | boolean>; configFile: string | null; help: boolean } {
  const raw = new Map<OptionSpec, string | boolean>();
  let configFile: string | null = null;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      issues.push(`unexpected argument "${arg}" (flags start with --)`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        issues.push(`${name} needs a value`);
        return undefined;
      }
      i++;
      return next;
    };
    if (name === '--config') {
      const v = takeValue();
      if (v !== undefined) configFile = v;
      continue;
    }
    const negated = name.startsWith('--no-') ? BY_FLAG.get(`--${name.slice(5)}`) : undefined;
    if (negated !== undefined && negated.kind === 'bool') {
      if (inline === undefined) raw.set(negated, false);
      else issues.push(`${name} takes no value (use ${negated.flag}=false or ${name})`);
      continue;
    }
    const spec = BY_FLAG.get(name);
    if (spec === undefined) {
      issues.push(`unknown flag ${name}`);
      // Skip its probable value so one typo gives one message.
      if (inline === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    if (spec.kind === 'bool') {
      if (inline === undefined) raw.set(spec, true);
      else if (inline === 'true' || inline === 'false') raw.set(spec, inline === 'true');
      else issues.push(`${name} takes true or false, got "${inline}"`);
      continue;
    }
    const v = takeValue();
    if (v !== undefined) raw.set(spec, v);
  }
  return { raw, configFile, help };
}

/** Types raw flag values; collects conversion problems. */
function typeFlags(raw: Map<OptionSpec, string | boolean>, issues: string[]): Values {
  const out: Values = {};
  for (const [spec, v] of raw) {
    if (spec.kind === 'int' && typeof v === 'string') {
      if (!/^-?\d+$/.test(v.trim())) {
        issues.push(`${spec.flag} must be an integer, got "${v}"`);
        continue;
      }
      out[spec.key] = Number(v.trim());
    } else {
      out[spec.key] = v;
    }
  }
  return out;
}

/** Checks values against the schema; names each problem by flag or by file key. */
function checkValues(values: Values, origin: 'flag' | string, issues: string[]): void {
  if (validateOptions(values)) return;
  for (const issue of ajvIssues(validateOptions.errors, '')) {
    const spec = BY_KEY.get(issue.path);
    const name = origin === 'flag' ? (spec?.flag ?? issue.path) : `${origin}: ${issue.path}`;
    const got = spec !== undefined && issue.message !== 'unknown key' ? ` (got ${JSON.stringify(values[issue.path])})` : '';
    issues.push(`${name}: ${issue.message}${got}`);
  }
}

function readConfigFile(path: string, readFile: (p: string) => string, issues: string[]): Values {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    issues.push(`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return {};
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    issues.push(`${path}: not valid JSON (${(err as Error).message})`);
    return {};
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    issues.push(`${path}: must contain a JSON object of options, e.g. {"port": 7000}`);
    return {};
  }
  const values = data as Values;
  checkValues(values, path, issues);
  return values;
}

/**
 * Parses argv (without node and script). Throws {@link CliConfigError}
 * listing every problem; `readFile` is injectable for tests.
 */
export function parseCli(argv: readonly string[], readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): CliParseResult {
  const flagIssues: string[] = [];
  const { raw, configFile, help } = scanArgv(argv, flagIssues);
  if (help && flagIssues.length === 0) return { help: true };
  const flags = typeFlags(raw, flagIssues);
  checkValues(flags, 'flag', flagIssues);
  const fileIssues: string[] = [];
  const file = configFile === null ? {} : readConfigFile(configFile, readFile, fileIssues);
  if (flagIssues.length > 0 || fileIssues.length > 0) {
    throw new CliConfigError(flagIssues.length > 0 ? TestServerErrorCode.USAGE : TestServerErrorCode.CONFIG_FILE, [...flagIssues, ...fileIssues]);
  }
  const merged: Values = { ...file, ...flags };
  const get = <T>(key: string): T => (merged[key] ?? BY_KEY.get(key)!.default) as T;
  const limits: Partial<EngineLimits> = {};
  for (const [k, v] of Object.entries(merged)) if (LIMIT_KEYS.has(k)) limits[k as keyof EngineLimits] = v as number;
  try {
    resolveLimits(limits);
  } catch (err) {
    if (!(err instanceof ServerConfigError)) throw err;
    const issues = err.issues.map((i) => {
      const key = i.path.replace(/^limits\./, '');
      return `${BY_KEY.get(key)?.flag ?? key} (${key}): ${i.message}`;
    });
    throw new CliConfigError(TestServerErrorCode.USAGE, issues);
  }
  const securityIssues: string[] = [];
  const { transport, auth } = resolveSecurity(merged, get, securityIssues);
  const dbValue = merged['db'] as string | undefined;
  const dbAddress = dbValue === undefined ? null : parseDbAddress(dbValue);
  if (typeof dbAddress === 'string') securityIssues.push(dbAddress);
  if (dbValue === undefined && (merged['dbConnections'] !== undefined || merged['dbTimeoutMs'] !== undefined)) {
    securityIssues.push('--db-connections and --db-timeout-ms apply only with --db');
  }
  const dbTls = resolveDbTls(merged, dbValue !== undefined, securityIssues);
  if (securityIssues.length > 0) throw new CliConfigError(TestServerErrorCode.USAGE, securityIssues);
  const host = get<string>('host');
  return {
    help: false,
    config: {
      host,
      port: get<number>('port'),
      metrics: get<boolean>('metrics') ? { host: (merged['metricsHost'] as string | undefined) ?? host, port: get<number>('metricsPort') } : null,
      limits,
      shutdownDeadlineMs: get<number>('shutdownDeadlineMs'),
      injectDelayMs: get<number>('injectDelayMs'),
      db:
        dbAddress === null || typeof dbAddress === 'string'
          ? null
          : { ...dbAddress, connections: get<number>('dbConnections'), requestTimeoutMs: get<number>('dbTimeoutMs'), tls: dbTls },
      logLevel: get<LogLevel>('logLevel'),
      readyJson: get<boolean>('readyJson'),
      configFile,
      transport,
      auth,
    },
  };
}

function describeDefault(s: OptionSpec): string {
  if (s.kind === 'bool') return s.default === true ? 'on' : 'off';
  if (s.default === null) return '';
  return String(s.default);
}

/** The `--help` text, generated from {@link OPTION_SPECS}. */
export function helpText(): string {
  const lines = [
    'TestServer — reference ping/pong server of NetworkModuleTest (wire protocol v1).',
    '',
    'Usage: npm run server:test -- [flags]',
    '       node --import tsx reference-server/test-server/main.ts [flags]',
    '',
  ];
  const groups = ['Server', 'Transport', 'Authentication', 'Metrics', 'Limits', 'Logging and output'] as const;
  for (const g of groups) {
    lines.push(g === 'Limits' ? 'Limits (each firing is counted in nmt_limit_hits_total):' : `${g}:`);
    for (const s of OPTION_SPECS.filter((o) => o.group === g)) {
      const left = `  ${s.kind === 'bool' && s.default === true ? `${s.flag}, --no-${s.flag.slice(2)}` : s.flag}${s.arg === '' ? '' : ` ${s.arg}`}`;
      const d = describeDefault(s);
      lines.push(`${left.padEnd(38)} ${s.help}${d === '' ? '' : ` (default ${d})`}`);
    }
    lines.push('');
  }
  lines.push(
    'Other:',
    `${'  --config <file.json>'.padEnd(38)} read options from a JSON object with the keys ${OPTION_SPECS.slice(0, 2).map((s) => `"${s.key}"`).join(', ')}, ...`,
    `${''.padEnd(38)} (the camelCase of each flag); flags override the file; unknown keys are errors`,
    `${'  -h, --help'.padEnd(38)} print this help and exit`,
    '',
    'Signals: SIGINT or SIGTERM → graceful shutdown (ServerShutdown notice to every session), exit 0.',
    '         A second signal forces exit with code 1.',
    '         SIGHUP reloads --jwt-keys and the TLS certificate files (key and certificate rotation).',
    `Exit codes: ${ExitCode.OK} clean shutdown or --help, ${ExitCode.FAILURE} unexpected failure, ${ExitCode.USAGE} invalid flags or config file,`,
    `            ${ExitCode.LISTEN} a port could not be bound (in use, permission denied, unknown address).`,
    '',
  );
  return lines.join('\n');
}
