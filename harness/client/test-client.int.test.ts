import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectResult,
  DisconnectReason,
  type HeaderLayout,
  PacketId,
  ProtocolErrorCode,
  encodeDisconnectNotice,
} from '../../protocol/index.ts';
import type { ReceivedPacket } from './client-options.ts';
import { ClientDisconnectedError, ClientError, ClientErrorCode, HandshakeRejectedError } from './errors.ts';
import { type FakeServer, type FakeServerOptions, startFakeServer } from './fake-server.ts';
import { TestClient } from './test-client.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const server = await startFakeServer(options);
  cleanups.push(() => server.close());
  return server;
}

async function connected(server: FakeServer, options: ConstructorParameters<typeof TestClient>[0] = {}): Promise<TestClient> {
  const client = new TestClient({ closeGraceMs: 200, ...options });
  cleanups.push(() => client.close());
  await client.connect({ host: '127.0.0.1', port: server.port });
  return client;
}

/** A port that was just bound and closed, so nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<ClientError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClientError);
  return err as ClientError;
}

describe('TestClient handshake', () => {
  it('returns SessionConnectRes and remembers the session id', async () => {
    const server = await fakeServer({ sessionId: 1234 });
    const client = await connected(server);
    const res = await client.handshake();
    expect(res.result).toBe(ConnectResult.Ok);
    expect(res.sessionId).toBe(1234);
    expect(res.serverTime).toBeGreaterThan(1_600_000_000_000_000);
    expect(client.sessionId).toBe(1234);
    expect(client.isOpen).toBe(true);
  });

  it.each([
    [ConnectResult.VersionMismatch, 'VersionMismatch'],
    [ConnectResult.AuthFailed, 'AuthFailed'],
    [ConnectResult.ServerFull, 'ServerFull'],
    [9, 'Unknown(9)'],
  ])('rejects result %d with HandshakeRejectedError (%s), then reports the server notice', async (result, name) => {
    const server = await fakeServer({ connectResult: result });
    const client = await connected(server);
    const err = await rejection(client.handshake({ clientVersion: 7, token: 'tok' }));
    expect(err).toBeInstanceOf(HandshakeRejectedError);
    expect(err.code).toBe(ClientErrorCode.HANDSHAKE_REJECTED);
    expect((err as HandshakeRejectedError).result).toBe(result);
    expect((err as HandshakeRejectedError).resultName).toBe(name);
    const closedWith = await client.closed;
    expect(closedWith).toBeInstanceOf(ClientDisconnectedError);
    expect((closedWith as ClientDisconnectedError).reason).toBe(DisconnectReason.HandshakeRejected);
    expect(client.sessionId).toBeNull();
  });

  it('times out with NMT_CLIENT_TIMEOUT when no answer comes', async () => {
    // Reads (so it sees the client's FIN) but never answers.
    const server = createServer((s) => s.on('error', () => {}).resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const client = new TestClient({ closeGraceMs: 50 });
    cleanups.push(() => client.close());
    await client.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
    const err = await rejection(client.handshake({ timeoutMs: 50 }));
    expect(err.code).toBe(ClientErrorCode.TIMEOUT);
    expect(err.message).toContain('no SessionConnectRes from 127.0.0.1:');
  });
});

describe('TestClient ping', () => {
  it('measures one ping', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    await client.handshake();
    const a = await client.ping();
    const b = await client.ping();
    expect(a.seq).not.toBe(b.seq);
    expect(a.rttMicros).toBeGreaterThan(0);
    expect(a.rttMicros).toBeLessThan(5_000_000);
    expect(b.serverTime).toBeGreaterThanOrEqual(a.serverTime);
    expect(client.stats.unmatchedPongs).toBe(0);
  });

  it('matches concurrent ping() calls by seq when pongs come back reversed', async () => {
    const server = await fakeServer({ pongMode: 'reverse', reverseBatch: 4 });
    const client = await connected(server);
    await client.handshake();
    const results = await Promise.all([client.ping(), client.ping(), client.ping(), client.ping()]);
    expect(results.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    // Reversed answers: the first ping waited longest.
    expect(results[0]!.rttMicros).toBeGreaterThanOrEqual(results[3]!.rttMicros);
  });

  it('pipelines pingMany and matches out-of-order pongs', async () => {
    const server = await fakeServer({ pongMode: 'reverse', reverseBatch: 8 });
    const client = await connected(server);
    await client.handshake();
    const seqs = new Set<number>();
    const result = await client.pingMany(800, { inFlight: 8, onRtt: (_rtt, seq) => seqs.add(seq) });
    expect(result.count).toBe(800);
    expect(result.rttMicros).toHaveLength(800);
    expect(seqs.size).toBe(800);
    expect(Math.min(...result.rttMicros)).toBeGreaterThan(0);
    expect(result.elapsedMs).toBeGreaterThan(0);
    expect((await server.connection(0)).pingsReceived).toBe(800);
    expect(client.stats.unmatchedPongs).toBe(0);
    // Batched sends: far fewer chunks than pings.
    expect(client.stats.packetsOut).toBe(801);
  });

  it('runs one pingMany at a time and a second run after the first', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    await client.handshake();
    const first = client.pingMany(50, { inFlight: 4 });
    const err = await rejection(client.pingMany(5));
    expect(err.code).toBe(ClientErrorCode.INVALID_STATE);
    expect((await first).count).toBe(50);
    expect((await client.pingMany(5)).count).toBe(5);
  });

  it('fails a stalled pingMany with NMT_CLIENT_TIMEOUT', async () => {
    const server = await fakeServer({ pongMode: 'none' });
    const client = await connected(server);
    await client.handshake();
    const err = await rejection(client.pingMany(10, { inFlight: 2, stallTimeoutMs: 100 }));
    expect(err.code).toBe(ClientErrorCode.TIMEOUT);
    expect(err.message).toContain('2 ping(s) outstanding (0/10 answered)');
  });

  it('times out ping() with NMT_CLIENT_TIMEOUT and ignores its late pong', async () => {
    const server = await fakeServer({ pongMode: 'none' });
    const client = await connected(server);
    await client.handshake();
    const err = await rejection(client.ping({ timeoutMs: 30 }));
    expect(err.code).toBe(ClientErrorCode.TIMEOUT);
    expect(err.message).toContain('no PongRes for seq 0 from 127.0.0.1:');
    expect(client.isOpen).toBe(true);
  });

  it('keeps pongs of unknown seqs for expect()', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    await client.handshake();
    // A raw PingReq the client did not track (seq 0xdeadbeef).
    const ping = Buffer.from('100003000000000000000000efbeadde', 'hex');
    client.sendRaw(ping);
    const pong = await client.expect(PacketId.PongRes);
    expect(pong.payload.readUInt32LE(16)).toBe(0xdeadbeef);
    expect(client.stats.unmatchedPongs).toBe(1);
  });
});

describe('TestClient receive path', () => {
  it('decodes packets dribbled one byte at a time', async () => {
    const server = await fakeServer({ splitBytes: true, sessionId: 77 });
    const client = await connected(server);
    expect((await client.handshake()).sessionId).toBe(77);
    const result = await client.pingMany(3, { inFlight: 3 });
    expect(result.count).toBe(3);
    // 21-byte SessionConnectRes + 3 × 24-byte PongRes, mostly one byte per chunk.
    expect(client.stats.bytesIn).toBe(21 + 3 * 24);
    expect(client.stats.chunksIn).toBeGreaterThan(4);
    expect(client.stats.packetsIn).toBe(4);
  });

  it('surfaces DisconnectNotice as ClientDisconnectedError to pending calls and closed', async () => {
    const server = await fakeServer({ pongMode: 'none' });
    const client = await connected(server);
    await client.handshake();
    const pending = rejection(client.ping());
    const waiting = rejection(client.expect(0x0100));
    (await server.connection(0)).notice(DisconnectReason.RateLimited, 'over 10000 packets/s');
    const err = await pending;
    expect(err).toBeInstanceOf(ClientDisconnectedError);
    const notice = err as ClientDisconnectedError;
    expect(notice.code).toBe(ClientErrorCode.DISCONNECTED);
    expect(notice.reason).toBe(DisconnectReason.RateLimited);
    expect(notice.reasonName).toBe('RateLimited');
    expect(notice.serverText).toBe('over 10000 packets/s');
    expect(await waiting).toBe(err);
    expect(await client.closed).toBe(err);
    expect(client.isOpen).toBe(false);
    const after = await rejection(client.ping());
    expect(after.code).toBe(ClientErrorCode.CLOSED);
    expect(after.cause).toBe(err);
  });

  it('gives the DisconnectNotice packet to expect(DisconnectNotice)', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    const waiting = client.expect(PacketId.DisconnectNotice);
    (await server.connection(0)).notice(DisconnectReason.NotConnected, 'connect first');
    const packet = await waiting;
    expect(packet.payload.readUInt16LE(0)).toBe(DisconnectReason.NotConnected);
    expect(packet.payload.subarray(4).toString('utf8')).toBe('connect first');
  });

  it('reports a connection closed without notice as NMT_CLIENT_CLOSED_BY_PEER', async () => {
    const server = await fakeServer({ pongMode: 'none' });
    const client = await connected(server);
    await client.handshake();
    const pending = client.ping();
    (await server.connection(0)).socket.destroy();
    const err = await rejection(pending);
    expect(err.code).toBe(ClientErrorCode.CLOSED_BY_PEER);
    expect(err.message).toContain(`server 127.0.0.1:${server.port}`);
  });

  it('closes with NMT_CLIENT_PROTOCOL_ERROR when the server breaks the framing', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    const waiting = client.expect(0x0100);
    (await server.connection(0)).write(Buffer.from('02000100', 'hex'));
    const err = await rejection(waiting);
    expect(err.code).toBe(ClientErrorCode.PROTOCOL_ERROR);
    expect((err.cause as { code: string }).code).toBe(ProtocolErrorCode.SIZE_TOO_SMALL);
    expect(await client.closed).toBe(err);
  });

  it('closes with NMT_CLIENT_PROTOCOL_ERROR on a malformed DisconnectNotice', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    const bad = encodeDisconnectNotice({ reason: 1, text: 'abc' });
    bad.writeUInt16LE(9, 6); // textLength no longer matches the size
    (await server.connection(0)).write(bad);
    const err = await client.closed;
    expect(err?.code).toBe(ClientErrorCode.PROTOCOL_ERROR);
    expect(err?.message).toContain('DisconnectNotice: textLength 9 does not match packet size 11');
  });

  it.each([
    ['a PongRes of the wrong size', '0800040000000000', 'PongRes of 8 bytes, expected 24'],
    ['a SessionConnectRes of the wrong size', '0800020000000000', 'SessionConnectRes: expected 21 bytes, got 8'],
  ])('closes with NMT_CLIENT_PROTOCOL_ERROR on %s', async (_name, hex, detail) => {
    const server = await fakeServer({ pongMode: 'none' });
    const client = await connected(server);
    const handshake = rejection(client.handshake());
    (await server.connection(0)).write(Buffer.from(hex, 'hex'));
    const err = await client.closed;
    expect(err?.code).toBe(ClientErrorCode.PROTOCOL_ERROR);
    expect(err?.message).toContain(detail);
    expect(await handshake).toBe(err);
  });

  it('ends packets() with the close error, also for an iterator made after the close', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    const before = client.packets();
    (await server.connection(0)).notice(DisconnectReason.ServerShutdown, 'bye');
    const closedWith = await client.closed;
    expect(closedWith?.code).toBe(ClientErrorCode.DISCONNECTED);
    expect((await before.next()).value).toMatchObject({ id: PacketId.DisconnectNotice });
    await expect(before.next()).rejects.toBe(closedWith);
    await expect(client.packets().next()).rejects.toBe(closedWith);
  });

  it('keeps an unsolicited packet for a later expect and shows it to onPacket and packets()', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    const seen: ReceivedPacket[] = [];
    const unsubscribe = client.onPacket((p) => seen.push(p));
    const stream = client.packets();
    (await server.connection(0)).write(Buffer.from('0700000201' + '0203', 'hex'));
    const first = await stream.next();
    expect(first.value).toEqual({ id: 0x0200, payload: Buffer.from('010203', 'hex') });
    expect(seen).toEqual([first.value]);
    // expect() after an await still finds it.
    expect(await client.expect(0x0200)).toEqual(first.value);
    unsubscribe();
    await client.close();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(seen).toHaveLength(1);
  });

  it('closes with NMT_CLIENT_LISTENER_ERROR when an onPacket listener throws', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    client.onPacket(() => {
      throw new Error('listener bug');
    });
    (await server.connection(0)).write(Buffer.from('04000002', 'hex'));
    const err = await client.closed;
    expect(err?.code).toBe(ClientErrorCode.LISTENER_ERROR);
    expect((err?.cause as Error).message).toBe('listener bug');
  });

  it('times out expect() with NMT_CLIENT_TIMEOUT', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    const err = await rejection(client.expect(0x0100, { timeoutMs: 30 }));
    expect(err.code).toBe(ClientErrorCode.TIMEOUT);
    expect(err.message).toContain('within 30 ms');
    expect(client.isOpen).toBe(true);
  });
});

describe('TestClient send', () => {
  it('frames send(id, payload) so the server receives it', async () => {
    const server = await fakeServer();
    const client = await connected(server);
    expect(client.send(0x0101, Buffer.from('hello'))).toBe(true);
    client.send(0x0102);
    const conn = await server.connection(0);
    const deadline = Date.now() + 5000;
    while (conn.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(conn.received).toEqual([
      { id: 0x0101, payload: Buffer.from('hello') },
      { id: 0x0102, payload: Buffer.alloc(0) },
    ]);
    expect(client.stats.packetsOut).toBe(2);
    expect(client.stats.bytesOut).toBe(9 + 4);
    await client.waitForDrain();
  });

  it('reports a full send buffer and resolves waitForDrain once the server reads', async () => {
    // A plain server that starts out not reading.
    let peer: Socket | null = null;
    const sink = createServer((s) => {
      peer = s.on('error', () => {}).pause();
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => sink.close(() => resolve())));
    const client = new TestClient({ closeGraceMs: 50 });
    cleanups.push(() => client.close());
    await client.connect({ host: '127.0.0.1', port: (sink.address() as { port: number }).port });
    const chunk = Buffer.alloc(1 << 20);
    let writes = 0;
    while (client.sendRaw(chunk) && writes < 256) writes++;
    const drained = client.waitForDrain();
    const deadline = Date.now() + 5000;
    while (peer === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    (peer as Socket | null)?.resume();
    await drained;
    expect(client.stats.bytesOut).toBe((writes + 1) * chunk.length);
  });

  it('speaks a foreign header layout and gives id 0x0005 no v1 meaning', async () => {
    // Big-endian [id u16][size u32 excluding header]; the server echoes bytes back.
    const layout: HeaderLayout = {
      headerSize: 6,
      idOffset: 0,
      idWidth: 2,
      sizeOffset: 2,
      sizeWidth: 4,
      littleEndian: false,
      sizeIncludesHeader: false,
    };
    const echo: Server = createServer((s) => {
      s.on('error', () => {});
      s.pipe(s);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => echo.close(() => resolve())));
    const client = new TestClient({ layout, closeGraceMs: 100 });
    cleanups.push(() => client.close());
    await client.connect({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
    client.send(0x0005, Buffer.from('not a notice'));
    const back = await client.expect(0x0005);
    expect(back.payload.toString()).toBe('not a notice');
    expect(client.isOpen).toBe(true);
    const err = await rejection(client.ping());
    expect(err.code).toBe(ClientErrorCode.INVALID_STATE);
    expect(err.message).toContain('needs wire protocol v1 framing');
  });
});

describe('TestClient connection errors and lifecycle', () => {
  it('maps ECONNREFUSED to NMT_CLIENT_CONNECT_REFUSED with a hint', async () => {
    const port = await closedPort();
    const client = new TestClient();
    const err = await rejection(client.connect({ host: '127.0.0.1', port }));
    expect(err.code).toBe(ClientErrorCode.CONNECT_REFUSED);
    expect(err.errno).toBe('ECONNREFUSED');
    expect(err.message).toBe(`connection to 127.0.0.1:${port} refused: is the server running on 127.0.0.1:${port}?`);
    expect(await client.closed).toBe(err);
    await client.close();
  });

  it('reports a malformed local address as NMT_CLIENT_CONNECT_FAILED', async () => {
    const client = new TestClient();
    const err = await rejection(client.connect({ host: '127.0.0.1', port: 9, localAddress: 'not-an-ip' }));
    expect(err.code).toBe(ClientErrorCode.CONNECT_FAILED);
    expect(err.message).toContain("local address 'not-an-ip' is not an IP address");
  });

  it.each([
    ['port 0', { host: '127.0.0.1', port: 0 }, 'connect port must be an integer from 1 to 65535, got 0'],
    ['empty host', { host: '', port: 1 }, 'connect: host must be a non-empty string'],
    ['zero timeout', { host: '127.0.0.1', port: 1, timeoutMs: 0 }, 'connect timeoutMs must be an integer'],
  ])('rejects %s with NMT_CLIENT_INVALID_ARGUMENT', async (_name, options, message) => {
    const err = await rejection(new TestClient().connect(options));
    expect(err.code).toBe(ClientErrorCode.INVALID_ARGUMENT);
    expect(err.message).toContain(message);
  });

  it('refuses calls before connect and a second connect', async () => {
    const client = new TestClient();
    expect((await rejection(client.ping())).code).toBe(ClientErrorCode.INVALID_STATE);
    expect((await rejection(client.expect(1))).code).toBe(ClientErrorCode.INVALID_STATE);
    expect(() => client.send(1)).toThrow(expect.objectContaining({ code: ClientErrorCode.INVALID_STATE }));
    const server = await fakeServer();
    const c2 = await connected(server);
    expect((await rejection(c2.connect({ host: '127.0.0.1', port: server.port }))).code).toBe(ClientErrorCode.INVALID_STATE);
  });

  it('rejects pending calls with NMT_CLIENT_CLOSED on close() and resolves closed with null', async () => {
    const server = await fakeServer({ pongMode: 'none' });
    const client = await connected(server);
    await client.handshake();
    const ping = client.ping();
    const run = client.pingMany(10, { inFlight: 2 });
    const waiting = client.expect(0x0100);
    const stream = client.packets();
    const errors = Promise.all([ping, run, waiting].map((p) => rejection(p)));
    await client.close();
    expect((await errors).map((e) => e.code)).toEqual([
      ClientErrorCode.CLOSED,
      ClientErrorCode.CLOSED,
      ClientErrorCode.CLOSED,
    ]);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(await client.closed).toBeNull();
    expect(() => client.sendRaw(Buffer.alloc(4))).toThrow(expect.objectContaining({ code: ClientErrorCode.CLOSED }));
    await client.close(); // idempotent
  });

  it('validates client options', () => {
    expect(() => new TestClient({ requestTimeoutMs: 0 })).toThrow('requestTimeoutMs must be an integer from 1');
    expect(() => new TestClient({ maxPacketSize: 2 })).toThrow('maxPacketSize must be an integer from 4 to 65535');
    expect(() => new TestClient({ inboxLimit: -1 })).toThrow('inboxLimit must be an integer from 0');
  });
});
