import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientConnection, type ConnectionListener } from './client-connection.ts';
import { type ClientError, ClientErrorCode } from './errors.ts';

/** Records the events a connection reports. */
class Recorder implements ConnectionListener {
  events: string[] = [];
  data: Buffer[] = [];
  closedWith: ClientError | null | undefined = undefined;
  onOpen(): void {
    this.events.push('open');
  }
  onData(chunk: Buffer): void {
    this.events.push('data');
    this.data.push(chunk);
  }
  onDrain(): void {
    this.events.push('drain');
  }
  onClosed(err: ClientError | null): void {
    this.events.push('closed');
    this.closedWith = err;
  }
}

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A loopback server; `onSocket` sees each accepted socket. */
async function listen(onSocket: (s: Socket) => void, allowHalfOpen = false): Promise<number> {
  const server = createServer({ allowHalfOpen }, (s) => {
    sockets.push(s);
    s.on('error', () => {});
    onSocket(s);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function open(rec: Recorder, port: number, closeGraceMs = 1000): ClientConnection {
  const conn = new ClientConnection(rec, `127.0.0.1:${port}`, closeGraceMs);
  conn.open({ host: '127.0.0.1', port, localAddress: undefined, timeoutMs: 5000 });
  return conn;
}

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ClientConnection', () => {
  it('reports open, data, and a clean close by the peer as null', async () => {
    const port = await listen((s) => s.end(Buffer.from('hi')));
    const rec = new Recorder();
    const conn = open(rec, port);
    await conn.closed;
    expect(rec.events[0]).toBe('open');
    expect(Buffer.concat(rec.data).toString()).toBe('hi');
    expect(rec.events.at(-1)).toBe('closed');
    expect(rec.closedWith).toBeNull();
  });

  it('reports a connect timeout as NMT_CLIENT_CONNECT_TIMEOUT', async () => {
    const port = await listen(() => {});
    const rec = new Recorder();
    const conn = open(rec, port);
    // Fire the timeout by hand before the connect completes: no timing race.
    conn.handleConnectTimeout(250);
    await conn.closed;
    expect(rec.events).toEqual(['closed']);
    expect(rec.closedWith?.code).toBe(ClientErrorCode.CONNECT_TIMEOUT);
    expect(rec.closedWith?.message).toBe(
      `no answer from 127.0.0.1:${port} within 250 ms: is the host reachable and the port open (firewall)?`,
    );
  });

  it('destroys the socket after the grace period when the peer never closes its side', async () => {
    // allowHalfOpen: the server keeps its side open after our FIN.
    const port = await listen(() => {}, true);
    const rec = new Recorder();
    const conn = open(rec, port, 50);
    await until(() => rec.events.includes('open'));
    conn.end();
    await conn.closed;
    expect(rec.closedWith).toBeNull();
    expect(rec.events).toEqual(['open', 'closed']);
  });

  it('reports a reset after connect as NMT_CLIENT_CLOSED_BY_PEER with ECONNRESET', async () => {
    // Reset once the client has surely seen its connect: when its first bytes arrive.
    const port = await listen((s) => s.once('data', () => s.resetAndDestroy()));
    const rec = new Recorder();
    const conn = open(rec, port);
    await until(() => rec.events.includes('open'));
    conn.write(Buffer.from('x'));
    await conn.closed;
    expect(rec.closedWith?.code).toBe(ClientErrorCode.CLOSED_BY_PEER);
    expect(rec.closedWith?.errno).toBe('ECONNRESET');
  });

  it('reports backpressure: needsDrain, then drain once the peer reads', async () => {
    let peer: Socket | null = null;
    const port = await listen((s) => {
      peer = s;
      s.pause();
    });
    const rec = new Recorder();
    const conn = open(rec, port);
    await until(() => rec.events.includes('open') && peer !== null);
    const chunk = Buffer.alloc(1 << 20);
    let writes = 0;
    while (conn.write(chunk) && writes < 256) writes++;
    expect(conn.needsDrain).toBe(true);
    peer!.resume();
    await until(() => rec.events.includes('drain'));
    expect(conn.needsDrain).toBe(false);
    conn.destroy();
    await conn.closed;
  });

  it('times a tcp connection: ready when TCP is up, no TLS part', async () => {
    const port = await listen(() => {});
    const rec = new Recorder();
    const conn = open(rec, port);
    expect(conn.timings).toBeNull();
    await until(() => rec.events.includes('open'));
    const t = conn.timings!;
    expect(t.tlsHandshakeMs).toBeNull();
    expect(t.readyMs).toBe(t.tcpMs);
    conn.destroy();
    await conn.closed;
  });

  it('a ws upgrade that never gets an answer is NMT_CLIENT_CONNECT_TIMEOUT naming the steps', async () => {
    const port = await listen(() => {}); // accepts TCP, never answers the HTTP upgrade
    const rec = new Recorder();
    const conn = new ClientConnection(rec, `127.0.0.1:${port}`, 1000);
    conn.open({ host: '127.0.0.1', port, localAddress: undefined, timeoutMs: 100, transport: 'ws', wsPath: '/' });
    await conn.closed;
    expect(rec.events).toEqual(['closed']);
    expect(rec.closedWith?.code).toBe(ClientErrorCode.CONNECT_TIMEOUT);
    expect(rec.closedWith?.message).toContain('within 100 ms (TCP connect + WebSocket upgrade)');
  });

  it.each(['tls', 'wss'] as const)('%s without TLS options throws NMT_CLIENT_INVALID_ARGUMENT', (transport) => {
    const conn = new ClientConnection(new Recorder(), '127.0.0.1:1', 1000);
    expect(() => conn.open({ host: '127.0.0.1', port: 1, localAddress: undefined, timeoutMs: 100, transport })).toThrow(
      expect.objectContaining({ code: ClientErrorCode.INVALID_ARGUMENT }),
    );
  });
});
