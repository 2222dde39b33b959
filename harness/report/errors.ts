/**
 * Errors of the report tools (`npm run report`, and the report step of
 * `npm run bench`). Each carries a stable `code` (tests and callers match on
 * it, never on the message) and the exit code it maps to.
 *
 * | code                      | exit | when                                                                 |
 * |---------------------------|------|----------------------------------------------------------------------|
 * | NMT_REPORT_USAGE          | 104  | bad `npm run report` / report-related bench arguments                |
 * | NMT_REPORT_READ           | 104  | a results file or run folder cannot be read (missing, not a folder…) |
 * | NMT_REPORT_INVALID        | 104  | a file is not a results.json of schema version 1                     |
 * | NMT_REPORT_WRITE          | 105  | report.html, junit.xml, summary.md or index.html cannot be written   |
 * | NMT_REPORT_ASSET          | 105  | chart.js (bundled into every page) is missing from node_modules      |
 *
 * Exit 98 (a regression beyond `--fail-on-regression`) is an outcome, not an
 * error: see {@link REGRESSION_EXIT_CODE}.
 */

/**
 * Exit code of `npm run bench` and `npm run report -- compare` when a gated
 * metric got worse than the baseline by more than `--fail-on-regression`.
 * Next to k6's 99 (thresholds failed), below it in precedence:
 * 105 > 130 > 99 > 98 > 0.
 */
export const REGRESSION_EXIT_CODE = 98;

/** Stable codes of {@link ReportError} (table above). */
export const ReportErrorCode = {
  USAGE: 'NMT_REPORT_USAGE',
  READ: 'NMT_REPORT_READ',
  INVALID: 'NMT_REPORT_INVALID',
  WRITE: 'NMT_REPORT_WRITE',
  ASSET: 'NMT_REPORT_ASSET',
} as const;
/** One of {@link ReportErrorCode}'s values. */
export type ReportErrorCode = (typeof ReportErrorCode)[keyof typeof ReportErrorCode];

const EXIT_OF: Record<ReportErrorCode, number> = {
  NMT_REPORT_USAGE: 104,
  NMT_REPORT_READ: 104,
  NMT_REPORT_INVALID: 104,
  NMT_REPORT_WRITE: 105,
  NMT_REPORT_ASSET: 105,
};

/** A report input could not be used or an output could not be written. */
export class ReportError extends Error {
  readonly code: ReportErrorCode;
  /** The process exit code this error maps to (104 or 105). */
  readonly exitCode: number;

  constructor(code: ReportErrorCode, message: string) {
    super(message);
    this.name = 'ReportError';
    this.code = code;
    this.exitCode = EXIT_OF[code];
  }
}
