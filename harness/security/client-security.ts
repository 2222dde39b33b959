/**
 * What a worker needs to reach the server and authenticate, resolved once by
 * the coordinator (harness/security/prepare.ts) and sent to every worker in
 * its init message: file contents rather than paths (the workers never
 * re-read or generate anything), so every worker dials and signs the same way.
 */
import type { JwtAlgorithm, TransportKind, ValueExpr } from '../scenario/types.ts';

/** Options of `tls.connect` the harness sets (PEM text, not paths). */
export interface TlsDialOptions {
  /** CA certificates to trust (PEM); undefined = Node's default CAs. */
  ca?: string;
  /** Client certificate chain and its key (PEM), for servers that ask for one. */
  cert?: string;
  key?: string;
  /** SNI name and the name the certificate must carry. */
  servername?: string;
  rejectUnauthorized: boolean;
  minVersion: 'TLSv1.3' | 'TLSv1.2';
}

/** A resolved signing key and the claims every token carries. */
export interface MintConfig {
  alg: JwtAlgorithm;
  kid: string;
  /** PEM PKCS#8 private key (EdDSA, ES256) or the base64url secret (HS256). */
  key: string;
  issuer: string;
  audience: string;
  role: string;
  ttlSec: number;
  /** `sub` claim template. */
  subject: ValueExpr;
}

export interface ClientSecurity {
  transport: TransportKind;
  /** Set for tls and wss. */
  tls: TlsDialOptions | null;
  /** WebSocket URL path (ws, wss). */
  wsPath: string;
  /** Set when the scenario has `auth:`. */
  auth: MintConfig | null;
}

/**
 * Socket error codes that mean a TLS handshake failed: OpenSSL's verify codes
 * (certificate not trusted, wrong name, expired) and Node's ERR_TLS_/ERR_SSL_
 * (version, alert). The VUs count them as `tls`, the TestClient as NMT_CLIENT_TLS_FAILED.
 */
export const TLS_HANDSHAKE_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** Plain TCP, no tokens: what a scenario without these blocks resolves to. */
export const PLAIN_TCP: ClientSecurity = Object.freeze({ transport: 'tcp', tls: null, wsPath: '/', auth: null });
