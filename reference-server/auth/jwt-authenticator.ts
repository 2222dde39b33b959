/**
 * Verifies the JWT a client sends in SessionConnectReq (`token`).
 *
 *   token ─ size ─ pending bound ─ header: alg allow-list, kid → key, key.alg = alg
 *         ─ jose.jwtVerify (signature, exp/nbf, iss, aud, async) ─ iat not in the future
 *         ─ claims: sub (string), role (ROLE_PATTERN, default "user") ─▶ ok { sub, role }
 *
 * Every failure is a verdict, not an exception: `{ ok: false, reason, text,
 * result }`, counted in `nmt_auth_failures_total{reason}`; the TestServer
 * answers SessionConnectRes AUTH_FAILED and closes with HandshakeRejected.
 * The text says what was wrong without echoing the token or key material.
 *
 * Verification is asynchronous (jose uses WebCrypto), so a slow signature
 * check never blocks other sessions. At most `maxPendingVerifications` run
 * at once; a handshake beyond that is answered SERVER_FULL ("overloaded")
 * without decoding the token, so a flood of tokens holds at most
 * maxPendingVerifications × maxTokenBytes of memory.
 */
import { decodeProtectedHeader, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { ConnectResult } from '../../protocol/index.ts';
import type { MetricFamily } from '../engine/prometheus.ts';
import { AuthConfigError, AuthErrorCode } from './errors.ts';
import { JWT_ALGORITHMS, type JwtAlgorithm, type KeySet } from './key-set.ts';
import { ROLE_PATTERN, Role, isValidRole } from './roles.ts';

/** Why a token was refused, as a metric label. */
export const AuthFailure = {
  /** SessionConnectReq carried no token. */
  MissingToken: 'missing_token',
  /** The token is longer than maxTokenBytes. */
  TooLarge: 'too_large',
  /** Not a compact JWS (three base64url parts with a JSON header), or claims that are not JSON. */
  Malformed: 'malformed',
  /** The header's alg is not HS256, EdDSA or ES256 (`none` included). */
  AlgNotAllowed: 'alg_not_allowed',
  /** No kid, or a kid the key set does not hold. */
  UnknownKid: 'unknown_kid',
  /** The kid's key is for another algorithm than the header's (alg confusion). */
  AlgMismatch: 'alg_mismatch',
  /** The signature does not verify with the kid's key. */
  BadSignature: 'bad_signature',
  /** `exp` has passed (beyond the clock tolerance), or the token is older than maxTokenAgeSeconds. */
  Expired: 'expired',
  /** `nbf` is still in the future. */
  NotYetValid: 'not_yet_valid',
  /** `iat` is in the future. */
  IssuedInFuture: 'iat_in_future',
  /** `iss` is not the configured issuer. */
  Issuer: 'issuer',
  /** `aud` does not include the configured audience. */
  Audience: 'audience',
  /** A required claim is missing or has the wrong type (exp, sub, role). */
  Claims: 'claims',
  /** maxPendingVerifications were already running (answered SERVER_FULL). */
  Overloaded: 'overloaded',
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];
export const AUTH_FAILURES: readonly AuthFailure[] = Object.values(AuthFailure);

/** Options of {@link JwtAuthenticator}. */
export interface JwtAuthOptions {
  keys: KeySet;
  /** Accepted `iss` value(s). Required. */
  issuer: string | readonly string[];
  /** This server's audience; a token's `aud` must include one of them. Required. */
  audience: string | readonly string[];
  /** Slack for exp/nbf/iat against clock skew, in seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** Refuse tokens whose `iat` is older than this (seconds); null = only `exp` counts. Default null. */
  maxTokenAgeSeconds?: number | null;
  /** Verifications running at once, at most. Default 1024. */
  maxPendingVerifications?: number;
  /** Longest token accepted, bytes. Default 8192. */
  maxTokenBytes?: number;
  /** Claim holding the role. Default `role`. */
  roleClaim?: string;
  /** Role of a token without the role claim. Default `user`. */
  defaultRole?: string;
  /** Refuse tokens without `exp` (a token that never expires cannot be rotated away). Default true. */
  requireExp?: boolean;
  /** Current time in ms since the epoch (tests). Default Date.now. */
  now?: () => number;
}

export const JWT_DEFAULTS = Object.freeze({
  clockToleranceSeconds: 30,
  maxTokenAgeSeconds: null as number | null,
  maxPendingVerifications: 1024,
  maxTokenBytes: 8192,
  roleClaim: 'role',
  defaultRole: Role.User as string,
  requireExp: true,
});

/** Who the token says the client is; stored in `session.attachment`. */
export interface JwtIdentity {
  readonly sub: string;
  readonly role: string;
  /** The key that verified it (rotation: see which kid clients still use). */
  readonly kid: string;
  /** Expiry, seconds since the epoch, when present. */
  readonly exp: number | null;
  readonly claims: Readonly<JWTPayload>;
}

/** The verdict on one token (structurally a TestServer `AuthResult`). */
export type JwtVerdict =
  | { ok: true; identity: JwtIdentity; role: string }
  | { ok: false; reason: AuthFailure; text: string; result: ConnectResult };

function refuse(reason: AuthFailure, text: string, result: ConnectResult = ConnectResult.AuthFailed): JwtVerdict {
  return { ok: false, reason, text, result };
}

/** Maps a jose verification error to a failure; null for errors that are not about the token. */
function classifyJoseError(err: unknown): { reason: AuthFailure; text: string } | null {
  const e = err as { code?: unknown; claim?: unknown };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return e.claim === 'iat'
        ? { reason: AuthFailure.Expired, text: 'token is older than the maximum token age' }
        : { reason: AuthFailure.Expired, text: 'token has expired' };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { reason: AuthFailure.BadSignature, text: 'token signature does not verify' };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return { reason: AuthFailure.AlgMismatch, text: 'token algorithm does not match its key' };
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { reason: AuthFailure.Malformed, text: 'token is not a well-formed signed JWT' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      switch (e.claim) {
        case 'nbf':
          return { reason: AuthFailure.NotYetValid, text: 'token is not valid yet (nbf)' };
        case 'iss':
          return { reason: AuthFailure.Issuer, text: 'token issuer is not accepted' };
        case 'aud':
          return { reason: AuthFailure.Audience, text: 'token audience does not include this server' };
        case 'iat':
          return { reason: AuthFailure.IssuedInFuture, text: 'token iat is in the future' };
        default:
          return { reason: AuthFailure.Claims, text: `token claim "${String(e.claim).slice(0, 20)}" is missing or invalid` };
      }
    default:
      return null;
  }
}

/** Verifies tokens against a key set; see the module comment. */
export class JwtAuthenticator {
  /** Verifications running now. */
  pending = 0;
  /** Tokens accepted since start. */
  accepted = 0;
  /** Refusals by reason, indexed like {@link AUTH_FAILURES}. */
  readonly failures = new Float64Array(AUTH_FAILURES.length);
  private keySet: KeySet;
  private readonly issuers: string[];
  private readonly audiences: string[];
  private readonly tolerance: number;
  private readonly maxAge: number | null;
  private readonly maxPending: number;
  private readonly maxTokenBytes: number;
  private readonly roleClaim: string;
  private readonly defaultRole: string;
  private readonly requiredClaims: string[];
  private readonly now: () => number;

  /** Throws {@link AuthConfigError} (NMT_AUTH_CONFIG_INVALID) listing every invalid option. */
  constructor(options: JwtAuthOptions) {
    const issues: string[] = [];
    const d = JWT_DEFAULTS;
    const o = {
      clockToleranceSeconds: options.clockToleranceSeconds ?? d.clockToleranceSeconds,
      maxTokenAgeSeconds: options.maxTokenAgeSeconds === undefined ? d.maxTokenAgeSeconds : options.maxTokenAgeSeconds,
      maxPendingVerifications: options.maxPendingVerifications ?? d.maxPendingVerifications,
      maxTokenBytes: options.maxTokenBytes ?? d.maxTokenBytes,
      roleClaim: options.roleClaim ?? d.roleClaim,
      defaultRole: options.defaultRole ?? d.defaultRole,
      requireExp: options.requireExp ?? d.requireExp,
    };
    const list = (name: string, v: unknown): string[] => {
      const l = typeof v === 'string' ? [v] : Array.isArray(v) ? (v as unknown[]) : [];
      if (l.length === 0 || l.some((x) => typeof x !== 'string' || x.length === 0)) {
        issues.push(`${name}: required, a non-empty string or list of strings (--jwt-${name})`);
        return [];
      }
      return l as string[];
    };
    const int = (name: string, v: number, min: number, max: number): void => {
      if (!Number.isInteger(v) || v < min || v > max) issues.push(`${name}: must be an integer in ${min}..${max}, got ${v}`);
    };
    this.issuers = list('issuer', options.issuer);
    this.audiences = list('audience', options.audience);
    int('clockToleranceSeconds', o.clockToleranceSeconds, 0, 3600);
    if (o.maxTokenAgeSeconds !== null) int('maxTokenAgeSeconds', o.maxTokenAgeSeconds, 1, 365 * 86_400);
    int('maxPendingVerifications', o.maxPendingVerifications, 1, 1_000_000);
    int('maxTokenBytes', o.maxTokenBytes, 64, 65_535);
    if (typeof o.roleClaim !== 'string' || o.roleClaim === '') issues.push('roleClaim: must be a non-empty string');
    if (!isValidRole(o.defaultRole)) issues.push(`defaultRole: must match ${String(ROLE_PATTERN)}, got ${JSON.stringify(o.defaultRole)}`);
    if (issues.length > 0) throw new AuthConfigError(AuthErrorCode.CONFIG_INVALID, 'invalid JWT authenticator options', issues);
    this.keySet = options.keys;
    this.tolerance = o.clockToleranceSeconds;
    this.maxAge = o.maxTokenAgeSeconds;
    this.maxPending = o.maxPendingVerifications;
    this.maxTokenBytes = o.maxTokenBytes;
    this.roleClaim = o.roleClaim;
    this.defaultRole = o.defaultRole;
    this.requiredClaims = o.requireExp ? ['exp', 'sub'] : ['sub'];
    this.now = options.now ?? Date.now;
  }

  /** The current key set. */
  get keys(): KeySet {
    return this.keySet;
  }

  /** Swaps the key set (rotation); verifications already running finish with the old one. */
  setKeys(keys: KeySet): void {
    this.keySet = keys;
  }

  /** Refusals counted for `reason`. */
  failuresFor(reason: AuthFailure): number {
    return this.failures[AUTH_FAILURES.indexOf(reason)]!;
  }

  private fail(reason: AuthFailure, text: string, result?: ConnectResult): JwtVerdict {
    this.failures[AUTH_FAILURES.indexOf(reason)]!++;
    return refuse(reason, text, result);
  }

  /**
   * Verifies one token. Resolves to a verdict; rejects only on an
   * unexpected error (a bug), which the TestServer turns into InternalError.
   */
  verify(token: string): JwtVerdict | Promise<JwtVerdict> {
    if (token.length === 0) return this.fail(AuthFailure.MissingToken, 'a token is required; send a JWT in SessionConnectReq');
    const bytes = Buffer.byteLength(token, 'utf8');
    if (bytes > this.maxTokenBytes) return this.fail(AuthFailure.TooLarge, `token of ${bytes} bytes is over the ${this.maxTokenBytes}-byte limit`);
    if (this.pending >= this.maxPending) {
      return this.fail(AuthFailure.Overloaded, `server busy: ${this.maxPending} authentications in progress; retry later`, ConnectResult.ServerFull);
    }
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return this.fail(AuthFailure.Malformed, 'token is not a well-formed signed JWT');
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || !(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
      return this.fail(AuthFailure.AlgNotAllowed, `token algorithm is not allowed; accepted: ${JWT_ALGORITHMS.join(', ')}`);
    }
    const kid = header.kid;
    const key = typeof kid === 'string' ? this.keySet.get(kid) : undefined;
    if (key === undefined) return this.fail(AuthFailure.UnknownKid, typeof kid === 'string' ? 'token key id (kid) is not known to this server' : 'token header has no key id (kid)');
    if (key.alg !== alg) return this.fail(AuthFailure.AlgMismatch, 'token algorithm does not match its key');
    this.pending++;
    return this.verifySignature(token, key.key, key.alg, key.kid).finally(() => {
      this.pending--;
    });
  }

  private async verifySignature(token: string, key: CryptoKey | Uint8Array, alg: JwtAlgorithm, kid: string): Promise<JwtVerdict> {
    const nowMs = this.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [alg],
        issuer: this.issuers,
        audience: this.audiences,
        clockTolerance: this.tolerance,
        requiredClaims: this.requiredClaims,
        currentDate: new Date(nowMs),
        ...(this.maxAge === null ? {} : { maxTokenAge: this.maxAge }),
      }));
    } catch (err) {
      const f = classifyJoseError(err);
      if (f === null) throw err;
      return this.fail(f.reason, f.text);
    }
    if (typeof payload.iat === 'number' && payload.iat > nowMs / 1000 + this.tolerance) {
      return this.fail(AuthFailure.IssuedInFuture, 'token iat is in the future');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) return this.fail(AuthFailure.Claims, 'token "sub" must be a string of 1–256 characters');
    const rawRole = payload[this.roleClaim];
    const role = rawRole === undefined ? this.defaultRole : rawRole;
    if (!isValidRole(role)) return this.fail(AuthFailure.Claims, `token "${this.roleClaim}" claim is not a valid role name`);
    this.accepted++;
    return { ok: true, role, identity: Object.freeze({ sub, role, kid, exp: typeof payload.exp === 'number' ? payload.exp : null, claims: payload }) };
  }

  /** `/metrics` families: accepted, failures by reason, pending, keys loaded. */
  metrics(): MetricFamily[] {
    return [
      { name: 'nmt_auth_success_total', type: 'counter', help: 'Tokens accepted.', samples: [{ value: this.accepted }] },
      {
        name: 'nmt_auth_failures_total',
        type: 'counter',
        help: 'Tokens refused, by reason (SessionConnectRes AUTH_FAILED, or SERVER_FULL for overloaded).',
        samples: AUTH_FAILURES.map((reason, i) => ({ labels: { reason }, value: this.failures[i]! })),
      },
      { name: 'nmt_auth_pending', type: 'gauge', help: 'Token verifications running now.', samples: [{ value: this.pending }] },
      { name: 'nmt_auth_keys', type: 'gauge', help: 'Verification keys loaded (by kid).', samples: [{ value: this.keySet.size }] },
    ];
  }
}
