/**
 * Errors of threshold expressions. The stable `code` is documented in
 * docs/scenarios.md ("Errors and exit codes"); tests match on it.
 */

export const ThresholdErrorCode = {
  /** The expression does not parse, or names an unknown metric, stat, tag or unit. */
  INVALID: 'NMT_THRESHOLD_INVALID',
} as const;
export type ThresholdErrorCode = (typeof ThresholdErrorCode)[keyof typeof ThresholdErrorCode];

/**
 * A threshold expression that cannot be used. The message names the
 * expression, the 1-based `column` of the problem and what is allowed there.
 */
export class ThresholdError extends Error {
  readonly code: ThresholdErrorCode = ThresholdErrorCode.INVALID;
  readonly expr: string;
  readonly column: number;
  /** The message without the expression and column, for callers that show those themselves. */
  readonly detail: string;

  constructor(expr: string, column: number, detail: string) {
    super(`threshold '${expr}': ${detail} (column ${column})`);
    this.name = 'ThresholdError';
    this.expr = expr;
    this.column = column;
    this.detail = detail;
  }
}
