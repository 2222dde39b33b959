import { SignJWT, UnsecuredJWT, base64url, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectResult } from '../../protocol/index.ts';
import { AuthConfigError, AuthErrorCode } from './errors.ts';
import { AuthFailure, JwtAuthenticator, type JwtAuthOptions, type JwtVerdict } from './jwt-authenticator.ts';
import { loadKeySet, type KeySet } from './key-set.ts';

const NOW_S = 1_700_000_000;
const ISS = 'https://id.nmt.test';
const AUD = 'nmt-game';
const SECRET = new Uint8Array(32).fill(9);
const OTHER_SECRET = new Uint8Array(32).fill(8);

let keys: KeySet;
let edPrivate: CryptoKey;
let ecPrivate: CryptoKey;
let edPublicX: string;

beforeAll(async () => {
  const ed = await generateKeyPair('EdDSA', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  edPrivate = ed.privateKey;
  ecPrivate = ec.privateKey;
  const edJwk = await exportJWK(ed.publicKey);
  edPublicX = edJwk.x!;
  keys = await loadKeySet({
    keys: [
      { kty: 'oct', kid: 'hs-1', k: base64url.encode(SECRET) },
      { ...edJwk, kid: 'ed-1' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' },
    ],
  });
});

function auth(options: Partial<JwtAuthOptions> = {}): JwtAuthenticator {
  return new JwtAuthenticator({ keys, issuer: ISS, audience: AUD, now: () => NOW_S * 1000, ...options });
}

interface MintOptions {
  alg?: string;
  kid?: string | null;
  key?: CryptoKey | Uint8Array;
  claims?: JWTPayload;
  omit?: string[];
}

/** A token valid at NOW_S unless the options break it. */
async function mint(o: MintOptions = {}): Promise<string> {
  const alg = o.alg ?? 'HS256';
  const claims: JWTPayload = { iss: ISS, aud: AUD, sub: 'player-1', iat: NOW_S - 10, exp: NOW_S + 600, ...o.claims };
  for (const k of o.omit ?? []) delete claims[k];
  const header = o.kid === null ? { alg } : { alg, kid: o.kid ?? (alg === 'HS256' ? 'hs-1' : alg === 'EdDSA' ? 'ed-1' : 'ec-1') };
  const key = o.key ?? (alg === 'HS256' ? SECRET : alg === 'EdDSA' ? edPrivate : ecPrivate);
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

async function failure(verdict: JwtVerdict | Promise<JwtVerdict>): Promise<{ reason: string; text: string; result: number }> {
  const v = await verdict;
  if (v.ok) throw new Error('expected the token to be refused');
  return v;
}

describe('JwtAuthenticator: accepted tokens', () => {
  it.each(['HS256', 'EdDSA', 'ES256'])('%s with the right kid, iss, aud and times', async (alg) => {
    const a = auth();
    const v = await a.verify(await mint({ alg, claims: { role: 'admin' } }));
    expect(v).toMatchObject({ ok: true, role: 'admin', identity: { sub: 'player-1', role: 'admin', exp: NOW_S + 600 } });
    expect(a.accepted).toBe(1);
    expect(a.pending).toBe(0);
  });

  it('gives the default role when the token has none', async () => {
    expect(await auth().verify(await mint())).toMatchObject({ ok: true, role: 'user' });
  });

  it('accepts an expired token within the clock tolerance, and one of several audiences/issuers', async () => {
    const token = await mint({ claims: { exp: NOW_S - 20, aud: ['other', 'admin-api'], iss: 'legacy' } });
    expect((await auth({ clockToleranceSeconds: 30, audience: ['nmt-game', 'admin-api'], issuer: [ISS, 'legacy'] }).verify(token)).ok).toBe(true);
  });

  it('uses a configurable role claim', async () => {
    expect(await auth({ roleClaim: 'nmt_role' }).verify(await mint({ claims: { nmt_role: 'admin' } }))).toMatchObject({ ok: true, role: 'admin' });
  });
});

describe('JwtAuthenticator: refused tokens (every one is AUTH_FAILED with a counted reason)', () => {
  const header = (h: object): string => base64url.encode(JSON.stringify(h));
  it.each<[string, () => Promise<string> | string, AuthFailure]>([
    ['an empty token', () => '', AuthFailure.MissingToken],
    ['a token over maxTokenBytes', () => 'x'.repeat(9000), AuthFailure.TooLarge],
    ['garbage', () => 'not-a-jwt', AuthFailure.Malformed],
    ['three parts of garbage', () => 'a.b.c', AuthFailure.Malformed],
    ['alg none (unsecured)', () => new UnsecuredJWT({ iss: ISS, aud: AUD, sub: 'x', exp: NOW_S + 60 }).encode(), AuthFailure.AlgNotAllowed],
    ['alg RS256', () => `${header({ alg: 'RS256', kid: 'hs-1' })}.${base64url.encode('{}')}.sig`, AuthFailure.AlgNotAllowed],
    ['no kid', () => mint({ kid: null }), AuthFailure.UnknownKid],
    ['an unknown kid', () => mint({ kid: 'hs-old' }), AuthFailure.UnknownKid],
    ['HS256 over the EdDSA kid, keyed with its public key (alg confusion)', () => mint({ alg: 'HS256', kid: 'ed-1', key: base64url.decode(edPublicX) }), AuthFailure.AlgMismatch],
    ['ES256 header naming the HS256 kid', () => mint({ alg: 'ES256', kid: 'hs-1' }), AuthFailure.AlgMismatch],
    ['a signature by another secret', () => mint({ key: OTHER_SECRET }), AuthFailure.BadSignature],
    ['a tampered payload', async () => {
      const [h, , s] = (await mint()).split('.');
      return `${h}.${base64url.encode(JSON.stringify({ iss: ISS, aud: AUD, sub: 'admin', role: 'admin', exp: NOW_S + 60 }))}.${s}`;
    }, AuthFailure.BadSignature],
    ['an expired token', () => mint({ claims: { exp: NOW_S - 31 } }), AuthFailure.Expired],
    ['a token not valid yet', () => mint({ claims: { nbf: NOW_S + 31 } }), AuthFailure.NotYetValid],
    ['a token issued in the future', () => mint({ claims: { iat: NOW_S + 31 } }), AuthFailure.IssuedInFuture],
    ['another issuer', () => mint({ claims: { iss: 'https://evil.test' } }), AuthFailure.Issuer],
    ['another audience', () => mint({ claims: { aud: 'other-service' } }), AuthFailure.Audience],
    ['no exp', () => mint({ omit: ['exp'] }), AuthFailure.Claims],
    ['no sub', () => mint({ omit: ['sub'] }), AuthFailure.Claims],
    ['a role that is not a role name', () => mint({ claims: { role: 'Admin; DROP' } }), AuthFailure.Claims],
    ['a role that is not a string', () => mint({ claims: { role: ['admin'] } }), AuthFailure.Claims],
  ])('%s → %s', async (_name, make, reason) => {
    const a = auth();
    const f = await failure(a.verify(await make()));
    expect(f.reason).toBe(reason);
    expect(f.result).toBe(ConnectResult.AuthFailed);
    expect(f.text.length).toBeGreaterThan(0);
    expect(f.text.length).toBeLessThanOrEqual(200);
    expect(a.failuresFor(reason)).toBe(1);
    expect(a.accepted).toBe(0);
    expect(a.pending).toBe(0);
  });

  it('never echoes the token in the refusal text', async () => {
    const token = await mint({ key: OTHER_SECRET });
    const f = await failure(auth().verify(token));
    expect(f.text).not.toContain(token.split('.')[1]!.slice(0, 10));
  });

  it('refuses tokens older than maxTokenAgeSeconds', async () => {
    const f = await failure(auth({ maxTokenAgeSeconds: 60 }).verify(await mint({ claims: { iat: NOW_S - 3600 } })));
    expect(f.reason).toBe(AuthFailure.Expired);
  });

  it('accepts a token without exp only when requireExp is off', async () => {
    expect((await auth({ requireExp: false }).verify(await mint({ omit: ['exp'] }))).ok).toBe(true);
  });
});

describe('JwtAuthenticator: bounds and rotation', () => {
  it('answers SERVER_FULL (overloaded) beyond maxPendingVerifications, without decoding', async () => {
    const a = auth({ maxPendingVerifications: 2 });
    const token = await mint();
    const first = a.verify(token);
    const second = a.verify(token);
    expect(a.pending).toBe(2);
    const third = await failure(a.verify('garbage-is-not-even-decoded'));
    expect(third).toMatchObject({ reason: AuthFailure.Overloaded, result: ConnectResult.ServerFull });
    expect(a.failuresFor(AuthFailure.Malformed)).toBe(0);
    expect((await first).ok && (await second).ok).toBe(true);
    expect(a.pending).toBe(0);
    expect((await a.verify(token)).ok).toBe(true);
  });

  it('rotates keys: a new kid works after setKeys, the removed one is then unknown', async () => {
    const a = auth();
    const newSecret = new Uint8Array(32).fill(3);
    const newToken = await mint({ kid: 'hs-2', key: newSecret });
    const oldToken = await mint();
    expect((await failure(a.verify(newToken))).reason).toBe(AuthFailure.UnknownKid);
    a.setKeys(await loadKeySet({ keys: [{ kty: 'oct', kid: 'hs-1', k: base64url.encode(SECRET) }, { kty: 'oct', kid: 'hs-2', k: base64url.encode(newSecret) }] }));
    expect((await a.verify(newToken)).ok).toBe(true);
    expect((await a.verify(oldToken)).ok).toBe(true);
    a.setKeys(await loadKeySet({ keys: [{ kty: 'oct', kid: 'hs-2', k: base64url.encode(newSecret) }] }));
    expect((await failure(a.verify(oldToken))).reason).toBe(AuthFailure.UnknownKid);
    expect(a.keys.kids()).toEqual(['hs-2']);
  });

  it('renders its counters as metric families with fixed labels', async () => {
    const a = auth();
    await a.verify(await mint());
    await a.verify('');
    const families = a.metrics();
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('nmt_auth_success_total')!.samples[0]!.value).toBe(1);
    const failures = byName.get('nmt_auth_failures_total')!.samples;
    expect(failures.find((s) => s.labels?.['reason'] === 'missing_token')!.value).toBe(1);
    expect(failures.map((s) => s.labels!['reason'])).toEqual(Object.values(AuthFailure));
    expect(byName.get('nmt_auth_keys')!.samples[0]!.value).toBe(3);
  });
});

describe('JwtAuthenticator: options', () => {
  it.each<[string, Partial<JwtAuthOptions>, string]>([
    ['no issuer', { issuer: '' }, 'issuer: required'],
    ['no audience', { audience: [] }, 'audience: required'],
    ['a negative tolerance', { clockToleranceSeconds: -1 }, 'clockToleranceSeconds: must be an integer in 0..3600'],
    ['zero pending', { maxPendingVerifications: 0 }, 'maxPendingVerifications'],
    ['a tiny token limit', { maxTokenBytes: 10 }, 'maxTokenBytes'],
    ['a bad default role', { defaultRole: 'Bad Role' }, 'defaultRole'],
  ])('refuses %s', (_name, options, fragment) => {
    try {
      auth(options);
    } catch (err) {
      expect(err).toBeInstanceOf(AuthConfigError);
      expect((err as AuthConfigError).code).toBe(AuthErrorCode.CONFIG_INVALID);
      expect((err as AuthConfigError).issues.some((i) => i.startsWith(fragment))).toBe(true);
      return;
    }
    throw new Error('expected AuthConfigError');
  });
});
