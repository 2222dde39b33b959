/**
 * Errors of the executors. Each carries a stable `code` (tests and callers
 * match on it, never on the message); documented in docs/load-models.md.
 * They are programming/configuration errors raised before a phase sends
 * anything; traffic errors are counted by kind in the recorder, never thrown.
 */

/** Stable error codes of harness/executors. */
export const ExecutorErrorCode = {
  /** `createExecutor` got a type string that is not one of the five load models. */
  UNKNOWN_TYPE: 'NMT_EXEC_UNKNOWN_TYPE',
  /** An executor was run with a phase of another type. */
  WRONG_PHASE: 'NMT_EXEC_WRONG_PHASE',
  /** `ctx.segment` is not a valid (index, count) pair. */
  INVALID_SEGMENT: 'NMT_EXEC_INVALID_SEGMENT',
  /** A phase's figures cannot be run (e.g. a negative rate); the scenario validator normally catches these. */
  INVALID_PHASE: 'NMT_EXEC_INVALID_PHASE',
  /** An executor instance was run twice (one instance per phase run). */
  REUSED: 'NMT_EXEC_REUSED',
} as const;
export type ExecutorErrorCode = (typeof ExecutorErrorCode)[keyof typeof ExecutorErrorCode];

/** A phase could not be started as given. */
export class ExecutorError extends Error {
  readonly code: ExecutorErrorCode;

  constructor(code: ExecutorErrorCode, message: string) {
    super(message);
    this.name = 'ExecutorError';
    this.code = code;
  }
}

/** Throws INVALID_PHASE unless `value` is a finite number ≥ `min`. */
export function requireNumber(phase: string, field: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ExecutorError(
      ExecutorErrorCode.INVALID_PHASE,
      `phase '${phase}': ${field} must be a number ≥ ${min}, got ${String(value)}`,
    );
  }
}
