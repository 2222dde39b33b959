/**
 * Structured logging (pino). Logs go to stderr by default so stdout stays
 * free for machine-readable output (the TestServer's `--ready-json` line).
 *
 * Per-packet logging must cost nothing when off: the engine reads
 * `isLevelEnabled('trace')` once (see `ServerEngine.tracePackets`) and the
 * hot path tests that boolean before building any log object.
 */
import { pino, type Logger } from 'pino';

/** Levels accepted by `--log-level`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** `stderr` (default), `stdout`, or a file descriptor. */
  destination?: 'stderr' | 'stdout' | number;
  /** `name` field on every line. */
  name?: string;
}

/**
 * A pino logger writing synchronously (a crash or `process.exit` loses no
 * line; logging is off the per-packet path, so sync writes are cheap enough).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const d = options.destination ?? 'stderr';
  const fd = d === 'stderr' ? 2 : d === 'stdout' ? 1 : d;
  return pino(
    { level: options.level ?? 'info', name: options.name, base: { pid: process.pid } },
    pino.destination({ dest: fd, sync: true }),
  );
}

/** A logger that discards everything (tests, embedding). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
