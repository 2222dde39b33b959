/**
 * Command-line parsing for `npm run bench`. Every problem is collected and
 * reported at once as a {@link RunError} `NMT_RUN_USAGE` (exit 104).
 */
import { parseDurationMs } from '../scenario/units.ts';
import { RunError, RunErrorCode } from '../runner/errors.ts';

/** Parsed command line. */
export interface BenchArgs {
  help: boolean;
  scenario: string;
  target?: string;
  durationMs?: number;
  workers?: number;
  out?: string;
  json: boolean;
  quiet: boolean;
}

const VALUE_FLAGS = ['--target', '--duration', '--workers', '--out'] as const;
const BOOL_FLAGS = ['--json', '--quiet', '--help', '-h'] as const;
const ALL_FLAGS = [...VALUE_FLAGS, ...BOOL_FLAGS];

/** Parses argv (without node and script). Throws RunError NMT_RUN_USAGE listing every problem. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const issues: string[] = [];
  const out: BenchArgs = { help: false, scenario: '', json: false, quiet: false };
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
    }
  }
  if (out.help) return out;
  if (positional.length === 0) issues.push('missing the scenario file (npm run bench -- scenarios/ping.yaml)');
  else if (positional.length > 1) issues.push(`one scenario file at a time, got ${positional.length}: ${positional.join(' ')}`);
  else out.scenario = positional[0]!;
  if (issues.length > 0) {
    throw new RunError(RunErrorCode.USAGE, issues.map((i) => `error: ${i}`).join('\n'));
  }
  return out;
}
