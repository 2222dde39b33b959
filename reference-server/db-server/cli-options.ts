/**
 * DBServer command line. Server flags are listed in {@link SERVER_FLAGS};
 * every storage setting of the storage layer's SETTING_SPECS is a flag too
 * (`requestTimeoutMs` → `--request-timeout-ms`), so every limit is
 * configurable and `--help` lists them with their defaults. The storage
 * layer validates the values (all problems reported at once); this parser
 * reports unknown flags and missing values, all at once.
 */
import { LOG_LEVELS, type LogLevel } from '../engine/index.ts';
import { DEFAULT_MARIADB_URL, SETTING_SPECS, type StorageConfig } from './storage/index.ts';

/** Exit codes of `npm run server:db` (docs/database.md). */
export const DbExitCode = {
  /** Clean shutdown after SIGINT/SIGTERM, or `--help`. */
  OK: 0,
  /** Unexpected failure. */
  FAILURE: 1,
  /** Invalid flags or storage settings. */
  USAGE: 2,
  /** The port could not be bound. */
  LISTEN: 3,
  /** The database could not be opened (unreachable, bad credentials, schema too new). */
  DATABASE: 4,
} as const;

/** Error of the command line: every problem, one per line. */
export class DbCliError extends Error {
  readonly code = 'NMT_DBSERVER_CLI_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'DbCliError';
  }
}

export interface DbServerCliConfig {
  host: string;
  port: number;
  metrics: { host?: string; port: number } | null;
  storage: StorageConfig;
  logLevel: LogLevel;
  readyJson: boolean;
  shutdownDeadlineMs: number;
  statsRefreshMs: number;
  /** `--tls-cert`/`--tls-key` (+ `--tls-ca`, `--tls-client-auth`): files, read by main.ts; null = plain TCP. */
  tls: { certFile: string; keyFile: string; caFile: string | null; clientAuth: boolean } | null;
}

interface ServerFlag {
  flag: string;
  arg: string;
  default: string;
  help: string;
}

/** The server's own flags (storage settings are added from SETTING_SPECS). */
export const SERVER_FLAGS: readonly ServerFlag[] = Object.freeze([
  { flag: '--host', arg: '<addr>', default: '127.0.0.1', help: 'address to listen on for TestServer links' },
  { flag: '--port', arg: '<port>', default: '7100', help: 'server-to-server port; 0 = ephemeral (printed on the ready line)' },
  { flag: '--backend', arg: '<sqlite|mariadb>', default: 'sqlite', help: 'database backend' },
  { flag: '--data-dir', arg: '<dir>', default: './data/db', help: 'SQLite: directory of the database file' },
  { flag: '--mariadb-url', arg: '<url>', default: `$NMT_MARIADB_URL or ${DEFAULT_MARIADB_URL}`, help: 'MariaDB: mariadb://USER[:PASSWORD]@HOST[:PORT]/DATABASE' },
  { flag: '--metrics-port', arg: '<port>', default: '9101', help: 'HTTP /metrics and /healthz port; 0 = ephemeral' },
  { flag: '--no-metrics', arg: '', default: '', help: 'do not serve /metrics' },
  { flag: '--stats-refresh-ms', arg: '<ms>', default: '1000', help: 'how often the storage stats behind /metrics are refreshed' },
  { flag: '--shutdown-deadline-ms', arg: '<ms>', default: '5000', help: 'on SIGINT/SIGTERM, close links within this time, then force' },
  { flag: '--tls-cert', arg: '<file>', default: '', help: 'serve links over TLS 1.3 with this certificate chain (PEM); needs --tls-key' },
  { flag: '--tls-key', arg: '<file>', default: '', help: 'private key of --tls-cert (PEM)' },
  { flag: '--tls-ca', arg: '<file>', default: '', help: 'CA (PEM) that TestServer client certificates must chain to' },
  { flag: '--tls-client-auth', arg: '', default: '', help: 'accept only links presenting a certificate signed by --tls-ca' },
  { flag: '--log-level', arg: '<level>', default: 'info', help: `${LOG_LEVELS.join(' | ')} (JSON lines on stderr)` },
  { flag: '--ready-json', arg: '', default: '', help: 'also print {"event":"ready",...} on stdout' },
  { flag: '--help', arg: '', default: '', help: 'print this help' },
]);

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const STORAGE_FLAGS = new Map(SETTING_SPECS.filter((s) => s.key !== 'url' && s.key !== 'dataDir').map((s) => [`--${kebab(s.key)}`, s]));
const BOOL_FLAGS = new Set(['--no-metrics', '--ready-json', '--tls-client-auth', '--help']);
const VALUE_FLAGS = new Set(SERVER_FLAGS.filter((f) => f.arg !== '').map((f) => f.flag));

