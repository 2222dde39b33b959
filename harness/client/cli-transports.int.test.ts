/**
 * The client CLI against the real TestServer (in-process, loopback, port 0)
 * over TLS and WebSocket, and with JWTs it signs itself: tokens from a PEM
 * key, a JWK file and an HS256 secret are accepted with sub client-<n>; a
 * token from the wrong key is AUTH_FAILED; a rogue CA and a wrong path are
 * reported with their codes; the CLI as a child process over tls with --ca.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOpenssl } from '../../fixtures/tls/make-certs.ts';
import { ConnectResult } from '../../protocol/index.ts';
import { loadKeySet, type JwtIdentity } from '../../reference-server/auth/index.ts';
import { startQuietServer } from '../../reference-server/testing/server-fixture.ts';
import type { RunningTestServer } from '../../reference-server/test-server/app.ts';
import { type ClientCliResult, ExitCode } from './cli-run.ts';
import { runChild, runInProcess, type SecureServers, startSecureServers } from './cli-test-support.ts';
import { ClientErrorCode, HandshakeRejectedError } from './errors.ts';
import { TestClient } from './test-client.ts';
import { JwtMinter } from '../security/jwt-minter.ts';

describe('client CLI with JWTs it signs (--jwt-key, --jwt-secret-env)', () => {
  const issuer = 'https://id.nmt.test';
  const audience = 'nmt-test-server';
  const dir = mkdtempSync(join(tmpdir(), 'nmt-client-jwt-'));
  const identities: JwtIdentity[] = [];
  const secret = randomBytes(32).toString('hex'); // 64 ASCII bytes
  const ed = generateKeyPairSync('ed25519');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const edPem = join(dir, 'ed.pem');
  const ecJwk = join(dir, 'ec.jwk.json');
  const otherPem = join(dir, 'other.pem');
  let server: RunningTestServer;
  const jwtFlags = (...more: string[]): string[] => ['--jwt-issuer', issuer, '--jwt-audience', audience, ...more];

  beforeAll(async () => {
    writeFileSync(edPem, ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    writeFileSync(ecJwk, JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: 'ec-cli' }));
    writeFileSync(otherPem, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const keys = await loadKeySet({
      keys: [
        { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed-cli', alg: 'EdDSA' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-cli', alg: 'ES256' },
        { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'hs-cli', alg: 'HS256' },
      ],
    });
    server = await startQuietServer({
      jwt: { keys, issuer, audience },
      hooks: { onConnected: (s) => identities.push(s.attachment as JwtIdentity) },
    });
  });
  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('an Ed25519 PEM key: one token per connection, sub client-<n>, the role given', async () => {
    identities.length = 0;
    const { code, out, err } = await runInProcess([
      '--port', String(server.port), '--connections', '2', '--count', '20', '--json', '--quiet',
      '--jwt-key', edPem, '--jwt-kid', 'ed-cli', ...jwtFlags('--jwt-role', 'admin'),
    ]);
    expect(err).toEqual([]);
    expect(code).toBe(ExitCode.Ok);
    expect((JSON.parse(out[0]!) as ClientCliResult).count).toBe(20);
    expect(identities.map((i) => [i.sub, i.role, i.kid]).sort()).toEqual([
      ['client-1', 'admin', 'ed-cli'],
      ['client-2', 'admin', 'ed-cli'],
    ]);
  });

  it('a P-256 JWK file uses its own kid', async () => {
    identities.length = 0;
    const { code, err } = await runInProcess(['--port', String(server.port), '--count', '5', '--quiet', '--jwt-key', ecJwk, ...jwtFlags()]);
    expect(err).toEqual([]);
    expect(code).toBe(ExitCode.Ok);
    expect(identities).toMatchObject([{ sub: 'client-1', role: 'user', kid: 'ec-cli' }]);
  });

  it('an HS256 secret from the environment', async () => {
    process.env['NMT_TEST_CLI_SECRET'] = secret;
    try {
      const { code, err } = await runInProcess([
        '--port', String(server.port), '--count', '5', '--quiet',
        '--jwt-secret-env', 'NMT_TEST_CLI_SECRET', '--jwt-kid', 'hs-cli', ...jwtFlags(),
      ]);
      expect(err).toEqual([]);
      expect(code).toBe(ExitCode.Ok);
    } finally {
      delete process.env['NMT_TEST_CLI_SECRET'];
    }
  });

  it('a token signed with the wrong key: exit 1, HANDSHAKE_REJECTED AuthFailed', async () => {
    const { code, err } = await runInProcess([
      '--port', String(server.port), '--count', '5', '--quiet', '--jwt-key', otherPem, '--jwt-kid', 'ed-cli', ...jwtFlags(),
    ]);
    expect(code).toBe(ExitCode.Failed);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(`(${ClientErrorCode.HANDSHAKE_REJECTED})`);
    expect(err[0]).toContain('AuthFailed');
  });

  it('the library sees the same rejection as a HandshakeRejectedError with result AuthFailed', async () => {
    const minter = new JwtMinter({
      alg: 'EdDSA', kid: 'ed-cli', key: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      issuer, audience, role: 'user', ttlSec: 60, subject: 'x',
    });
    const client = new TestClient();
    try {
      await client.connect({ host: '127.0.0.1', port: server.port });
      const err = await client.handshake({ token: minter.mint('client-x') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HandshakeRejectedError);
      expect((err as HandshakeRejectedError).code).toBe(ClientErrorCode.HANDSHAKE_REJECTED);
      expect((err as HandshakeRejectedError).result).toBe(ConnectResult.AuthFailed);
    } finally {
      await client.close();
    }
  });

  it('unreadable files are usage errors, all listed (exit 2)', async () => {
    const { code, err } = await runInProcess([
      '--port', String(server.port), '--transport', 'tls', '--ca', join(dir, 'missing-ca.pem'),
      '--jwt-key', join(dir, 'missing.pem'), '--jwt-kid', 'k', ...jwtFlags(),
    ]);
    expect(code).toBe(ExitCode.Usage);
    expect(err.filter((l) => l.startsWith('error: --ca: cannot read'))).toHaveLength(1);
    expect(err.filter((l) => l.startsWith('error: --jwt-key: cannot read'))).toHaveLength(1);
  });
});

describe.runIf(hasOpenssl())('client CLI over tls and wss', () => {
  let secure: SecureServers;
  let certs: SecureServers['certs'];
  let tls: RunningTestServer;
  let wss: RunningTestServer;

  beforeAll(async () => {
    secure = await startSecureServers();
    ({ certs, tls, wss } = secure);
  });
  afterAll(() => secure.stop());

  it('tls with --ca: the JSON result names the transport and the handshake times', async () => {
    const { code, out, err } = await runInProcess([
      '--port', String(tls.port), '--transport', 'tls', '--ca', certs.caCert, '--connections', '3', '--count', '30', '--json', '--quiet',
    ]);
    expect(err).toEqual([]);
    expect(code).toBe(ExitCode.Ok);
    const result = JSON.parse(out[0]!) as ClientCliResult;
    expect(result).toMatchObject({ transport: 'tls', count: 30, connections: 3 });
    const t = result.tlsHandshakeMs!;
    expect(t.min).toBeGreaterThan(0);
    expect(t.max).toBeGreaterThanOrEqual(t.mean);
    expect(t.mean).toBeGreaterThanOrEqual(t.min);
  });

  it('wss with --ca and --ws-path, by host name localhost', async () => {
    const { code, out } = await runInProcess([
      '--host', 'localhost', '--port', String(wss.port), '--transport', 'wss', '--ca', certs.caCert, '--ws-path', '/game',
      '--count', '10', '--json', '--quiet',
    ]);
    expect(code).toBe(ExitCode.Ok);
    expect(JSON.parse(out[0]!)).toMatchObject({ transport: 'wss', count: 10, tlsHandshakeMs: { min: expect.any(Number) } });
  });

  it.each<[string, string[], string, string]>([
    ['a rogue CA', ['--transport', 'tls', '--ca'], ClientErrorCode.TLS_FAILED, '--ca'],
    ['a wrong name', ['--transport', 'tls', '--server-name', 'db.example.test', '--ca'], ClientErrorCode.TLS_FAILED, '--server-name'],
  ])('%s: exit 1 with the code and what to check', async (name, flags, code, hint) => {
    const ca = name === 'a rogue CA' ? certs.rogueCaCert : certs.caCert;
    const r = await runInProcess(['--port', String(tls.port), ...flags, ca, '--count', '1', '--quiet']);
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.err[0]).toContain(`(${code})`);
    expect(r.err[0]).toContain(hint);
  });

  it('a wrong --ws-path: exit 1, NMT_CLIENT_WS_UPGRADE_FAILED naming the path', async () => {
    const r = await runInProcess([
      '--port', String(wss.port), '--transport', 'wss', '--ca', certs.caCert, '--ws-path', '/other', '--count', '1', '--quiet',
    ]);
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.err[0]).toContain(`(${ClientErrorCode.WS_UPGRADE_FAILED})`);
    expect(r.err[0]).toContain("'/other'");
  });

  it('end to end as a child process: tls with --ca prints the transport and the handshake line', async () => {
    const { code, stdout, stderr } = await runChild([
      '--port', String(tls.port), '--transport', 'tls', '--ca', certs.caCert, '--count', '20', '--quiet',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^20/20 pings to 127\\.0\\.0\\.1:${tls.port} \\(tls\\) over 1 connection \\(in-flight 1\\) in \\d+\\.\\d{3} s$`));
    expect(lines[3]).toMatch(/^tls handshake ms: min [\d.]+ {2}mean [\d.]+ {2}max [\d.]+$/);
  }, 60_000);
});
