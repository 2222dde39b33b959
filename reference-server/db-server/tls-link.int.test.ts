/**
 * TestServer ↔ DBServer over TLS 1.3 with client certificates (issue 6):
 * DBServer started with `tls.clientAuth` accepts only TestServers presenting
 * a certificate from its CA; the CRUD path works end to end over it; a
 * TestServer without a certificate, with one from another CA, or dialing
 * plain TCP never gets a link — its clients get DbUnavailable, not a hang.
 * Also the CLI flags of both servers, as processes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GameStatus } from '../../protocol/game-packets.ts';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from '../../fixtures/tls/make-certs.ts';
import { startTestServer } from '../test-server/app.ts';
import type { DbLinkTls } from '../test-server/db-client.ts';
import { startDbServer, type RunningDbServer } from './app.ts';
import { cleanupFixtures, sqliteBackend } from './storage/testing/backends.ts';
import { GameClient } from './testing/game-client.ts';

const ROOT = join(import.meta.dirname, '../..');
const open: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (let c = open.pop(); c !== undefined; c = open.pop()) await c().catch(() => undefined);
});
afterAll(cleanupFixtures);

describe.runIf(hasOpenssl())('TestServer → DBServer over TLS 1.3 with client certificates', () => {
  let certs: TestCertificates;
  let db: RunningDbServer;

  beforeAll(async () => {
    certs = makeTestCertificates();
    const storage = await (await sqliteBackend.fresh()).open();
    db = await startDbServer({
      storage,
      ownStorage: true,
      tls: { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey), ca: certs.read(certs.caCert), clientAuth: true },
    });
  });
  afterAll(async () => {
    await db?.shutdown({ deadlineMs: 1000 });
    certs?.remove();
  });

  async function testServer(tls: DbLinkTls | null, waitMs: number) {
    const test = await startTestServer({ db: { host: '127.0.0.1', port: db.port, connectTimeoutMs: 500, requestTimeoutMs: 2000, tls } });
    open.push(() => test.shutdown({ deadlineMs: 1000 }));
    const ready = await test.db!.waitReady(waitMs);
    const client = await GameClient.connect(test.port);
    open.push(async () => client.close());
    return { test, ready, client };
  }

  it('serves CRUD over links that present a certificate from its CA', async () => {
    expect(db.engine.transportKind).toBe('tls');
    const { ready, client } = await testServer({ ca: certs.read(certs.caCert), cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) }, 5000);
    expect(ready).toBe(true);
    const created = await client.createPlayer('tls-alice', 10);
    expect(created.status).toBe(GameStatus.Ok);
    expect(await client.getPlayer(created.player!.id)).toMatchObject({ status: GameStatus.Ok, player: { name: 'tls-alice' } });
  });

  it.each([
    ['no client certificate', (c: TestCertificates): DbLinkTls | null => ({ ca: c.read(c.caCert) })],
    ['a certificate from another CA', (c: TestCertificates): DbLinkTls | null => ({ ca: c.read(c.caCert), cert: c.read(c.rogueClientCert), key: c.read(c.rogueClientKey) })],
    ['plain TCP', (): DbLinkTls | null => null],
  ])('refuses a TestServer with %s: its clients get DbUnavailable', async (_name, tlsOf) => {
    const { ready, client, test } = await testServer(tlsOf(certs), 800);
    expect(ready).toBe(false);
    expect(test.db!.stats.linksUp).toBe(0);
    expect((await client.getPlayer(1)).status).toBe(GameStatus.DbUnavailable);
  });
});

/** Runs a server CLI with `args`; resolves with its exit code and output (bounded by `timeoutMs`). */
function runCli(script: string, args: string[], timeoutMs = 20_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('TLS flags of the server CLIs', () => {
  it('DBServer: reports every TLS flag problem at once (exit 2)', async () => {
    const r = await runCli('reference-server/db-server/main.ts', ['--tls-cert', 'x.pem', '--tls-client-auth', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/--tls-cert and --tls-key go together/);
    expect(r.out).toMatch(/--tls-client-auth needs --tls-ca/);
  }, 30_000);

  it('DBServer: an unreadable certificate file is a usage error naming the flag', async () => {
    const r = await runCli('reference-server/db-server/main.ts', ['--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem', '--port', '0', '--no-metrics', '--data-dir', join(ROOT, 'data', 'tls-cli-test')]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/--tls-cert: cannot read the certificate file \/nonexistent\/c\.pem/);
  }, 30_000);

  it('TestServer: --db-tls-* need --db and --db-tls-ca', async () => {
    const r = await runCli('reference-server/test-server/main.ts', ['--db-tls-cert', 'c.pem', '--port', '0', '--no-metrics']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/apply only with --db/);
    expect(r.out).toMatch(/need --db-tls-ca/);
    expect(r.out).toMatch(/--db-tls-cert and --db-tls-key go together/);
  }, 30_000);
});
