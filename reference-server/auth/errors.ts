/**
 * Errors of the authentication layer. Codes are stable (`NMT_AUTH_*`) and
 * documented in docs/security.md; callers and tests match on `code`.
 *
 * Only configuration problems are thrown. A bad token from a peer is never
 * an exception: the authenticator answers it with a verdict (AUTH_FAILED
 * and a failure reason) and counts it.
 */

export const AuthErrorCode = {
  /** The JWKS (key set) cannot be read or holds a key that cannot be used; see `issues`. */
  KEYS_INVALID: 'NMT_AUTH_KEYS_INVALID',
  /** Authenticator options are invalid (missing issuer/audience, value out of range); see `issues`. */
  CONFIG_INVALID: 'NMT_AUTH_CONFIG_INVALID',
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

/** A configuration problem; `issues` lists every one found, each naming where. */
export class AuthConfigError extends Error {
  readonly code: AuthErrorCode;
  readonly issues: readonly string[];

  constructor(code: AuthErrorCode, context: string, issues: readonly string[]) {
    super(`${context}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'AuthConfigError';
    this.code = code;
    this.issues = issues;
  }
}
