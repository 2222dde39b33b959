import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseClientArgs } from './cli-args.ts';
import { loadCliSecurity } from './cli-security.ts';
import { UsageError } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-cli-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const pkcs8 = (key: { export(o: { type: 'pkcs8'; format: 'pem' }): string | Buffer }): string =>
  key.export({ type: 'pkcs8', format: 'pem' }) as string;
const edPem = file('ed.pem', pkcs8(generateKeyPairSync('ed25519').privateKey));
const rsaPem = file('rsa.pem', pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey));
const p384Pem = file('p384.pem', pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey));
const octJwk = file('oct.json', JSON.stringify({ kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url'), kid: 'hs-file' }));
const junk = file('junk.pem', 'not a key');
const JWT = ['--jwt-issuer', 'iss', '--jwt-audience', 'aud'];

function issuesOf(argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    loadCliSecurity(parseClientArgs(argv), env);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).issues;
  }
  throw new Error('expected a usage error');
}

/** The JWT's header and claims. */
function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, c] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(c!, 'base64url').toString()) };
}

describe('loadCliSecurity', () => {
  it('plain tcp: no tls, the literal --token for every connection', () => {
    const s = loadCliSecurity(parseClientArgs(['--token', 'abc']));
    expect(s.dial).toEqual({ transport: 'tcp' });
    expect([s.tokenFor(0), s.tokenFor(5)]).toEqual(['abc', 'abc']);
  });

  it('tls flags become connect tls options (files read, --insecure turns verification off)', () => {
    const ca = file('ca.pem', 'CA PEM');
    const s = loadCliSecurity(parseClientArgs(['--transport', 'wss', '--ca', ca, '--server-name', 'x.test', '--insecure', '--ws-path', '/g']));
    expect(s.dial).toEqual({ transport: 'wss', wsPath: '/g', tls: { rejectUnauthorized: false, ca: 'CA PEM', servername: 'x.test' } });
  });

  it('signs EdDSA tokens with sub client-<n>, role, iss, aud and the ttl', () => {
    const s = loadCliSecurity(parseClientArgs(['--jwt-key', edPem, '--jwt-kid', 'ed-1', '--jwt-role', 'admin', '--jwt-ttl', '60', ...JWT]));
    const { header, claims } = decode(s.tokenFor(2));
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'ed-1' });
    expect(claims).toMatchObject({ iss: 'iss', aud: 'aud', sub: 'client-3', role: 'admin' });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(60);
  });

  it("an oct JWK signs HS256 with the file's kid; --jwt-kid overrides it", () => {
    expect(decode(loadCliSecurity(parseClientArgs(['--jwt-key', octJwk, ...JWT])).tokenFor(0)).header).toMatchObject({ alg: 'HS256', kid: 'hs-file' });
    const s = loadCliSecurity(parseClientArgs(['--jwt-key', octJwk, '--jwt-kid', 'other', ...JWT]));
    expect(decode(s.tokenFor(0)).header['kid']).toBe('other');
  });

  it.each<[string, string[], NodeJS.ProcessEnv, string]>([
    ['an RSA key', ['--jwt-key', rsaPem, '--jwt-kid', 'k'], {}, `--jwt-key: ${rsaPem} is a rsa key; use Ed25519 (EdDSA), P-256 (ES256) or an HS256 secret`],
    ['a P-384 key', ['--jwt-key', p384Pem, '--jwt-kid', 'k'], {}, `--jwt-key: ${p384Pem} is a ec secp384r1 key; use Ed25519 (EdDSA), P-256 (ES256) or an HS256 secret`],
    ['a PEM key without --jwt-kid', ['--jwt-key', edPem], {}, 'signing a JWT needs --jwt-kid'],
    ['an unset variable', ['--jwt-secret-env', 'NOPE', '--jwt-kid', 'k'], {}, 'the environment variable NOPE is not set'],
    ['a short secret', ['--jwt-secret-env', 'S', '--jwt-kid', 'k'], { S: 'short' }, 'S holds 5 bytes; an HS256 secret must be at least 32'],
    ['text that is no key', ['--jwt-key', junk, '--jwt-kid', 'k'], {}, `--jwt-key: ${junk} is not a usable private key`],
  ])('%s is a usage error', (_name, argv, env, issue) => {
    const issues = issuesOf([...argv, ...JWT], env);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(issue);
  });
});
