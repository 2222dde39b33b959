/**
 * The CLI's transport and token flags turned into what the connections use:
 * TLS options with the PEM files read, and one signed JWT per connection.
 *
 *   --ca/--cert/--key/--server-name/--insecure ─▶ ConnectOptions.tls
 *   --jwt-key <file> | --jwt-secret-env VAR    ─▶ JwtMinter (harness/security) ─▶ token of connection n, sub "client-<n>"
 *
 * Every unreadable file or unusable key is one issue; all of them are
 * thrown together as one UsageError (exit code 2), like flag errors.
 */
import { readFileSync } from 'node:fs';
import { JwtMinter } from '../security/jwt-minter.ts';
import { isKeyProblem, parseSigningKey, secretSigningKey, type SigningKey } from '../security/signing-key.ts';
import type { ClientCliOptions } from './cli-args.ts';
import type { ConnectOptions } from './client-options.ts';
import { UsageError } from './errors.ts';

/** What every connection of a CLI run dials with, and how it gets its token. */
export interface CliSecurity {
  dial: Pick<ConnectOptions, 'transport' | 'tls' | 'wsPath'>;
  /** Token of connection `index` (0-based): the literal --token, or a JWT signed now. */
  tokenFor(index: number): string;
}

/** Reads the files the flags name; throws one UsageError listing every problem. */
export function loadCliSecurity(opts: ClientCliOptions, env: NodeJS.ProcessEnv = process.env): CliSecurity {
  const issues: string[] = [];
  const read = (flag: string, file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      issues.push(`${flag}: cannot read ${file}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const dial: CliSecurity['dial'] = { transport: opts.transport };
  if (opts.transport === 'ws' || opts.transport === 'wss') dial.wsPath = opts.wsPath;
  if (opts.transport === 'tls' || opts.transport === 'wss') {
    const tls: NonNullable<ConnectOptions['tls']> = { rejectUnauthorized: !opts.insecure };
    const ca = read('--ca', opts.ca);
    const cert = read('--cert', opts.cert);
    const key = read('--key', opts.key);
    if (ca !== undefined) tls.ca = ca;
    if (cert !== undefined && key !== undefined) Object.assign(tls, { cert, key });
    if (opts.serverName !== undefined) tls.servername = opts.serverName;
    dial.tls = tls;
  }
  let signing: SigningKey | null = null;
  if (opts.jwtKey !== undefined) {
    const text = read('--jwt-key', opts.jwtKey);
    if (text !== undefined) signing = keyFromText(text, opts.jwtKey, issues);
  } else if (opts.jwtSecretEnv !== undefined) {
    signing = secretFromEnv(opts.jwtSecretEnv, env, issues);
  }
  const kid = opts.jwtKid ?? signing?.kid;
  if (signing !== null && kid === undefined) {
    issues.push("signing a JWT needs --jwt-kid (the server picks the key by kid; a JWK file's own kid is used when it has one)");
  }
  if (issues.length !== 0) throw new UsageError(issues);
  if (signing === null) return { dial, tokenFor: () => opts.token };
  const minter = new JwtMinter({
    alg: signing.alg,
    kid: kid!,
    key: signing.signing,
    issuer: opts.jwtIssuer!,
    audience: opts.jwtAudience!,
    role: opts.jwtRole,
    ttlSec: opts.jwtTtl,
    subject: 'client',
  });
  return { dial, tokenFor: (index) => minter.mint(`client-${index + 1}`) };
}

/** An HS256 secret from the environment (RFC 7518 §3.2: at least 32 bytes). */
function secretFromEnv(variable: string, env: NodeJS.ProcessEnv, issues: string[]): SigningKey | null {
  const value = env[variable];
  if (value === undefined || value === '') {
    issues.push(`--jwt-secret-env: the environment variable ${variable} is not set (it must hold the HS256 secret, 32+ bytes)`);
    return null;
  }
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length < 32) {
    issues.push(`--jwt-secret-env: ${variable} holds ${bytes.length} bytes; an HS256 secret must be at least 32`);
    return null;
  }
  return secretSigningKey(bytes);
}

/** A PEM PKCS#8 key or a JWK (private EC/OKP key, or an `oct` secret). */
function keyFromText(text: string, file: string, issues: string[]): SigningKey | null {
  const key = parseSigningKey(text);
  if (!isKeyProblem(key)) return key;
  issues.push(
    key.problem === 'unsupported'
      ? `--jwt-key: ${file} is a ${key.detail} key; use Ed25519 (EdDSA), P-256 (ES256) or an HS256 secret`
      : `--jwt-key: ${file} is not a usable private key (PEM PKCS#8, or a JWK with "d" or kty "oct"): ${key.detail}`,
  );
  return null;
}
