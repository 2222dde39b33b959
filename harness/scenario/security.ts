/**
 * `transport:`, `tls:`, `ws:` and `auth:` (docs/scenarios.md "Transports" and
 * "Authentication"): defaults, paths resolved against the scenario file, and
 * the checks that need more than one field — which blocks go with which
 * transport, cert with key, one key source, and what only works when the
 * harness starts the server itself (a generated signing key).
 */
import { readFileSync } from 'node:fs';
import { isKeyProblem, parseSigningKey } from '../security/signing-key.ts';
import type { CheckContext } from './check-context.ts';
import { DEFAULTS } from './defaults.ts';
import { fileProblem, resolveFrom } from './paths.ts';
import { checkTemplates } from './steps.ts';
import { parseDurationMs } from './units.ts';
import type {
  AuthConfig,
  AuthKeySource,
  ConnectConfig,
  EmbeddedServerConfig,
  JwtAlgorithm,
  TargetConfig,
  TlsClientConfig,
  TransportKind,
} from './types.ts';

type Raw = Record<string, unknown>;

/** Shortest HS256 secret the TestServer accepts (RFC 7518 §3.2: 256 bits). */
export const MIN_HS256_SECRET_BYTES = 32;

/** TestServer flags the harness sets itself from these blocks; `server.options` must not set them too. */
const MANAGED_OPTIONS = ['transport', 'tlsCert', 'tlsKey', 'tlsMinVersion', 'wsPath', 'auth', 'jwtIssuer', 'jwtAudience', 'jwtKeys'];

export interface SecurityConfig {
  transport: TransportKind;
  tls: TlsClientConfig | null;
  wsPath: string;
  auth: AuthConfig | null;
}

interface Context {
  target: TargetConfig | null;
  server: EmbeddedServerConfig;
  connect: ConnectConfig;
}

export function normaliseSecurity(raw: Raw, where: Context, ctx: CheckContext): SecurityConfig {
  const transport = (raw.transport as TransportKind | undefined) ?? DEFAULTS.transport;
  const secure = transport === 'tls' || transport === 'wss';
  const websocket = transport === 'ws' || transport === 'wss';
  if (raw.tls !== undefined && !secure) ctx.issue(['tls'], `applies only to transport tls or wss (this scenario's transport is ${transport})`, true);
  if (raw.ws !== undefined && !websocket) ctx.issue(['ws'], `applies only to transport ws or wss (this scenario's transport is ${transport})`, true);
  const embeddedTestServer = where.target === null && where.server.command === null;
  if (embeddedTestServer) {
    for (const key of Object.keys(where.server.options)) {
      if (MANAGED_OPTIONS.includes(key)) {
        ctx.issue(['server', 'options', key], "is set by the harness from the scenario's transport, tls, ws and auth blocks; set it there instead", true);
      }
    }
  }
  const tls = secure ? normaliseTls((raw.tls ?? {}) as Raw, embeddedTestServer, ctx) : null;
  const wsPath = ((raw.ws as Raw | undefined)?.path as string | undefined) ?? DEFAULTS.wsPath;
  const auth = raw.auth === undefined ? null : normaliseAuth(raw.auth as Raw, where, embeddedTestServer, ctx);
  return { transport, tls, wsPath, auth };
}

function normaliseTls(t: Raw, embedded: boolean, ctx: CheckContext): TlsClientConfig {
  const file = (key: string): string | null => {
    const rel = t[key] as string | undefined;
    if (rel === undefined) return null;
    const abs = resolveFrom(ctx.baseDir, rel);
    const problem = fileProblem(abs);
    if (problem !== null) ctx.issue(['tls', key], `file '${rel}' ${problem} (looked for ${abs}; paths are relative to the scenario file)`);
    return abs;
  };
  const ca = file('ca');
  const cert = file('cert');
  const key = file('key');
  if ((cert === null) !== (key === null)) {
    ctx.issue(['tls', cert === null ? 'key' : 'cert'], 'a client certificate needs both tls.cert and tls.key (PEM files)');
  }
  const insecure = (t.insecure as boolean | undefined) ?? false;
  if (insecure && ca !== null) ctx.issue(['tls', 'insecure'], 'tls.insecure skips the check tls.ca is for; remove one of them');
  if (embedded && (ca !== null || cert !== null)) {
    ctx.issue(['tls'], 'the embedded TestServer uses a throw-away CA made for the run; tls.ca, tls.cert and tls.key are for a target or server.command', true);
  }
  return {
    ca,
    cert,
    key,
    serverName: (t.serverName as string | undefined) ?? null,
    insecure,
    minVersion: t.minVersion === '1.2' ? 'TLSv1.2' : DEFAULTS.tlsMinVersion,
  };
}

