import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuthConfigError, AuthErrorCode } from './errors.ts';
import { MIN_HMAC_SECRET_BYTES, loadKeySet, loadKeySetFile, publicJwks } from './key-set.ts';

const secret = (bytes = 32): string => Buffer.alloc(bytes, 7).toString('base64url');

let ed: JWK;
let ec: JWK;
let edPrivate: JWK;

beforeAll(async () => {
  const e = await generateKeyPair('EdDSA', { extractable: true });
  edPrivate = await exportJWK(e.privateKey);
  ed = await exportJWK(e.publicKey);
  ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
});

async function issues(jwks: unknown): Promise<readonly string[]> {
  try {
    await loadKeySet(jwks, 'test keys');
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigError);
    expect((err as AuthConfigError).code).toBe(AuthErrorCode.KEYS_INVALID);
    return (err as AuthConfigError).issues;
  }
  throw new Error('expected the key set to be refused');
}

describe('loadKeySet', () => {
  it('imports HS256, EdDSA and ES256 keys by kid, implying alg from kty/crv', async () => {
    const set = await loadKeySet({
      keys: [
        { kty: 'oct', kid: 'h1', k: secret() },
        { ...ed, kid: 'e1' },
        { ...ec, kid: 'p1', alg: 'ES256', use: 'sig' },
      ],
    });
    expect(set.size).toBe(3);
    expect(set.kids()).toEqual(['h1', 'e1', 'p1']);
    expect(set.get('h1')?.alg).toBe('HS256');
    expect(set.get('e1')?.alg).toBe('EdDSA');
    expect(set.get('p1')?.alg).toBe('ES256');
    expect(set.get('nope')).toBeUndefined();
  });

  it.each([
    ['not an object', [1, 2], 'must be a JSON object {"keys": [ ... ]} (a JWKS, RFC 7517)'],
    ['no keys array', { key: [] }, 'must be a JSON object {"keys": [ ... ]} (a JWKS, RFC 7517)'],
    ['an empty set', { keys: [] }, '"keys" is empty; add at least one key'],
    ['a key that is not an object', { keys: ['x'] }, 'keys[0]: must be an object (a JWK)'],
  ])('refuses %s', async (_name, jwks, issue) => {
    expect(await issues(jwks)).toContain(issue);
  });

  it.each([
    ['a missing kid', () => ({ kty: 'oct', k: secret() }), 'needs a "kid"'],
    ['RSA', () => ({ kty: 'RSA', kid: 'r', n: 'AQAB', e: 'AQAB' }), 'kty "RSA" is not supported'],
    ['HS256 declared on an EC key (alg confusion)', () => ({ ...ec, kid: 'c', alg: 'HS256' }), 'alg "HS256" does not fit a EC key; it must be ES256'],
    ['ES256 declared on a secret', () => ({ kty: 'oct', kid: 'c', k: secret(), alg: 'ES256' }), 'alg "ES256" does not fit a oct key'],
    ['alg none', () => ({ kty: 'oct', kid: 'n', k: secret(), alg: 'none' }), 'alg "none" does not fit'],
    ['a short HS256 secret', () => ({ kty: 'oct', kid: 's', k: secret(MIN_HMAC_SECRET_BYTES - 1) }), `the HS256 secret is ${MIN_HMAC_SECRET_BYTES - 1} bytes`],
    ['an Ed448 key', () => ({ ...ed, kid: 'x', crv: 'Ed448' }), 'OKP keys must have crv "Ed25519"'],
    ['a P-384 key', () => ({ ...ec, kid: 'x', crv: 'P-384' }), 'EC keys must have crv "P-256"'],
    ['a private EdDSA key', () => ({ ...edPrivate, kid: 'p' }), 'holds private key material (d); give the server the public key only'],
    ['use enc', () => ({ ...ed, kid: 'u', use: 'enc' }), 'use must be "sig"'],
    ['key_ops without verify', () => ({ ...ed, kid: 'o', key_ops: ['sign'] }), 'key_ops must include "verify"'],
    ['a broken public key', () => ({ ...ec, kid: 'b', x: 'AAAA' }), 'cannot be imported as ES256'],
  ])('refuses %s, naming the key', async (_name, make, fragment) => {
    const found = await issues({ keys: [make()] });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^keys\[0\]/);
    expect(found[0]).toContain(fragment);
  });

  it('refuses a duplicate kid and reports every bad key at once', async () => {
    const found = await issues({ keys: [{ kty: 'oct', kid: 'a', k: secret() }, { kty: 'oct', kid: 'a', k: secret() }, { kty: 'RSA', kid: 'b' }] });
    expect(found).toHaveLength(2);
    expect(found[0]).toContain('kid "a" appears twice');
    expect(found[1]).toContain('keys[2] (kid "b")');
  });
});

describe('loadKeySetFile', () => {
  it('reads a JWKS file', async () => {
    const set = await loadKeySetFile('k.json', () => JSON.stringify({ keys: [{ kty: 'oct', kid: 'h', k: secret() }] }));
    expect(set.kids()).toEqual(['h']);
  });

  it.each([
    ['unreadable', () => { throw Object.assign(new Error('no'), { code: 'ENOENT' }); }, 'cannot read it (ENOENT)'],
    ['not JSON', () => '{keys:', 'not valid JSON'],
  ])('names the file when %s', async (_name, read, fragment) => {
    await expect(loadKeySetFile('/etc/nmt/keys.json', read)).rejects.toSatisfy((err: unknown) => {
      const e = err as AuthConfigError;
      return e.code === AuthErrorCode.KEYS_INVALID && e.message.includes('/etc/nmt/keys.json') && e.issues[0]!.includes(fragment);
    });
  });
});

describe('publicJwks', () => {
  it('strips private members of asymmetric keys and keeps shared secrets', () => {
    const out = publicJwks({ keys: [{ ...edPrivate, kid: 'e' }, { kty: 'oct', kid: 'h', k: 'abc' }] });
    expect(out.keys[0]).not.toHaveProperty('d');
    expect(out.keys[0]).toMatchObject({ kid: 'e', x: edPrivate.x });
    expect(out.keys[1]).toEqual({ kty: 'oct', kid: 'h', k: 'abc' });
  });
});
