/** stack.ts: DBServer + TestServer --db as two processes behind one command, stopped together. */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GameStatus } from '../../protocol/game-packets.ts';
import { GameClient } from './testing/game-client.ts';

const STACK = fileURLToPath(new URL('./stack.ts', import.meta.url));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function connectWithin(port: number, ms: number): Promise<GameClient> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await GameClient.connect(port);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('stack.ts', () => {
  it('serves CRUD on --port and stops both servers on SIGTERM with exit 0', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', STACK, '--port', String(port), '--db-port', '0', '--db-arg', '--log-level=warn', '--test-arg', '--log-level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NMT_DB_BACKEND: 'sqlite' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const client = await connectWithin(port, 40_000);
      // The TestServer's links may still be connecting right after it listens.
      let res = await client.createPlayer('stacked', 5);
      for (let i = 0; i < 50 && res.status === GameStatus.DbUnavailable; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await client.createPlayer('stacked', 5);
      }
      expect(res.status).toBe(GameStatus.Ok);
      client.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('DBServer stopped');
      expect(out).toContain('TestServer stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a missing --port with exit 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', STACK], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise((r) => child.on('exit', r))).toBe(2);
    expect(err).toContain('--port: a port from 1 to 65535 is required');
  });
});