function normaliseAuth(a: Raw, where: Context, embedded: boolean, ctx: CheckContext): AuthConfig {
  const sources = ['secret', 'secretEnv', 'keyFile'].filter((k) => a[k] !== undefined);
  if (sources.length > 1) ctx.issue(['auth', sources[1]!], `give one key source, not ${sources.join(' and ')}`, true);
  if (where.connect.token !== DEFAULTS.connect.token) {
    ctx.issue(['connect', 'token'], 'auth mints the token of every VU; remove connect.token (or the auth block)', true);
  }
  let key: AuthKeySource;
  let impliedAlg: JwtAlgorithm | null = null;
  if (a.secret !== undefined) {
    key = { kind: 'secret', secret: a.secret as string };
    impliedAlg = 'HS256';
    if (Buffer.byteLength(key.secret) < MIN_HS256_SECRET_BYTES) {
      ctx.issue(['auth', 'secret'], `an HS256 secret must be at least ${MIN_HS256_SECRET_BYTES} bytes (RFC 7518 §3.2); the TestServer refuses shorter keys`);
    }
  } else if (a.secretEnv !== undefined) {
    key = { kind: 'env', variable: a.secretEnv as string };
    impliedAlg = 'HS256';
  } else if (a.keyFile !== undefined) {
    const rel = a.keyFile as string;
    const abs = resolveFrom(ctx.baseDir, rel);
    const problem = fileProblem(abs);
    if (problem !== null) ctx.issue(['auth', 'keyFile'], `file '${rel}' ${problem} (looked for ${abs}; paths are relative to the scenario file)`);
    else impliedAlg = algOfKeyFile(abs, ctx);
    key = { kind: 'file', file: abs };
  } else {
    key = { kind: 'generate' };
    if (!embedded) {
      ctx.issue(['auth'], 'needs secret, secretEnv or keyFile: a key generated for the run can only be handed to the TestServer the harness starts itself (no target, no server.command)', true);
    }
  }
  const alg = (a.alg as JwtAlgorithm | undefined) ?? impliedAlg ?? DEFAULTS.auth.generatedAlg;
  if (impliedAlg !== null && a.alg !== undefined && alg !== impliedAlg) {
    ctx.issue(['auth', 'alg'], `the key is for ${impliedAlg}, not ${alg} (a key signs with its own algorithm only)`);
  }
  const subject = (a.subject as string | undefined) ?? DEFAULTS.auth.subject;
  checkTemplates(subject, ['auth', 'subject'], ctx, { sentAllowed: false });
  return {
    kid: (a.kid as string | undefined) ?? DEFAULTS.auth.kid,
    alg,
    key,
    issuer: (a.issuer as string | undefined) ?? DEFAULTS.auth.issuer,
    audience: (a.audience as string | undefined) ?? DEFAULTS.auth.audience,
    role: (a.role as string | undefined) ?? DEFAULTS.auth.role,
    ttlMs: a.ttl === undefined ? DEFAULTS.auth.ttlMs : (parseDurationMs(a.ttl) as number),
    subject,
  };
}

/** The algorithm a private key file signs with (PEM PKCS#8 or a JWK); null with an issue when unusable. */
function algOfKeyFile(file: string, ctx: CheckContext): JwtAlgorithm | null {
  const text = readFileSync(file, 'utf8');
  const key = parseSigningKey(text);
  if (!isKeyProblem(key)) return key.alg;
  const jwk = text.trim().startsWith('{');
  ctx.issue(
    ['auth', 'keyFile'],
    key.problem === 'public'
      ? jwk
        ? 'is a public JWK; the harness signs tokens and needs the private key (member "d")'
        : 'is a public key; the harness signs tokens and needs the private key (PEM "PRIVATE KEY")'
      : key.problem === 'unsupported'
        ? `holds a ${key.detail} key; use Ed25519 (EdDSA), P-256 (ES256) or an oct JWK secret (HS256)`
        : `is not a usable private key (PEM PKCS#8 or a JWK with "d"): ${key.detail}`,
  );
  return null;
}
