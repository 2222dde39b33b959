/**
 * Tokens minted here must pass the TestServer's real verifier (jose): every
 * algorithm and key source goes through prepareSecurity → JwtMinter →
 * JwtAuthenticator with the JWKS prepareSecurity wrote for the server.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JwtAuthenticator } from '../../reference-server/auth/jwt-authenticator.ts';
import { loadKeySetFile } from '../../reference-server/auth/key-set.ts';
import { RunError, RunErrorCode } from '../runner/errors.ts';
import { parseScenario } from '../scenario/load.ts';
import type { TemplateContext } from '../scenario/templates.ts';
import { JwtMinter } from './jwt-minter.ts';
import { prepareSecurity, type PreparedSecurity } from './prepare.ts';
import { hasOpenssl } from '../../fixtures/tls/make-certs.ts';

const DIR = mkdtempSync(join(tmpdir(), 'nmt-security-test-'));
const prepared: PreparedSecurity[] = [];
afterEach(() => {
  for (const p of prepared.splice(0)) p.dispose();
});
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const scenario = (head: string): ReturnType<typeof parseScenario> =>
  parseScenario(`name: t\n${head}\nflow: [ping]\nphases:\n  - { executor: constant-vus, vus: 1, duration: 1s }\n`, join(DIR, 's.yaml'));

const prepare = (head: string): PreparedSecurity => {
  const p = prepareSecurity(scenario(head));
  prepared.push(p);
  return p;
};

const vu = (vuId: number): TemplateContext => ({ vuId, iteration: 0, vars: {}, feederRow: () => undefined, sent: null, counters: new Map(), nowMicros: () => 0 });

function flag(p: PreparedSecurity, name: string): string {
  const i = p.serverFlags.indexOf(name);
  expect(i, `${name} in ${p.serverFlags.join(' ')}`).toBeGreaterThanOrEqual(0);
  return p.serverFlags[i + 1]!;
}

async function serverVerifier(p: PreparedSecurity): Promise<JwtAuthenticator> {
  return new JwtAuthenticator({ keys: await loadKeySetFile(flag(p, '--jwt-keys')), issuer: flag(p, '--jwt-issuer'), audience: flag(p, '--jwt-audience') });
}

writeFileSync(join(DIR, 'ed.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));

describe('per-VU tokens against the TestServer verifier', () => {
  it.each([
    ['generated EdDSA', 'auth: {}', 'EdDSA'],
    ['generated ES256', 'auth: { alg: ES256 }', 'ES256'],
    ['generated HS256', 'auth: { alg: HS256 }', 'HS256'],
    ['HS256 secret', 'auth: { secret: "0123456789abcdef0123456789abcdef!", kid: k2 }', 'HS256'],
    ['PEM key file', 'auth: { keyFile: ed.pem, issuer: studio, audience: game-eu, role: admin }', 'EdDSA'],
  ])('%s: the server accepts it, with sub and role', async (_name, head, alg) => {
    const p = prepare(head);
    expect(p.client.auth?.alg).toBe(alg);
    expect(flag(p, '--auth')).toBe('jwt');
    const minter = new JwtMinter(p.client.auth!);
    const verdict = await (await serverVerifier(p)).verify(minter.tokenFor(vu(7)));
    expect(verdict).toMatchObject({ ok: true, identity: { sub: 'vu-7', kid: p.client.auth!.kid }, role: p.client.auth!.role });
  });

  it('reads an HS256 secret from the environment, and says which variable is missing', async () => {
    process.env.NMT_TEST_JWT_SECRET = 'env-secret-env-secret-env-secret-!!';
    try {
      const p = prepare('auth: { secretEnv: NMT_TEST_JWT_SECRET }');
      expect((await (await serverVerifier(p)).verify(new JwtMinter(p.client.auth!).mint('x'))).ok).toBe(true);
    } finally {
      delete process.env.NMT_TEST_JWT_SECRET;
    }
    const err = (() => {
      try {
        prepare('auth: { secretEnv: NMT_TEST_JWT_SECRET }');
      } catch (e) {
        return e as RunError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(RunError);
    expect(err?.code).toBe(RunErrorCode.AUTH_KEY);
    expect(err?.message).toMatch(/NMT_TEST_JWT_SECRET is not set/);
  });

  it('a token signed with another key, or expired, is refused by the server', async () => {
    const p = prepare('auth: {}');
    const other = prepare('auth: {}');
    const server = await serverVerifier(p);
    expect(await server.verify(new JwtMinter(other.client.auth!).mint('vu-1'))).toMatchObject({ ok: false, reason: 'bad_signature' });
    const old = new JwtMinter(p.client.auth!).mint('vu-1', Date.now() - 2 * 3600_000);
    expect(await server.verify(old)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('keeps a VU token until a quarter of its lifetime is left, then mints a new one', () => {
    const p = prepare('auth: { ttl: 100s, subject: "player-{{ vu.id }}" }');
    const minter = new JwtMinter(p.client.auth!);
    const t0 = 1_800_000_000_000;
    const first = minter.tokenFor(vu(1), t0);
    expect(minter.tokenFor(vu(1), t0 + 74_000)).toBe(first);
    expect(minter.tokenFor(vu(2), t0)).not.toBe(first);
    expect(minter.minted).toBe(2);
    const renewed = minter.tokenFor(vu(1), t0 + 75_000);
    expect(renewed).not.toBe(first);
    const claims = JSON.parse(Buffer.from(renewed.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'player-1', iat: (t0 + 75_000) / 1000, exp: (t0 + 75_000) / 1000 + 100 });
  });

  it('hands a target nothing but the client side: no server flags', () => {
    const p = prepare('target: 127.0.0.1:7000\nauth: { secret: "0123456789abcdef0123456789abcdef!" }');
    expect(p.serverFlags).toEqual([]);
    expect(p.client.auth?.alg).toBe('HS256');
  });
});

describe.runIf(hasOpenssl())('TLS material for the embedded server', () => {
  it('makes a throw-away CA and server certificate, trusted by the workers, deleted by dispose', () => {
    const p = prepare('transport: wss\nws: { path: /game }');
    expect(flag(p, '--transport')).toBe('wss');
    expect(flag(p, '--ws-path')).toBe('/game');
    const cert = flag(p, '--tls-cert');
    expect(existsSync(cert)).toBe(true);
    expect(p.client.tls).toMatchObject({ rejectUnauthorized: true, servername: 'localhost', minVersion: 'TLSv1.3' });
    expect(p.client.tls?.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    p.dispose();
    expect(existsSync(cert)).toBe(false);
  });

  it('does not verify with tls.insecure, and says so', () => {
    const p = prepare('target: 127.0.0.1:7000\ntransport: tls\ntls: { insecure: true }');
    expect(p.client.tls).toEqual({ rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    expect(p.notes.join('\n')).toMatch(/not verified/);
    expect(p.serverFlags).toEqual([]);
  });
});
