/**
 * JWT signing keys as the harness reads and makes them — one parser for the
 * scenario check (harness/scenario/security.ts), the run's preparation
 * (prepare.ts) and the TestClient CLI (client/cli-security.ts):
 *
 *   PEM PKCS#8 Ed25519 / P-256  → EdDSA / ES256 (signing: PEM; verification: the public JWK)
 *   JWK with "d" (OKP / EC)     → the same
 *   JWK kty "oct"               → HS256 (signing: the base64url secret; verification: the oct JWK)
 *
 * Problems come back as values, not exceptions, so each caller words them
 * for its own input (a scenario field, a CLI flag).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../scenario/types.ts';

/** A usable signing key, in the forms the minter and the server's JWKS want. */
export interface SigningKey {
  alg: JwtAlgorithm;
  /** What MintConfig.key holds: PEM PKCS#8, or the base64url secret. */
  signing: string;
  /** The JWK the server verifies with (the public half, or the oct secret). */
  verification: Record<string, unknown>;
  /** The JWK's own `kid`, when the text was a JWK that has one. */
  kid: string | undefined;
}

/** Why a text is not a signing key. */
export interface KeyProblem {
  /** `public`: a public key (PEM or JWK without "d"); `unsupported`: a private key of another type; `unusable`: no key at all. */
  problem: 'public' | 'unsupported' | 'unusable';
  /** `unsupported`: the key's type and curve ("rsa", "ec secp384r1"); otherwise the parser's message. */
  detail: string;
}

/** An HS256 key from the secret's bytes. */
export function secretSigningKey(secret: Buffer, kid?: string): SigningKey {
  const k = secret.toString('base64url');
  return { alg: 'HS256', signing: k, verification: { kty: 'oct', k }, kid };
}

/** A fresh key for one run. */
export function generateSigningKey(alg: JwtAlgorithm): SigningKey {
  if (alg === 'HS256') return secretSigningKey(randomBytes(32));
  const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return asymmetric(pair.privateKey, alg, undefined);
}

/** Parses a PEM PKCS#8 private key or a JWK; a {@link KeyProblem} when it cannot sign. */
export function parseSigningKey(text: string): SigningKey | KeyProblem {
  const trimmed = text.trim();
  let jwk: Record<string, unknown> | null = null;
  let key: KeyObject;
  try {
    if (trimmed.startsWith('{')) jwk = JSON.parse(trimmed) as Record<string, unknown>;
  } catch (err) {
    return { problem: 'unusable', detail: (err as Error).message };
  }
  const kid = typeof jwk?.['kid'] === 'string' ? jwk['kid'] : undefined;
  if (jwk?.['kty'] === 'oct') return secretSigningKey(Buffer.from(String(jwk['k']), 'base64url'), kid);
  try {
    key = jwk === null ? createPrivateKey(trimmed) : createPrivateKey({ key: jwk as never, format: 'jwk' });
  } catch (err) {
    const isPublic = jwk === null ? /-----BEGIN PUBLIC KEY-----/.test(trimmed) : jwk['d'] === undefined;
    return { problem: isPublic ? 'public' : 'unusable', detail: (err as Error).message };
  }
  const alg = algorithmOf(key);
  if (alg === null) return { problem: 'unsupported', detail: describeKey(key) };
  return asymmetric(key, alg, kid);
}

/** True when {@link parseSigningKey} did not give a key. */
export function isKeyProblem(k: SigningKey | KeyProblem): k is KeyProblem {
  return (k as KeyProblem).problem !== undefined;
}

function asymmetric(privateKey: KeyObject, alg: JwtAlgorithm, kid: string | undefined): SigningKey {
  return {
    alg,
    signing: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    verification: createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>,
    kid,
  };
}

function algorithmOf(key: KeyObject): JwtAlgorithm | null {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return null;
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === undefined ? String(key.asymmetricKeyType ?? 'unknown') : `${key.asymmetricKeyType} ${curve}`;
}
