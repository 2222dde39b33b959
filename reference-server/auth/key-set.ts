/**
 * The keys tokens are verified with: a JWKS (`{"keys": [...]}`, RFC 7517),
 * each key named by its `kid`.
 *
 *   kty  crv      alg    key material            use
 *   oct  —        HS256  k  (shared secret)      both sides hold the secret
 *   OKP  Ed25519  EdDSA  x  (public key only)    issuer signs with its private key
 *   EC   P-256    ES256  x, y (public key only)  issuer signs with its private key
 *
 * A key verifies only its own algorithm: an HS256 secret never verifies an
 * EdDSA/ES256 token and a public key is never used as an HMAC secret (the
 * classic "alg confusion" attack). `alg` may be omitted in the file; it is
 * then implied by kty/crv as in the table. RSA and `none` are not accepted.
 *
 * Rotation (docs/security.md): add the new kid, reload, start signing with
 * it, remove the old kid once its tokens have expired, reload again.
 *
 * Every problem in a file is collected and thrown at once as an
 * {@link AuthConfigError} (NMT_AUTH_KEYS_INVALID) naming the key by index
 * and kid. Private members (`d`, ...) in an asymmetric key are refused: the
 * server needs the public half only, and a private key lying in the
 * server's configuration would let anyone who reads it mint tokens.
 */
import { readFileSync } from 'node:fs';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { AuthConfigError, AuthErrorCode } from './errors.ts';

/** Algorithms the server verifies. */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'ES256';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'EdDSA', 'ES256'];

/** Shortest HS256 secret accepted (RFC 7518 §3.2: at least the hash size, 256 bits). */
export const MIN_HMAC_SECRET_BYTES = 32;

/** One imported key. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly key: CryptoKey | Uint8Array;
}

/** Members that hold private key material in an OKP or EC JWK. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

/** An immutable set of verification keys by kid. */
export class KeySet {
  private readonly byKid: ReadonlyMap<string, VerificationKey>;

  constructor(keys: readonly VerificationKey[]) {
    this.byKid = new Map(keys.map((k) => [k.kid, k]));
  }

  get size(): number {
    return this.byKid.size;
  }

  /** The key for `kid`, or undefined. */
  get(kid: string): VerificationKey | undefined {
    return this.byKid.get(kid);
  }

  /** Every kid, in file order. */
  kids(): string[] {
    return [...this.byKid.keys()];
  }
}

/** The algorithm a key implies, or an error message. */
function algorithmOf(jwk: Record<string, unknown>): JwtAlgorithm | string {
  const kty = jwk['kty'];
  let implied: JwtAlgorithm;
  if (kty === 'oct') implied = 'HS256';
  else if (kty === 'OKP') {
    if (jwk['crv'] !== 'Ed25519') return `OKP keys must have crv "Ed25519" (EdDSA), got ${JSON.stringify(jwk['crv'])}`;
    implied = 'EdDSA';
  } else if (kty === 'EC') {
    if (jwk['crv'] !== 'P-256') return `EC keys must have crv "P-256" (ES256), got ${JSON.stringify(jwk['crv'])}`;
    implied = 'ES256';
  } else {
    return `kty ${JSON.stringify(kty)} is not supported; use "oct" (HS256), "OKP" with Ed25519 (EdDSA) or "EC" with P-256 (ES256)`;
  }
  const alg = jwk['alg'];
  if (alg !== undefined && alg !== implied) return `alg ${JSON.stringify(alg)} does not fit a ${String(kty)} key; it must be ${implied} (or omitted)`;
  return implied;
}

