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
import { LIMIT_SPECS, LOG_LEVELS, ServerConfigError, ajvIssues, resolveLimits, type EngineLimits, type LogLevel } from '../engine/index.ts';
import { CliConfigError, ExitCode, TestServerErrorCode } from './errors.ts';

/** One CLI flag / config key. */
export interface OptionSpec {
  /** Config-file key (camelCase). */
  readonly key: string;
  /** Command-line flag (kebab-case, with `--`). */
  readonly flag: string;
  readonly kind: 'int' | 'string' | 'bool' | 'level';
  readonly min?: number;
  readonly max?: number;
  /** Shown in `--help`; `null` = see help text. */
  readonly default: string | number | boolean | null;
  readonly help: string;
  readonly group: 'Server' | 'Metrics' | 'Limits' | 'Logging and output';
  /** Placeholder in `--help`. */
  readonly arg: string;
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every option with its default. Limits come from the engine's LIMIT_SPECS. */
export const OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  { key: 'host', flag: '--host', kind: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0 = all interfaces)', group: 'Server', arg: '<addr>' },
  { key: 'port', flag: '--port', kind: 'int', min: 0, max: 65535, default: 7000, help: 'game port; 0 = ephemeral (printed on the ready line)', group: 'Server', arg: '<port>' },
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
  logLevel: LogLevel;
  readyJson: boolean;
  /** The `--config` file used, if any. */
  configFile: string | null;
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
  const host = get<string>('host');
  return {
    help: false,
    config: {
      host,
      port: get<number>('port'),
      metrics: get<boolean>('metrics') ? { host: (merged['metricsHost'] as string | undefined) ?? host, port: get<number>('metricsPort') } : null,
      limits,
      shutdownDeadlineMs: get<number>('shutdownDeadlineMs'),
      logLevel: get<LogLevel>('logLevel'),
      readyJson: get<boolean>('readyJson'),
      configFile,
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
  const groups = ['Server', 'Metrics', 'Limits', 'Logging and output'] as const;
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
    `Exit codes: ${ExitCode.OK} clean shutdown or --help, ${ExitCode.FAILURE} unexpected failure, ${ExitCode.USAGE} invalid flags or config file,`,
    `            ${ExitCode.LISTEN} a port could not be bound (in use, permission denied, unknown address).`,
    '',
  );
  return lines.join('\n');
}
