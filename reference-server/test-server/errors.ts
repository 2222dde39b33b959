/**
 * Errors and exit codes of the TestServer CLI. Codes are stable
 * (`NMT_TESTSERVER_*`) and documented in docs/server.md.
 */

export const TestServerErrorCode = {
  /** Bad command line: unknown flag, missing or invalid value. */
  USAGE: 'NMT_TESTSERVER_USAGE',
  /** `--config` file unreadable, not JSON, unknown keys or invalid values. */
  CONFIG_FILE: 'NMT_TESTSERVER_CONFIG_FILE',
} as const;
export type TestServerErrorCode = (typeof TestServerErrorCode)[keyof typeof TestServerErrorCode];

/** A command-line or config-file problem; `issues` lists every one found. */
export class CliConfigError extends Error {
  readonly code: TestServerErrorCode;
  readonly issues: readonly string[];

  constructor(code: TestServerErrorCode, issues: readonly string[]) {
    super(`${code === TestServerErrorCode.USAGE ? 'invalid command line' : 'invalid config file'}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'CliConfigError';
    this.code = code;
    this.issues = issues;
  }
}

/** Process exit codes of `main.ts`. */
export const ExitCode = {
  /** Clean shutdown after SIGINT/SIGTERM, or `--help`. */
  OK: 0,
  /** Unexpected failure (a bug, or a second signal forcing exit). */
  FAILURE: 1,
  /** Invalid flags or config file. */
  USAGE: 2,
  /** A port could not be bound (in use, permission, address). */
  LISTEN: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
