/**
 * Mints the JWT each virtual user sends in SessionConnectReq.
 *
 *   base64url(header) . base64url(claims) . base64url(signature)
 *   header = { alg, typ: "JWT", kid }            (encoded once)
 *   claims = { iss, aud, sub, role, iat, exp }   (per token)
 *
 * Signing is synchronous (node:crypto: HMAC-SHA256, Ed25519, ECDSA P-256
 * with the JOSE r||s signature encoding), so a VU's connect never waits for
 * a promise; the TestServer verifies the same tokens with jose (a test signs
 * here and verifies there). A VU keeps its token until a quarter of its
 * lifetime is left, so a connect/disconnect loop costs one signature per VU
 * per ¾ ttl, not one per connect.
 */
import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { compileValue, type CompiledValue, type TemplateContext } from '../scenario/templates.ts';
import type { MintConfig } from './client-security.ts';

interface Cached {
  token: string;
  /** Date.now() ms after which a new token is minted. */
  renewAtMs: number;
}

export class JwtMinter {
  private readonly config: MintConfig;
  private readonly signingInput: string;
  private readonly hmacKey: Buffer | null;
  private readonly privateKey: KeyObject | null;
  private readonly subject: CompiledValue;
  private readonly cache = new Map<number, Cached>();
  /** Tokens signed so far (for tests and the run's debug output). */
  minted = 0;

  /** Throws when the key does not parse (the coordinator has checked it already). */
  constructor(config: MintConfig) {
    this.config = config;
    this.signingInput = `${b64json({ alg: config.alg, typ: 'JWT', kid: config.kid })}.`;
    if (config.alg === 'HS256') {
      this.hmacKey = Buffer.from(config.key, 'base64url');
      this.privateKey = null;
    } else {
      this.hmacKey = null;
      this.privateKey = createPrivateKey(config.key);
    }
    this.subject = compileValue(config.subject);
  }

  /** The token of VU `ctx.vuId`: its cached one while fresh, else a new one. */
  tokenFor(ctx: TemplateContext, nowMs: number = Date.now()): string {
    const cached = this.cache.get(ctx.vuId);
    if (cached !== undefined && nowMs < cached.renewAtMs) return cached.token;
    const token = this.mint(String(this.subject(ctx)), nowMs);
    const ttlMs = this.config.ttlSec * 1000;
    this.cache.set(ctx.vuId, { token, renewAtMs: nowMs + ttlMs - ttlMs / 4 });
    return token;
  }

  /** A new token for `subject`, issued at `nowMs`. */
  mint(subject: string, nowMs: number = Date.now()): string {
    const c = this.config;
    const iat = Math.floor(nowMs / 1000);
    const input = this.signingInput + b64json({ iss: c.issuer, aud: c.audience, sub: subject, role: c.role, iat, exp: iat + c.ttlSec });
    this.minted++;
    return `${input}.${this.signature(input).toString('base64url')}`;
  }

  private signature(input: string): Buffer {
    const data = Buffer.from(input, 'latin1'); // base64url text: ASCII
    switch (this.config.alg) {
      case 'HS256':
        return createHmac('sha256', this.hmacKey!).update(data).digest();
      case 'EdDSA':
        return sign(null, data, this.privateKey!);
      case 'ES256':
        return sign('sha256', data, { key: this.privateKey!, dsaEncoding: 'ieee-p1363' });
    }
  }
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
