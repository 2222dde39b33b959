/**
 * TLS settings of the TLS and WSS transports: loading certificate, key and
 * CA from files, validating them together, and turning them into
 * `node:tls` server options.
 *
 * Policy (docs/security.md): TLS 1.3 only unless `minVersion: 'TLSv1.2'` is
 * configured; with 1.2 allowed, only forward-secret AEAD suites (ECDHE with
 * AES-GCM or ChaCha20-Poly1305). Client certificates are checked only when
 * `clientAuth` is on (server-to-server links), against `ca`.
 *
 * Every problem is collected and raised at once as a
 * {@link TransportConfigError} (NMT_SERVER_TRANSPORT_CONFIG_INVALID) before
 * anything listens, each naming the file or option at fault.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { ConfigIssue } from './errors.ts';
import { TransportConfigError } from './errors.ts';

/** Lowest TLS version accepted. */
export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

/** PEM material, as read from files (or given in-process). */
export interface TlsMaterial {
  /** Certificate chain (PEM), leaf first. */
  cert: string | Buffer;
  /** Private key of the leaf certificate (PEM, unencrypted). */
  key: string | Buffer;
  /** CA certificate(s) (PEM) that client certificates must chain to; needed for `clientAuth`. */
  ca?: string | Buffer | null;
}

/** Options of the TLS (and WSS) transports. */
export interface TlsSettings extends TlsMaterial {
  /** Require and verify a client certificate signed by `ca` (server-to-server links). Default false. */
  clientAuth?: boolean;
  /** Default `TLSv1.3`: a TLS 1.2 client is refused during the handshake. */
  minVersion?: TlsMinVersion;
  /** A TLS handshake must complete within this time of accept, else the socket is closed. Default 10000 ms. */
  handshakeTimeoutMs?: number;
  /**
   * Connections accepted whose TLS handshake (or WebSocket upgrade) has not
   * completed yet, at most; beyond it a new connection is closed at once.
   * Bounds what a flood of half-open handshakes can hold. Default 1024.
   */
  maxPendingHandshakes?: number;
}

/** Files to read {@link TlsMaterial} from (CLI `--tls-cert`, `--tls-key`, `--tls-ca`). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string | null;
}

/** Defaults of {@link TlsSettings}. */
export const TLS_DEFAULTS = Object.freeze({
  clientAuth: false,
  minVersion: 'TLSv1.3' as TlsMinVersion,
  handshakeTimeoutMs: 10_000,
  maxPendingHandshakes: 1024,
});

/** Allowed ranges, shared with the CLI. */
export const TLS_LIMITS = Object.freeze({
  handshakeTimeoutMs: { min: 100, max: 600_000 },
  maxPendingHandshakes: { min: 1, max: 10_000_000 },
});

/**
 * TLS 1.3 suites first, then TLS 1.2 suites that are forward secret (ECDHE)
 * and authenticated encryption (GCM, ChaCha20-Poly1305). The 1.2 part only
 * matters when `minVersion` is TLSv1.2.
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** Validated settings with defaults filled in. */
export interface ResolvedTlsSettings {
  readonly material: Readonly<TlsMaterial>;
  readonly clientAuth: boolean;
  readonly minVersion: TlsMinVersion;
  readonly handshakeTimeoutMs: number;
  readonly maxPendingHandshakes: number;
}

/**
 * Reads certificate, key and (optional) CA files. Throws
 * {@link TransportConfigError} naming every file that cannot be read.
 * `readFile` is injectable for tests.
 */
