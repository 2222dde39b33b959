import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from './errors.ts';
import { parseScenario } from './load.ts';

const DIR = mkdtempSync(join(tmpdir(), 'nmt-security-scenario-'));
const SOURCE = join(DIR, 'inline.yaml');
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  writeFileSync(join(DIR, name), text);
  return name;
};
const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ED_PEM = file('ed.pem', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const EC_JWK = file('ec.jwk', JSON.stringify(ec.privateKey.export({ format: 'jwk' })));
const PUB_PEM = file('pub.pem', ed.publicKey.export({ type: 'spki', format: 'pem' }) as string);
const PUB_JWK = file('pub.jwk', JSON.stringify(ed.publicKey.export({ format: 'jwk' })));
const RSA_PEM = file('rsa.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
const SECRET = 'a-secret-of-at-least-thirty-two-bytes!';

const scenario = (head: string, overrides = {}): ReturnType<typeof parseScenario> =>
  parseScenario(`name: t\n${head}\nflow: [ping]\nphases:\n  - { executor: constant-vus, vus: 1, duration: 1s }\n`, SOURCE, overrides);

function messages(head: string, overrides = {}): string[] {
  try {
    scenario(head, overrides);
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected the scenario to be invalid');
}

describe('transport, tls and ws blocks', () => {
  it('defaults to plain TCP with no TLS, the root WebSocket path and no auth', () => {
    const s = scenario('');
    expect({ transport: s.transport, tls: s.tls, wsPath: s.wsPath, auth: s.auth }).toEqual({ transport: 'tcp', tls: null, wsPath: '/', auth: null });
  });

  it('gives tls and wss verified TLS 1.3 by default, and resolves files against the scenario', () => {
    const s = scenario(`target: 127.0.0.1:7000\ntransport: wss\ntls: { ca: ${CA}, serverName: game.example }\nws: { path: /game }`);
    expect(s.tls).toEqual({ ca: join(DIR, CA), cert: null, key: null, serverName: 'game.example', insecure: false, minVersion: 'TLSv1.3' });
    expect(s.wsPath).toBe('/game');
    expect(scenario(`transport: tls\ntls: { minVersion: '1.2' }`).tls?.minVersion).toBe('TLSv1.2');
  });

  it.each([
    ['transport: quic', /transport: 'quic' must be tcp, tls, ws or wss/],
    ['tls: { insecure: true }', /tls: applies only to transport tls or wss \(this scenario's transport is tcp\)/],
    ['transport: tls\nws: { path: /x }', /ws: applies only to transport ws or wss/],
    ['transport: ws\nws: { path: game }', /ws\.path: path 'game' must start with \//],
    [`target: 127.0.0.1:7000\ntransport: tls\ntls: { cert: ${CA} }`, /tls\.cert: a client certificate needs both tls\.cert and tls\.key/],
    [`target: 127.0.0.1:7000\ntransport: tls\ntls: { ca: ${CA}, insecure: true }`, /tls\.insecure: tls\.insecure skips the check tls\.ca is for/],
    ['target: 127.0.0.1:7000\ntransport: tls\ntls: { ca: missing.pem }', /tls\.ca: file 'missing\.pem' does not exist/],
    [`transport: tls\ntls: { ca: ${CA} }`, /tls: the embedded TestServer uses a throw-away CA/],
    ["transport: tls\ntls: { minVersion: 1.2 }", /tls\.minVersion: 1\.2 must be '1\.3' or '1\.2' \(quoted/],
    ['transport: tls\nserver: { options: { tlsCert: x.pem } }', /server\.options\.tlsCert: is set by the harness/],
  ])('rejects %j', (head, expected) => {
    expect(messages(head).join('\n')).toMatch(expected);
  });

  it('--transport replaces the transport and drops blocks the new one does not use', () => {
    const s = scenario('transport: wss\ntls: { insecure: true }\nws: { path: /g }', { transport: 'tcp' });
    expect({ transport: s.transport, tls: s.tls, wsPath: s.wsPath }).toEqual({ transport: 'tcp', tls: null, wsPath: '/' });
    expect(scenario('', { transport: 'tls' }).tls?.insecure).toBe(false);
  });
});

describe('auth block', () => {
  it('generates an EdDSA key by default, with the documented claims', () => {
    expect(scenario('auth: {}').auth).toEqual({
      kid: 'nmt-bench',
      alg: 'EdDSA',
      key: { kind: 'generate' },
      issuer: 'nmt-harness',
      audience: 'nmt-test-server',
      role: 'user',
      ttlMs: 3_600_000,
      subject: 'vu-{{ vu.id }}',
    });
  });

  it('takes the algorithm from the key: secrets are HS256, key files by their curve', () => {
    expect(scenario(`auth: { secret: "${SECRET}" }`).auth?.alg).toBe('HS256');
    expect(scenario('auth: { secretEnv: NMT_TEST_SECRET }').auth?.key).toEqual({ kind: 'env', variable: 'NMT_TEST_SECRET' });
    expect(scenario(`auth: { keyFile: ${ED_PEM} }`).auth?.alg).toBe('EdDSA');
    expect(scenario(`auth: { keyFile: ${EC_JWK}, ttl: 5m, role: admin, subject: "p-{{ vu.id }}" }`).auth).toMatchObject({
      alg: 'ES256',
      key: { kind: 'file', file: join(DIR, EC_JWK) },
      ttlMs: 300_000,
      role: 'admin',
      subject: 'p-{{ vu.id }}',
    });
  });

  it.each([
    ['auth: { secret: short }', /auth\.secret: an HS256 secret must be at least 32 bytes/],
    [`auth: { secret: "${SECRET}", keyFile: ${ED_PEM} }`, /give one key source, not secret and keyFile/],
    [`auth: { keyFile: ${ED_PEM}, alg: ES256 }`, /auth\.alg: the key is for EdDSA, not ES256/],
    [`auth: { keyFile: ${PUB_PEM} }`, /is a public key; the harness signs tokens/],
    [`auth: { keyFile: ${PUB_JWK} }`, /is a public JWK/],
    [`auth: { keyFile: ${RSA_PEM} }`, /holds a rsa key; use Ed25519/],
    [`auth: { keyFile: ${CA} }`, /is not a usable private key/],
    ['auth: { keyFile: nope.pem }', /auth\.keyFile: file 'nope\.pem' does not exist/],
    ['target: 127.0.0.1:7000\nauth: {}', /auth: needs secret, secretEnv or keyFile/],
    ['auth: {}\nconnect: { token: abc }', /connect\.token: auth mints the token/],
    ['auth: { role: Admin }', /auth\.role: role 'Admin' must be 1–32 of a-z/],
    ['auth: { subject: "{{ nope }}" }', /auth\.subject/],
  ])('rejects %j', (head, expected) => {
    expect(messages(head).join('\n')).toMatch(expected);
  });

  it('rejects a generated key when --target points the run at a server the harness did not start', () => {
    expect(messages('auth: {}', { target: '127.0.0.1:7000' }).join('\n')).toMatch(/with --target, auth needs secret, secretEnv or keyFile/);
  });
});
