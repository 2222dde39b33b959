/**
 * DbClient against fake DBServers on loopback: deadlines, overload, lost
 * links and reconnect. Every request must resolve with a status — never
 * hang, never reject.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSessionConnectRes, ConnectResult } from '../../protocol/index.ts';
import { GameStatus } from '../../protocol/game-packets.ts';
import { DbClient } from './db-client.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (let c = cleanups.pop(); c !== undefined; c = cleanups.pop()) c();
});

/** A fake DBServer that completes the handshake and then never answers. */
async function silentServer(): Promise<{ port: number; sockets: net.Socket[]; server: net.Server }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    s.once('data', () => s.write(encodeSessionConnectRes({ result: ConnectResult.Ok, sessionId: 1, serverTime: 1 })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, sockets, server };
}

function client(port: number, extra: Partial<ConstructorParameters<typeof DbClient>[0]> = {}): DbClient {
  const c = new DbClient({ host: '127.0.0.1', port, connections: 1, reconnectInitialMs: 10, reconnectMaxMs: 50, ...extra });
  cleanups.push(() => c.close());
  return c;
}

describe('DbClient', () => {
  it('answers DbUnavailable at once when no DBServer listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const c = client(port);
    const t0 = performance.now();
    const res = await c.request({ op: 'getPlayer', id: 1 });
    expect(res.status).toBe(GameStatus.DbUnavailable);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('answers Timeout when DBServer does not answer within the deadline', async () => {
    const { port } = await silentServer();
    const c = client(port, { requestTimeoutMs: 100 });
    expect(await c.waitReady(5000)).toBe(true);
    const res = await c.request({ op: 'getPlayer', id: 1 });
    expect(res.status).toBe(GameStatus.Timeout);
    expect(c.stats.timeouts).toBe(1);
  });

  it('answers Overloaded past maxInFlight without sending', async () => {
    const { port } = await silentServer();
    const c = client(port, { requestTimeoutMs: 200, maxInFlight: 2 });
    await c.waitReady(5000);
    const results = await Promise.all([1, 2, 3].map((id) => c.request({ op: 'getPlayer', id })));
    expect(results.map((r) => r.status)).toEqual([GameStatus.Timeout, GameStatus.Timeout, GameStatus.Overloaded]);
  });

  it('resolves requests in flight DbUnavailable when the link drops, then reconnects', async () => {
    const fake = await silentServer();
    const c = client(fake.port, { requestTimeoutMs: 5000 });
    await c.waitReady(5000);
    const pending = c.request({ op: 'getPlayer', id: 1 });
    await new Promise((r) => setTimeout(r, 50));
    for (const s of fake.sockets) s.destroy();
    expect((await pending).status).toBe(GameStatus.DbUnavailable);
    const deadline = Date.now() + 5000;
    while (c.linksUp === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(c.linksUp).toBe(1);
    expect(c.stats.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('after close(), requests answer DbUnavailable', async () => {
    const { port } = await silentServer();
    const c = client(port);
    c.close();
    expect((await c.request({ op: 'stats', reset: false })).status).toBe(GameStatus.DbUnavailable);
  });
});
