/**
 * The TestServer process with the security flags: --transport tls|ws with
 * --auth jwt, key rotation on SIGHUP, and exit code 2 with a clear message
 * for unusable certificate or key files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from '../../fixtures/tls/make-certs.ts';
import { ConnectResult, PacketId } from '../../protocol/index.ts';
import { TlsPeer, WsPeer, type PacketPeer } from '../testing/transport-peers.ts';
import { sleep } from '../testing/server-fixture.ts';
import { ExitCode } from './errors.ts';
import { jwtFixture, type JwtFixture } from './security-support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Proc {
  child: ChildProcess;
  stderr: () => string;
  ready: Promise<{ port: number; transport: string; auth: string }>;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];

function run(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', '--no-metrics', '--ready-json', '--log-level', 'warn', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ port: number; transport: string; auth: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 30 s; stdout=${out} stderr=${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready; stderr=${err}`));
    });
  });
  ready.catch(() => {});
  return { child, stderr: () => err, ready, exit };
}

async function exitCode(p: Proc, ms = 30_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no exit within ${ms} ms; stderr=${p.stderr()}`)), ms);
  });
  try {
    return await Promise.race([p.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!hasOpenssl())('TestServer CLI with --transport and --auth jwt', () => {
  let certs: TestCertificates;
  let jwt: JwtFixture;
  const peers: PacketPeer[] = [];

  beforeAll(async () => {
    certs = makeTestCertificates();
    jwt = await jwtFixture();
  });
  afterAll(() => {
    certs.remove();
    jwt.remove();
  });

  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  const jwtFlags = (): string[] => ['--auth', 'jwt', '--jwt-issuer', jwt.issuer, '--jwt-audience', jwt.audience, '--jwt-keys', jwt.jwksFile];

  it('serves TLS 1.3 with JWT auth, and reloads the keys on SIGHUP (rotation)', async () => {
    const p = run(['--transport', 'tls', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, ...jwtFlags()]);
    const ready = await p.ready;
    expect(ready).toMatchObject({ transport: 'tls', auth: 'jwt' });
    const connect = async (token: string): Promise<number> => {
      const peer = await TlsPeer.connect(ready.port, { ca: certs.read(certs.caCert) });
      peers.push(peer);
      expect(peer.protocol).toBe('TLSv1.3');
      return (await peer.handshake(1, token)).result;
    };
    expect(await connect(await jwt.mint({}, 'ed-1'))).toBe(ConnectResult.Ok);

    // Rotation: the issuer adds hs-2; the server learns it on SIGHUP; then hs-1 is retired.
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const hs2 = { kty: 'oct', kid: 'hs-2', k: Buffer.from(secret).toString('base64url') };
    const newToken = await jwt.mint({}, 'hs-2', secret, 'HS256');
    expect(await connect(newToken)).toBe(ConnectResult.AuthFailed);
    jwt.writeJwks({ keys: [...jwt.publicJwks.keys.filter((k) => k.kid !== 'hs-1'), hs2] });
    p.child.kill('SIGHUP');
    let result = ConnectResult.AuthFailed as number;
    for (let i = 0; i < 100 && result !== ConnectResult.Ok; i++) {
      await sleep(50);
      result = await connect(newToken);
    }
    expect(result).toBe(ConnectResult.Ok);
    expect(await connect(await jwt.mint({}, 'hs-1'))).toBe(ConnectResult.AuthFailed);

    // A broken key file on SIGHUP keeps the keys in use.
    writeFileSync(jwt.jwksFile, '{"keys": [}');
    p.child.kill('SIGHUP');
    await sleep(300);
    expect(await connect(newToken)).toBe(ConnectResult.Ok);
    expect(p.stderr()).toContain('JWT key reload failed');
    jwt.writeJwks(jwt.publicJwks);

    p.child.kill('SIGTERM');
    expect(await exitCode(p)).toBe(ExitCode.OK);
  });

  it('serves WebSocket on the configured path', async () => {
    const p = run(['--transport', 'ws', '--ws-path', '/game']);
    const ready = await p.ready;
    expect(ready).toMatchObject({ transport: 'ws', auth: 'off' });
    const peer = await WsPeer.connect(`ws://127.0.0.1:${ready.port}/game`);
    peers.push(peer);
    expect((await peer.handshake()).result).toBe(ConnectResult.Ok);
    expect((await peer.ping(4)).seq).toBe(4);
    peer.end();
    await peer.waitClosed();
    expect(peer.received).toEqual([PacketId.SessionConnectRes, PacketId.PongRes]);
    p.child.kill('SIGTERM');
    expect(await exitCode(p)).toBe(ExitCode.OK);
  });

  it.each([
    ['a missing certificate file', () => ['--transport', 'tls', '--tls-cert', join(certs.dir, 'nope.crt'), '--tls-key', certs.serverKey], 'cannot read the certificate file'],
    ['a key that does not match the certificate', () => ['--transport', 'tls', '--tls-cert', certs.serverCert, '--tls-key', certs.clientKey], 'cannot be used'],
    ['a missing JWKS file', () => ['--auth', 'jwt', '--jwt-issuer', 'i', '--jwt-audience', 'a', '--jwt-keys', join(certs.dir, 'none.json')], 'cannot read it (ENOENT)'],
    ['a key file that is not JSON', () => ['--auth', 'jwt', '--jwt-issuer', 'i', '--jwt-audience', 'a', '--jwt-keys', certs.serverKey], 'not valid JSON'],
  ])('exits 2 naming the problem for %s', async (_name, args, fragment) => {
    const p = run(args());
    expect(await exitCode(p)).toBe(ExitCode.USAGE);
    expect(p.stderr()).toContain(fragment);
  });
});
