import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RawPeer } from '../../reference-server/testing/raw-peer.ts';
import { BUNDLE_ENV, TEST_SERVER_V8_FLAGS, bundleCacheDir, testServerEntry, testServerLaunch } from './server-bundle.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** Starts `node …nodeArgs` as a TestServer on port 0 and resolves its ready line's port. */
function startServer(nodeArgs: string[]): Promise<{ port: number; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [...nodeArgs, '--host', '127.0.0.1', '--port', '0', '--no-metrics', '--ready-json', '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<number | null> => {
    child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolveReady, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within 20 s; stderr: ${err}`));
    }, 20_000);
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolveReady({ port: (JSON.parse(line) as { port: number }).port, stop });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before its ready line; stderr: ${err}`));
    });
  });
}

describe('testServerLaunch', () => {
  const temps: string[] = [];
  afterAll(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  it('bundles the TestServer once, reuses the bundle while the sources are unchanged, and the bundle serves', async () => {
    const first = await testServerLaunch(ROOT, {});
    expect(first.note).toBeNull();
    expect(first.bundle).not.toBeNull();
    expect(first.bundle!.startsWith(bundleCacheDir(ROOT))).toBe(true);
    expect(first.nodeArgs).toEqual([...TEST_SERVER_V8_FLAGS, first.bundle]);
    // Module-relative URLs were replaced by each source's own URL.
    expect(readFileSync(first.bundle!, 'utf8')).not.toContain('import.meta.url');
    const second = await testServerLaunch(ROOT, {});
    expect(second.bundle).toBe(first.bundle);

    const server = await startServer(first.nodeArgs);
    const peer = await RawPeer.connect(server.port);
    try {
      expect((await peer.handshake()).result).toBe(0);
      expect((await peer.ping(7)).seq).toBe(7);
    } finally {
      peer.destroy();
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);

  it('rebuilds when a source the bundle was made from changes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nmt-bundle-'));
    temps.push(root);
    const dir = join(root, 'reference-server', 'test-server');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.ts'), "import { greeting } from './dep.ts';\nconsole.log(greeting, import.meta.url);\n");
    writeFileSync(join(dir, 'dep.ts'), "export const greeting: string = 'first';\n");
    const a = await testServerLaunch(root, {});
    expect(a.note).toBeNull();
    expect(readFileSync(a.bundle!, 'utf8')).toContain(JSON.stringify(pathToFileURL(join(dir, 'main.ts')).href));
    expect((await testServerLaunch(root, {})).bundle).toBe(a.bundle);
    writeFileSync(join(dir, 'dep.ts'), "export const greeting: string = 'second';\n");
    const b = await testServerLaunch(root, {});
    expect(b.bundle).not.toBe(a.bundle);
    expect(readFileSync(b.bundle!, 'utf8')).toContain('second');
  });

  it(`runs under tsx when ${BUNDLE_ENV}=0`, async () => {
    const launch = await testServerLaunch(ROOT, { [BUNDLE_ENV]: '0' });
    expect(launch.bundle).toBeNull();
    expect(launch.nodeArgs).toEqual([...TEST_SERVER_V8_FLAGS, '--import', 'tsx', testServerEntry(ROOT)]);
    expect(launch.note).toContain(BUNDLE_ENV);
  });

  it('falls back to tsx, saying why, when bundling fails', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'nmt-bundle-'));
    temps.push(empty);
    const launch = await testServerLaunch(empty, {});
    expect(launch.bundle).toBeNull();
    expect(launch.nodeArgs).toContain('tsx');
    expect(launch.note).toMatch(/^bundling failed, running under tsx: /);
  });
});
