/**
 * Errors of the run infrastructure (coordinator, workers, embedded servers).
 * Each carries a stable `code` (tests and callers match on it, never on the
 * message) and the process exit code it maps to.
 *
 * | code                          | exit | when                                                            |
 * |-------------------------------|------|-----------------------------------------------------------------|
 * | NMT_RUN_USAGE                 | 104  | bad command-line arguments                                      |
 * | NMT_RUN_FEEDER                | 104  | a feeder CSV cannot be read or parsed                           |
 * | NMT_RUN_TARGET                | 104  | no usable target (e.g. --target and no endpoints)               |
 * | NMT_RUN_AUTH_KEY              | 104  | auth: the signing key cannot be read (file, environment variable) |
 * | NMT_RUN_TLS_SETUP             | 105  | throw-away certificates for the embedded server cannot be made  |
 * | NMT_RUN_SERVER_START          | 105  | an embedded server could not be spawned or exited before ready  |
 * | NMT_RUN_SERVER_TIMEOUT        | 105  | an embedded server was not ready within server.readyTimeout     |
 * | NMT_RUN_WORKER_INIT           | 105  | a worker could not load the scenario, catalogue or feeders      |
 * | NMT_RUN_WORKER_CRASHED        | 105  | a worker process exited before finishing its phases            |
 * | NMT_RUN_WORKER_TIMEOUT        | 105  | workers did not become ready or finish within their deadline    |
 * | NMT_RUN_OUTPUT                | 105  | results.json could not be written                               |
 * | NMT_RUN_INTERNAL              | 105  | an unexpected error in the harness itself (a bug: please report) |
 */
import { ExitCode } from './exit-codes.ts';

export const RunErrorCode = {
  USAGE: 'NMT_RUN_USAGE',
  FEEDER: 'NMT_RUN_FEEDER',
  TARGET: 'NMT_RUN_TARGET',
  AUTH_KEY: 'NMT_RUN_AUTH_KEY',
  TLS_SETUP: 'NMT_RUN_TLS_SETUP',
  SERVER_START: 'NMT_RUN_SERVER_START',
  SERVER_TIMEOUT: 'NMT_RUN_SERVER_TIMEOUT',
  WORKER_INIT: 'NMT_RUN_WORKER_INIT',
  WORKER_CRASHED: 'NMT_RUN_WORKER_CRASHED',
  WORKER_TIMEOUT: 'NMT_RUN_WORKER_TIMEOUT',
  OUTPUT: 'NMT_RUN_OUTPUT',
  INTERNAL: 'NMT_RUN_INTERNAL',
} as const;
export type RunErrorCode = (typeof RunErrorCode)[keyof typeof RunErrorCode];

const EXIT_OF: Record<RunErrorCode, ExitCode> = {
  NMT_RUN_USAGE: ExitCode.Invalid,
  NMT_RUN_FEEDER: ExitCode.Invalid,
  NMT_RUN_TARGET: ExitCode.Invalid,
  NMT_RUN_AUTH_KEY: ExitCode.Invalid,
  NMT_RUN_TLS_SETUP: ExitCode.RunError,
  NMT_RUN_SERVER_START: ExitCode.RunError,
  NMT_RUN_SERVER_TIMEOUT: ExitCode.RunError,
  NMT_RUN_WORKER_INIT: ExitCode.RunError,
  NMT_RUN_WORKER_CRASHED: ExitCode.RunError,
  NMT_RUN_WORKER_TIMEOUT: ExitCode.RunError,
  NMT_RUN_OUTPUT: ExitCode.RunError,
  NMT_RUN_INTERNAL: ExitCode.RunError,
};

/** A run could not be set up or completed. */
export class RunError extends Error {
  readonly code: RunErrorCode;
  /** The process exit code this error maps to (104 or 105). */
  readonly exitCode: ExitCode;
  /** Last lines a child process wrote to stderr, when one was involved. */
  readonly stderrTail: string | null;

  constructor(code: RunErrorCode, message: string, stderrTail: string | null = null) {
    super(message);
    this.name = 'RunError';
    this.code = code;
    this.exitCode = EXIT_OF[code];
    this.stderrTail = stderrTail;
  }
}
