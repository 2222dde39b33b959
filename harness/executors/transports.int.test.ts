/**
 * The harness over every transport, against the real TestServer started
 * in-process with that transport and JWT verification on: VUs loop
 * connect → ping → disconnect with tokens they mint themselves. Also the
 * failures a user meets first — an untrusted certificate, a token the
 * server refuses, a wrong WebSocket path — each counted as its own kind.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from '../../fixtures/tls/make-certs.ts';
import { loadKeySet } from '../../reference-server/auth/key-set.ts';
import { startTestServer, type RunningTestServer } from '../../reference-server/test-server/app.ts';
import type { TransportKind } from '../scenario/types.ts';
import type { ClientSecurity, MintConfig } from '../security/client-security.ts';
import { createExecutor } from './index.ts';
import { SampleRecorder, scenario, workerContext } from './test-support.ts';

const ISSUER = 'nmt-harness';
const AUDIENCE = 'nmt-test-server';

let certs: TestCertificates;
let key: KeyObject;
let other: KeyObject;
const servers = new Map<TransportKind, RunningTestServer>();

const pem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;
const mint = (k: KeyObject, role = 'user'): MintConfig => ({ alg: 'EdDSA', kid: 'k1', key: pem(k), issuer: ISSUER, audience: AUDIENCE, role, ttlSec: 600, subject: 'vu-{{ vu.id }}' });

function security(transport: TransportKind, overrides: Partial<ClientSecurity> = {}): ClientSecurity {
  const secure = transport === 'tls' || transport === 'wss';
  return {
    transport,
    tls: secure ? { ca: certs.read(certs.caCert).toString(), servername: 'localhost', rejectUnauthorized: true, minVersion: 'TLSv1.3' } : null,
    wsPath: '/game',
    auth: mint(key),
    ...overrides,
  };
}

async function run(transport: TransportKind, sec: ClientSecurity, warnings: string[] = []) {
  const server = servers.get(transport)!;
  const sc = scenario(LOOP);
  const recorder = new SampleRecorder();
  const executor = createExecutor(sc.phases[0]!.executor, { warn: (m) => warnings.push(m) });
  await executor.run(sc.phases[0]!, workerContext({ scenario: sc, endpoints: [{ host: '127.0.0.1', port: server.port }], recorder, security: sec }));
  return { recorder, stats: executor.stats };
}

const LOOP = `
name: loop
flow: { onStart: [], iteration: [connect, ping, disconnect], onStop: [] }
phases:
  - { executor: constant-vus, vus: 3, duration: 400ms }
`;

describe.runIf(hasOpenssl())('harness transports against the TestServer', () => {
  beforeAll(async () => {
    certs = makeTestCertificates();
    key = generateKeyPairSync('ed25519').privateKey;
    other = generateKeyPairSync('ed25519').privateKey;
    const jwks = { keys: [{ ...createPublicKey(key).export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA' }] };
    const tls = { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) };
    for (const kind of ['tcp', 'tls', 'ws', 'wss'] as const) {
      const transport =
        kind === 'tcp' ? { kind } : kind === 'tls' ? { kind, tls } : kind === 'ws' ? { kind, ws: { path: '/game' } } : { kind, tls, ws: { path: '/game' } };
      servers.set(kind, await startTestServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', transport, jwt: { keys: await loadKeySet(jwks), issuer: ISSUER, audience: AUDIENCE } } as Parameters<typeof startTestServer>[0]));
    }
  });

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.shutdown({ deadlineMs: 2000 })));
    certs?.remove();
  });

  it.each(['tcp', 'tls', 'ws', 'wss'] as const)('%s: authenticated connect/ping/disconnect loop, every ping answered', async (transport) => {
    const { recorder, stats } = await run(transport, security(transport));
    expect(recorder.errors.size, JSON.stringify([...recorder.errors])).toBe(0);
    expect(recorder.established).toBeGreaterThan(3);
    expect(recorder.handshakeMicros).toHaveLength(recorder.established);
    expect(recorder.responses('PingReq')).toBe(recorder.requests('PingReq'));
    expect(recorder.requests('PingReq')).toBeGreaterThanOrEqual(recorder.established - 3);
    // tls.time only where TLS runs; connect.time for every transport, and it includes the TLS part.
    expect(recorder.tlsMicros).toHaveLength(transport === 'tls' || transport === 'wss' ? recorder.established : 0);
    expect(recorder.connectMicros).toHaveLength(recorder.established);
    if (transport === 'tls') expect(Math.min(...recorder.connectMicros)).toBeGreaterThanOrEqual(Math.min(...recorder.tlsMicros));
    expect(stats.unclosedSockets).toBe(0);
  });

  it('tls: a server certificate from another CA fails every connect as kind tls, with a hint', async () => {
    const warnings: string[] = [];
    const sec = security('tls', { tls: { ca: certs.read(certs.rogueCaCert).toString(), servername: 'localhost', rejectUnauthorized: true, minVersion: 'TLSv1.3' } });
    const { recorder } = await run('tls', sec, warnings);
    expect(recorder.established).toBe(0);
    expect(recorder.connectFailures.get('tls')).toBe(recorder.attempted);
    expect(recorder.attempted).toBeGreaterThan(0);
    expect(warnings.join('\n')).toMatch(/TLS handshake failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\).*tls\.ca/);
  });

  it('wss: a wrong server name fails as kind tls', async () => {
    const sec = security('wss', { tls: { ca: certs.read(certs.caCert).toString(), servername: 'game.example', rejectUnauthorized: true, minVersion: 'TLSv1.3' } });
    const { recorder } = await run('wss', sec);
    expect(recorder.established).toBe(0);
    expect(recorder.connectFailures.get('tls')).toBe(recorder.attempted);
  });

  it('a token signed with a key the server does not hold counts as kind auth', async () => {
    const { recorder } = await run('tcp', security('tcp', { auth: mint(other) }));
    expect(recorder.sessionsMax).toBe(0);
    expect(recorder.attempted).toBeGreaterThan(0);
    expect(recorder.connectFailures.get('auth')).toBe(recorder.attempted);
  });

  it('ws: a wrong path is a refused upgrade (handshake-rejected), with a hint about ws.path', async () => {
    const warnings: string[] = [];
    const { recorder } = await run('ws', security('ws', { wsPath: '/nope' }), warnings);
    expect(recorder.established).toBe(0);
    expect(recorder.connectFailures.get('handshake-rejected')).toBe(recorder.attempted);
    expect(warnings.join('\n')).toMatch(/WebSocket upgrade refused with HTTP 404.*ws\.path \(now \/nope\)/);
  });
});