export function loadTlsFiles(files: TlsFiles, readFile: (path: string) => Buffer = (p) => readFileSync(p)): TlsMaterial {
  const issues: ConfigIssue[] = [];
  const read = (path: string, what: string, flag: string): Buffer | null => {
    try {
      const data = readFile(path);
      if (!data.includes('-----BEGIN')) {
        issues.push({ path: flag, message: `${path} does not look like PEM (${what}); expected a "-----BEGIN ..." block` });
        return null;
      }
      return data;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      issues.push({ path: flag, message: `cannot read the ${what} file ${path} (${code})` });
      return null;
    }
  };
  const cert = read(files.certFile, 'certificate', '--tls-cert');
  const key = read(files.keyFile, 'private key', '--tls-key');
  const ca = files.caFile === undefined || files.caFile === null ? null : read(files.caFile, 'CA certificate', '--tls-ca');
  if (issues.length > 0) throw new TransportConfigError(issues, 'TLS files');
  return { cert: cert!, key: key!, ca };
}

function checkInt(issues: ConfigIssue[], path: keyof typeof TLS_LIMITS, v: number | undefined): void {
  if (v === undefined) return;
  const { min, max } = TLS_LIMITS[path];
  if (!Number.isInteger(v) || v < min || v > max) issues.push({ path, message: `must be an integer in ${min}..${max}, got ${v}` });
}

/**
 * Validates settings together and fills defaults: `clientAuth` needs `ca`,
 * `minVersion` is 1.2 or 1.3, the key must match the certificate (checked
 * by building a secure context now, so a bad pair fails at start, not at
 * the first handshake). Throws {@link TransportConfigError} listing every
 * problem.
 */
export function resolveTlsSettings(settings: TlsSettings): ResolvedTlsSettings {
  const issues: ConfigIssue[] = [];
  const clientAuth = settings.clientAuth ?? TLS_DEFAULTS.clientAuth;
  const minVersion = settings.minVersion ?? TLS_DEFAULTS.minVersion;
  if (minVersion !== 'TLSv1.2' && minVersion !== 'TLSv1.3') {
    issues.push({ path: 'minVersion', message: `must be TLSv1.2 or TLSv1.3, got ${String(minVersion)}` });
  }
  if (clientAuth && (settings.ca === undefined || settings.ca === null || settings.ca.length === 0)) {
    issues.push({ path: 'ca', message: 'client-certificate verification (clientAuth, --tls-client-auth) needs the CA that signs client certificates (--tls-ca)' });
  }
  checkInt(issues, 'handshakeTimeoutMs', settings.handshakeTimeoutMs);
  checkInt(issues, 'maxPendingHandshakes', settings.maxPendingHandshakes);
  if (issues.length === 0) {
    try {
      tls.createSecureContext(secureContextOptions(settings, minVersion));
    } catch (err) {
      issues.push({ path: 'cert/key', message: `the certificate, key or CA cannot be used: ${(err as Error).message}` });
    }
  }
  if (issues.length > 0) throw new TransportConfigError(issues, 'TLS options');
  return Object.freeze({
    material: Object.freeze({ cert: settings.cert, key: settings.key, ca: settings.ca ?? null }),
    clientAuth,
    minVersion,
    handshakeTimeoutMs: settings.handshakeTimeoutMs ?? TLS_DEFAULTS.handshakeTimeoutMs,
    maxPendingHandshakes: settings.maxPendingHandshakes ?? TLS_DEFAULTS.maxPendingHandshakes,
  });
}

/** Options of `tls.createSecureContext` (also used by `server.setSecureContext` on reload). */
export function secureContextOptions(material: TlsMaterial, minVersion: TlsMinVersion): tls.SecureContextOptions {
  const ca = material.ca ?? undefined;
  return {
    cert: material.cert,
    key: material.key,
    ...(ca === undefined ? {} : { ca }),
    minVersion,
    maxVersion: 'TLSv1.3',
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
  };
}

/** Options of `tls.createServer` / `https.createServer` for resolved settings. */
export function tlsServerOptions(r: ResolvedTlsSettings): tls.TlsOptions {
  return {
    ...secureContextOptions(r.material, r.minVersion),
    requestCert: r.clientAuth,
    rejectUnauthorized: r.clientAuth,
    handshakeTimeout: r.handshakeTimeoutMs,
  };
}
