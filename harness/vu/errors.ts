/**
 * Errors of the virtual-user layer. Each carries a stable `code` (tests and
 * callers match on it, never on the message); codes are documented in
 * docs/load-models.md ("Errors").
 *
 * These are setup errors — a flow that cannot run against the catalogue it
 * was given — thrown before any traffic. Errors *during* traffic (refused,
 * timeout, closed, …) are never thrown: they are counted through
 * `MetricsRecorder.error()` / `connectFailed()` by kind.
 */

/** Stable error codes of harness/vu. */
export const VuErrorCode = {
  /** A step names a packet the catalogue does not define. */
  UNKNOWN_PACKET: 'NMT_VU_UNKNOWN_PACKET',
  /** A step needs a field (e.g. PongRes.seq for `ping`, an expect `match` field) the packet does not have. */
  UNKNOWN_FIELD: 'NMT_VU_UNKNOWN_FIELD',
  /** A step cannot run as configured (e.g. a loop with neither count nor duration). */
  INVALID_STEP: 'NMT_VU_INVALID_STEP',
  /** A scenario value or option is out of range for the load generator (e.g. no endpoints). */
  INVALID_CONFIG: 'NMT_VU_INVALID_CONFIG',
} as const;
export type VuErrorCode = (typeof VuErrorCode)[keyof typeof VuErrorCode];

/** A flow could not be prepared for the given catalogue or configuration. */
export class VuError extends Error {
  readonly code: VuErrorCode;
  /** Where in the scenario the problem is, e.g. `flow.iteration[2].expect.match.seq`. */
  readonly path: string;

  constructor(code: VuErrorCode, path: string, message: string) {
    super(path === '' ? message : `${path}: ${message}`);
    this.name = 'VuError';
    this.code = code;
    this.path = path;
  }
}