/** Problems of one key that a schema would catch; `where` names it. */
function checkKey(jwk: Record<string, unknown>, where: string, issues: string[]): JwtAlgorithm | null {
  const before = issues.length;
  const alg = algorithmOf(jwk);
  if (!(JWT_ALGORITHMS as readonly string[]).includes(alg)) issues.push(`${where}: ${alg}`);
  const use = jwk['use'];
  if (use !== undefined && use !== 'sig') issues.push(`${where}: use must be "sig", got ${JSON.stringify(use)}`);
  const ops = jwk['key_ops'];
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) issues.push(`${where}: key_ops must include "verify"`);
  if (jwk['kty'] === 'oct') {
    const k = jwk['k'];
    if (typeof k !== 'string' || !/^[A-Za-z0-9_-]+$/.test(k)) issues.push(`${where}: an oct key needs "k", the secret in base64url`);
    else if (Buffer.from(k, 'base64url').length < MIN_HMAC_SECRET_BYTES) {
      issues.push(`${where}: the HS256 secret is ${Buffer.from(k, 'base64url').length} bytes; use at least ${MIN_HMAC_SECRET_BYTES} random bytes`);
    }
  } else if (jwk['kty'] === 'OKP' || jwk['kty'] === 'EC') {
    const priv = PRIVATE_MEMBERS.filter((m) => m in jwk);
    if (priv.length > 0) issues.push(`${where}: holds private key material (${priv.join(', ')}); give the server the public key only`);
  }
  return issues.length === before ? (alg as JwtAlgorithm) : null;
}

/**
 * Validates and imports a JWKS object. Throws {@link AuthConfigError}
 * (NMT_AUTH_KEYS_INVALID) listing every problem; `source` names the file in
 * messages.
 */
export async function loadKeySet(jwks: unknown, source = 'key set'): Promise<KeySet> {
  const issues: string[] = [];
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || Array.isArray(jwks) || !Array.isArray(keys)) {
    throw new AuthConfigError(AuthErrorCode.KEYS_INVALID, `invalid ${source}`, ['must be a JSON object {"keys": [ ... ]} (a JWKS, RFC 7517)']);
  }
  if (keys.length === 0) issues.push('"keys" is empty; add at least one key');
  const seen = new Set<string>();
  const accepted: { kid: string; alg: JwtAlgorithm; jwk: JWK; where: string }[] = [];
  keys.forEach((raw: unknown, i: number) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      issues.push(`keys[${i}]: must be an object (a JWK)`);
      return;
    }
    const jwk = raw as Record<string, unknown>;
    const kid = jwk['kid'];
    const where = typeof kid === 'string' ? `keys[${i}] (kid "${kid}")` : `keys[${i}]`;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) {
      issues.push(`${where}: needs a "kid" (1–128 characters); tokens name their key by it`);
    } else if (seen.has(kid)) {
      issues.push(`${where}: kid "${kid}" appears twice; kids must be unique`);
    } else {
      seen.add(kid);
    }
    const alg = checkKey(jwk, where, issues);
    if (alg !== null && typeof kid === 'string') accepted.push({ kid, alg, jwk: jwk as JWK, where });
  });
  const imported: VerificationKey[] = [];
  for (const a of accepted) {
    try {
      imported.push({ kid: a.kid, alg: a.alg, key: await importJWK(a.jwk, a.alg) });
    } catch (err) {
      issues.push(`${a.where}: cannot be imported as ${a.alg}: ${(err as Error).message}`);
    }
  }
  if (issues.length > 0) throw new AuthConfigError(AuthErrorCode.KEYS_INVALID, `invalid ${source}`, issues);
  return new KeySet(imported);
}

/** Reads and loads a JWKS JSON file (`--jwt-keys`). Throws {@link AuthConfigError} naming the file. */
export async function loadKeySetFile(path: string, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): Promise<KeySet> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new AuthConfigError(AuthErrorCode.KEYS_INVALID, `invalid key file ${path}`, [`cannot read it (${code})`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new AuthConfigError(AuthErrorCode.KEYS_INVALID, `invalid key file ${path}`, [`not valid JSON (${(err as Error).message})`]);
  }
  return loadKeySet(data, `key file ${path}`);
}

/**
 * The public half of a JWKS: private members removed from OKP/EC keys
 * (HS256 secrets are kept: both sides need them). For tools and tests that
 * hold signing keys and must hand the server its verification keys.
 */
export function publicJwks(jwks: { keys: readonly JWK[] }): { keys: JWK[] } {
  return {
    keys: jwks.keys.map((k) => {
      if (k.kty === 'oct') return { ...k };
      const pub: Record<string, unknown> = { ...k };
      for (const m of PRIVATE_MEMBERS) delete pub[m];
      return pub as JWK;
    }),
  };
}
