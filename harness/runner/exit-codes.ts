/**
 * Process exit codes of `npm run bench` (k6's numbering where it has one).
 * Documented in docs/running.md; scripts and CI match on them.
 */
export const ExitCode = {
  /** The run finished and every threshold passed (or there were none). */
  Pass: 0,
  /** The run finished (or was stopped by abortOnFail) and at least one threshold failed. */
  ThresholdsFailed: 99,
  /** Invalid scenario, catalogue, feeder file or command-line usage: nothing was run. */
  Invalid: 104,
  /** The run could not complete: a server did not start, a worker crashed or hung, results could not be written. */
  RunError: 105,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM; results so far were written. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
