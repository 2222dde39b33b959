/**
 * Errors of calibration (building and running the C reference programs,
 * the TestServer and the harness probe beside them). Each carries a stable
 * `code`; tests and callers match on it, never on the message.
 *
 * | code                     | when                                                                    |
 * |--------------------------|-------------------------------------------------------------------------|
 * | NMT_CAL_NO_COMPILER      | no C compiler (`$CC`, cc, gcc, clang): calibration is skipped           |
 * | NMT_CAL_BUILD_FAILED     | calibration/build.sh failed to compile the C programs                   |
 * | NMT_CAL_START_FAILED     | the C pong-server or the TestServer did not start (or exited early)     |
 * | NMT_CAL_CLIENT_FAILED    | the C load-client failed or printed no valid result                     |
 * | NMT_CAL_PROBE_FAILED     | the harness probe process failed or printed no valid result             |
 * | NMT_CAL_TIMEOUT          | a measurement did not finish within its deadline                        |
 * | NMT_CAL_INTERRUPTED      | Ctrl-C / SIGTERM during calibration                                     |
 * | NMT_CAL_INVALID_CONFIG   | a calibration setting is out of range (in code; scenarios are checked by the loader) |
 */

export const CalibrationErrorCode = {
  NO_COMPILER: 'NMT_CAL_NO_COMPILER',
  BUILD_FAILED: 'NMT_CAL_BUILD_FAILED',
  START_FAILED: 'NMT_CAL_START_FAILED',
  CLIENT_FAILED: 'NMT_CAL_CLIENT_FAILED',
  PROBE_FAILED: 'NMT_CAL_PROBE_FAILED',
  TIMEOUT: 'NMT_CAL_TIMEOUT',
  INTERRUPTED: 'NMT_CAL_INTERRUPTED',
  INVALID_CONFIG: 'NMT_CAL_INVALID_CONFIG',
} as const;
export type CalibrationErrorCode = (typeof CalibrationErrorCode)[keyof typeof CalibrationErrorCode];

/** Calibration could not be done (or was skipped: {@link CalibrationErrorCode.NO_COMPILER}). */
export class CalibrationError extends Error {
  readonly code: CalibrationErrorCode;
  /** Last lines the failing process wrote, when one was involved. */
  readonly outputTail: string | null;

  constructor(code: CalibrationErrorCode, message: string, outputTail: string | null = null) {
    super(message);
    this.name = 'CalibrationError';
    this.code = code;
    this.outputTail = outputTail;
  }
}
