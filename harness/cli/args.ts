/**
 * Command-line parsing for `npm run bench`. Every problem is collected and
 * reported at once as a {@link RunError} `NMT_RUN_USAGE` (exit 104).
 */
import { TRANSPORT_KINDS, type TransportKind } from '../scenario/types.ts';
import { parseDurationMs } from '../scenario/units.ts';
import { RunError, RunErrorCode } from '../runner/errors.ts';

/** Most runs one `--repeat` may ask for. */
export const MAX_REPEAT = 100;

/** Parsed command line. */
export interface BenchArgs {
  help: boolean;
  scenario: string;
  target?: string;
  /** `--transport`: run the scenario over another transport. */
  transport?: TransportKind;
  durationMs?: number;
  workers?: number;
  out?: string;
  json: boolean;
  quiet: boolean;
  /** `--calibrate`: measure against the C reference in the same run (alone: calibration only). */
  calibrate: boolean;
  /** `--baseline <results.json|run folder|set folder|latest>` (harness/report). */
  baseline?: string;
  /** `--fail-on-regression <percent>`: tolerance of the regression gate. */
  failOnRegression?: number;
  /** `--repeat <n>`: run the scenario n times, gate on the medians (default 1). */
  repeat: number;
  /** `--reports-dir <dir>`: default home of runs, of `--baseline latest` and of index.html (default ./reports). */
  reportsDir?: string;
}

const VALUE_FLAGS = ['--target', '--transport', '--duration', '--workers', '--out', '--baseline', '--fail-on-regression', '--repeat', '--reports-dir'] as const;
const BOOL_FLAGS = ['--json', '--quiet', '--calibrate', '--help', '-h'] as const;
const ALL_FLAGS = [...VALUE_FLAGS, ...BOOL_FLAGS];

/** Parses argv (without node and script). Throws RunError NMT_RUN_USAGE listing every problem. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const issues: string[] = [];
  const out: BenchArgs = { help: false, scenario: '', json: false, quiet: false, calibrate: false, repeat: 1 };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if ((BOOL_FLAGS as readonly string[]).includes(name)) {
      if (eq >= 0) issues.push(`${name} takes no value`);
      else if (name === '--json') out.json = true;
      else if (name === '--quiet') out.quiet = true;
      else if (name === '--calibrate') out.calibrate = true;
      else out.help = true;
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) {
      issues.push(`unknown option ${name} (options: ${ALL_FLAGS.join(', ')})`);
      continue;
    }
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (eq < 0) {
      if (value === undefined || value.startsWith('--')) value = undefined;
      else i++;
    }
    if (value === undefined || value === '') {
      issues.push(`${name} needs a value`);
      continue;
    }
    switch (name) {
      case '--target':
        if (!/^[^\s:]+:\d+$/.test(value) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(value)) {
          issues.push(`--target must be host:port (e.g. 127.0.0.1:7000), got '${value}'`);
        } else out.target = value;
        break;
      case '--transport':
        if (!(TRANSPORT_KINDS as readonly string[]).includes(value)) issues.push(`--transport must be one of ${TRANSPORT_KINDS.join(', ')}, got '${value}'`);
        else out.transport = value as TransportKind;
        break;
      case '--duration': {
        const ms = parseDurationMs(value);
        if (ms === undefined || ms <= 0) issues.push(`--duration must be a positive duration (e.g. 30s, 2m, 1m30s), got '${value}'`);
        else out.durationMs = ms;
        break;
      }
      case '--workers': {
        const n = Number(value);
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 256) {
          issues.push(`--workers must be an integer from 1 to 256, got '${value}'`);
        } else out.workers = n;
        break;
      }
      case '--out':
        out.out = value;
        break;
      case '--baseline':
        out.baseline = value;
        break;
      case '--fail-on-regression': {
        const pct = Number(value.replace(/%$/, ''));
        if (!/^\d+(\.\d+)?%?$/.test(value) || !Number.isFinite(pct)) {
          issues.push(`--fail-on-regression must be a percent ≥ 0 (e.g. 20 or 20%), got '${value}'`);
        } else out.failOnRegression = pct;
        break;
      }
      case '--repeat': {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < 1 || n > MAX_REPEAT) issues.push(`--repeat must be an integer from 1 to ${MAX_REPEAT}, got '${value}'`);
        else out.repeat = n;
        break;
      }
      case '--reports-dir':
        out.reportsDir = value;
        break;
    }
  }
  if (out.help) return out;
  if (out.json && out.repeat > 1) issues.push('--json prints one results.json; use it without --repeat (each run of a set writes its own)');
  if (out.failOnRegression !== undefined && out.baseline === undefined) {
    issues.push('--fail-on-regression needs --baseline <results.json|latest> to compare with');
  }
  // `--calibrate` alone runs the calibration only.
  if (positional.length === 0) {
    if (!out.calibrate) issues.push('missing the scenario file (npm run bench -- scenarios/ping.yaml)');
  }
  else if (positional.length > 1) issues.push(`one scenario file at a time, got ${positional.length}: ${positional.join(' ')}`);
  else out.scenario = positional[0]!;
  if (issues.length > 0) {
    throw new RunError(RunErrorCode.USAGE, issues.map((i) => `error: ${i}`).join('\n'));
  }
  return out;
}