function intArg(flag: string, v: string, min: number, max: number, problems: string[]): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) problems.push(`${flag}: must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

/** Parses argv; `{ help: true }` for --help. Throws {@link DbCliError} listing every problem. */
export function parseDbCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { help: true } | { help: false; config: DbServerCliConfig } {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (BOOL_FLAGS.has(a)) {
      bools.add(a);
    } else if (VALUE_FLAGS.has(a) || STORAGE_FLAGS.has(a)) {
      const v = inline ?? argv[++i];
      if (v === undefined) problems.push(`${a}: needs a value`);
      else values.set(a, v);
    } else {
      problems.push(`unknown flag "${a}"`);
    }
  }
  if (bools.has('--help')) return { help: true };
  const backend = values.get('--backend') ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'mariadb') problems.push(`--backend: must be sqlite or mariadb, got "${backend}"`);
  const logLevel = (values.get('--log-level') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`--log-level: must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const port = intArg('--port', values.get('--port') ?? '7100', 0, 65535, problems);
  const metricsPort = intArg('--metrics-port', values.get('--metrics-port') ?? '9101', 0, 65535, problems);
  const statsRefreshMs = intArg('--stats-refresh-ms', values.get('--stats-refresh-ms') ?? '1000', 10, 600_000, problems);
  const shutdownDeadlineMs = intArg('--shutdown-deadline-ms', values.get('--shutdown-deadline-ms') ?? '5000', 0, 600_000, problems);
  const settings: Record<string, unknown> = {};
  for (const [flag, spec] of STORAGE_FLAGS) {
    const v = values.get(flag);
    if (v === undefined) continue;
    if (spec.backend !== 'both' && spec.backend !== backend) {
      problems.push(`${flag}: applies to the ${spec.backend} backend only (--backend is ${backend})`);
      continue;
    }
    // Integer settings are converted here; their ranges are checked by the storage layer's schema.
    settings[spec.key] = (spec.schema as { type?: string }).type === 'integer' && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  if (backend === 'sqlite' && values.has('--mariadb-url')) problems.push('--mariadb-url: applies to --backend mariadb only');
  if (backend === 'mariadb' && values.has('--data-dir')) problems.push('--data-dir: applies to --backend sqlite only');
  const tlsCert = values.get('--tls-cert');
  const tlsKey = values.get('--tls-key');
  const tlsCa = values.get('--tls-ca') ?? null;
  const clientAuth = bools.has('--tls-client-auth');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) problems.push('--tls-cert and --tls-key go together (the certificate chain and its private key, PEM)');
  if (tlsCert === undefined && (tlsCa !== null || clientAuth)) problems.push('--tls-ca and --tls-client-auth need --tls-cert and --tls-key (TLS links)');
  if (clientAuth && tlsCa === null) problems.push('--tls-client-auth needs --tls-ca, the CA that signs TestServer certificates');
  if (problems.length > 0) throw new DbCliError(problems);
  const storage: StorageConfig =
    backend === 'mariadb'
      ? { backend: 'mariadb', url: values.get('--mariadb-url') ?? env.NMT_MARIADB_URL ?? DEFAULT_MARIADB_URL, ...settings }
      : { backend: 'sqlite', dataDir: values.get('--data-dir') ?? './data/db', ...settings };
  const host = values.get('--host') ?? '127.0.0.1';
  return {
    help: false,
    config: {
      host,
      port,
      metrics: bools.has('--no-metrics') ? null : { port: metricsPort },
      storage,
      logLevel,
      readyJson: bools.has('--ready-json'),
      shutdownDeadlineMs,
      statsRefreshMs,
      tls: tlsCert === undefined || tlsKey === undefined ? null : { certFile: tlsCert, keyFile: tlsKey, caFile: tlsCa, clientAuth },
    },
  };
}

/** The `--help` text. */
export function dbHelpText(): string {
  const row = (flag: string, arg: string, help: string, def: string): string =>
    `  ${`${flag} ${arg}`.padEnd(38)} ${help}${def === '' ? '' : ` (default ${def})`}\n`;
  let out =
    'DBServer: the database tier (TestServer → DBServer → SQLite | MariaDB).\n\n' +
    'Usage: npm run server:db -- [flags]\n\nServer:\n';
  for (const f of SERVER_FLAGS) out += row(f.flag, f.arg, f.help, f.default);
  out += '\nStorage (docs/database.md):\n';
  for (const [flag, s] of STORAGE_FLAGS) out += row(flag, '<value>', `${s.backend === 'both' ? '' : `[${s.backend}] `}${s.help}`, s.default === null ? '' : String(s.default));
  out +=
    '\nExit codes: 0 clean stop or --help, 1 unexpected failure, 2 invalid flags or settings,\n' +
    '            3 port could not be bound, 4 database could not be opened.\n';
  return out;
}
