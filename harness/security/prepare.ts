/**
 * Coordinator side of `transport:`, `tls:`, `ws:` and `auth:`: turns the
 * scenario's blocks into what the workers dial and sign with
 * ({@link ClientSecurity}) and, when the harness starts the TestServer
 * itself, into that server's flags:
 *
 *   transport tls/wss, embedded  → throw-away CA + server certificate (openssl)
 *                                   in a private temp dir; the server gets
 *                                   --tls-cert/--tls-key, the workers trust the CA
 *   auth, embedded               → a JWKS with the verification half of the
 *                                   key (or the HS256 secret); the server gets
 *                                   --auth jwt --jwt-issuer/--jwt-audience/--jwt-keys
 *   auth.key generate            → a fresh Ed25519 (or P-256 / HS256) key for this run
 *
 * Nothing generated outlives the run: {@link PreparedSecurity.dispose}
 * deletes the directory. Private keys are written 0600 in a 0700 directory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeServerCertificates } from '../../fixtures/tls/make-certs.ts';
import { RunError, RunErrorCode } from '../runner/errors.ts';
import type { AuthConfig, Scenario } from '../scenario/types.ts';
import { PLAIN_TCP, type ClientSecurity, type MintConfig, type TlsDialOptions } from './client-security.ts';
import { generateSigningKey, isKeyProblem, parseSigningKey, secretSigningKey, type SigningKey } from './signing-key.ts';

export interface PreparedSecurity {
  client: ClientSecurity;
  /** Flags for the embedded TestServer (empty for a target or a server.command). */
  serverFlags: string[];
  /** One line per thing worth telling the user (a generated key, verification switched off). */
  notes: string[];
  /** Deletes what was generated. */
  dispose(): void;
}

/** Resolves the scenario's transport and auth blocks; throws RunError when a key or certificate cannot be had. */
export function prepareSecurity(scenario: Scenario): PreparedSecurity {
  const embedded = scenario.target === null && scenario.server.command === null;
  if (scenario.transport === 'tcp' && scenario.auth === null) {
    return { client: PLAIN_TCP, serverFlags: [], notes: [], dispose: () => undefined };
  }
  let dir: string | null = null;
  const workDir = (): string => (dir ??= mkdtempSync(join(tmpdir(), 'nmt-run-security-')));
  const dispose = (): void => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const serverFlags: string[] = [];
    const notes: string[] = [];
    let tls: TlsDialOptions | null = null;
    if (scenario.transport !== 'tcp' && embedded) serverFlags.push('--transport', scenario.transport);
    if (scenario.transport === 'ws' || scenario.transport === 'wss') {
      if (embedded) serverFlags.push('--ws-path', scenario.wsPath);
    }
    if (scenario.tls !== null) {
      const t = scenario.tls;
      tls = { rejectUnauthorized: !t.insecure, minVersion: t.minVersion };
      if (t.insecure) notes.push('tls.insecure: the server certificate is not verified');
      if (embedded) {
        const certs = makeCertificates(workDir());
        serverFlags.push('--tls-cert', certs.serverCert, '--tls-key', certs.serverKey);
        if (t.minVersion === 'TLSv1.2') serverFlags.push('--tls-min-version', '1.2');
        tls.ca = readFileSync(certs.caCert, 'utf8');
        tls.servername = t.serverName ?? 'localhost';
      } else {
        if (t.ca !== null) tls.ca = readFileSync(t.ca, 'utf8');
        if (t.cert !== null && t.key !== null) {
          tls.cert = readFileSync(t.cert, 'utf8');
          tls.key = readFileSync(t.key, 'utf8');
        }
        const host = scenario.target?.host ?? '127.0.0.1';
        tls.servername = t.serverName ?? (isIP(host) !== 0 ? undefined : host);
        if (tls.servername === undefined) delete tls.servername;
      }
    }
    let auth: MintConfig | null = null;
    if (scenario.auth !== null) {
      const a = scenario.auth;
      const key = resolveKey(a);
      if (a.key.kind === 'generate') notes.push(`auth: signing with a ${key.alg} key generated for this run (kid ${a.kid})`);
      auth = {
        alg: key.alg,
        kid: a.kid,
        key: key.signing,
        issuer: a.issuer,
        audience: a.audience,
        role: a.role,
        ttlSec: Math.max(1, Math.round(a.ttlMs / 1000)),
        subject: a.subject,
      };
      if (embedded) {
        const jwks = join(workDir(), 'jwks.json');
        writeFileSync(jwks, JSON.stringify({ keys: [{ ...key.verification, kid: a.kid, alg: key.alg }] }), { mode: 0o600 });
        serverFlags.push('--auth', 'jwt', '--jwt-issuer', a.issuer, '--jwt-audience', a.audience, '--jwt-keys', jwks);
      }
    }
    return { client: { transport: scenario.transport, tls, wsPath: scenario.wsPath, auth }, serverFlags, notes, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

function makeCertificates(dir: string): { caCert: string; serverCert: string; serverKey: string } {
  try {
    return makeServerCertificates(dir);
  } catch (err) {
    throw new RunError(
      RunErrorCode.TLS_SETUP,
      `transport tls/wss: could not make the embedded server's throw-away certificate: ${(err as Error).message}. ` +
        "Install OpenSSL (Debian: apt-get install openssl), or run against a target with your own certificate (target:, tls.ca).",
    );
  }
}

function resolveKey(a: AuthConfig): SigningKey {
  const src = a.key;
  switch (src.kind) {
    case 'generate':
      return generateSigningKey(a.alg);
    case 'secret':
      return secretSigningKey(Buffer.from(src.secret, 'utf8'));
    case 'env': {
      const value = process.env[src.variable];
      if (value === undefined || value === '') {
        throw new RunError(RunErrorCode.AUTH_KEY, `auth.secretEnv: the environment variable ${src.variable} is not set (it must hold the HS256 secret, at least 32 bytes)`);
      }
      if (Buffer.byteLength(value) < 32) {
        throw new RunError(RunErrorCode.AUTH_KEY, `auth.secretEnv: ${src.variable} holds ${Buffer.byteLength(value)} bytes; an HS256 secret must be at least 32 (RFC 7518 §3.2)`);
      }
      return secretSigningKey(Buffer.from(value, 'utf8'));
    }
    case 'file':
      return fileKey(src.file);
  }
}

function fileKey(file: string): SigningKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RunError(RunErrorCode.AUTH_KEY, `auth.keyFile: cannot read ${file}: ${(err as Error).message}`);
  }
  const key = parseSigningKey(text);
  if (isKeyProblem(key)) {
    const why = key.problem === 'unsupported' ? `a ${key.detail} key (use Ed25519, P-256 or an oct secret)` : key.detail;
    throw new RunError(RunErrorCode.AUTH_KEY, `auth.keyFile: ${file} is not a usable private key (PEM PKCS#8 or a JWK with "d"): ${why}`);
  }
  return key;
}
