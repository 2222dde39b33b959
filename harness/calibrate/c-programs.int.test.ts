/**
 * Protocol correctness of the C calibration programs, against the project's
 * own implementations: our TestClient against the C pong-server (every v1
 * packet and violation), and the C load-client against our TestServer.
 * Skipped, with the reason, when this machine has no C compiler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientErrorCode, TestClient, type ClientError } from '../client/index.ts';
import { PROJECT_ROOT } from '../runner/coordinator.ts';
import { PacketId, encodePingReq } from '../../protocol/index.ts';
import { startTestServer, type RunningTestServer } from '../../reference-server/test-server/app.ts';
import { buildCalibrationTools, type CalibrationTools } from './build.ts';
import { runLoadClient } from './c-client.ts';
import { CalibrationError, CalibrationErrorCode } from './errors.ts';
import { startCalibrationServer, type CalibrationServer } from './server-process.ts';
import type { LoadSpec } from './types.ts';

let tools: CalibrationTools | null = null;
let skipReason = '';
try {
  tools = await buildCalibrationTools({ projectRoot: PROJECT_ROOT });
} catch (err) {
  if (!(err instanceof CalibrationError) || err.code !== CalibrationErrorCode.NO_COMPILER) throw err;
  skipReason = err.message;
  console.warn(`[c-programs.int.test] skipped: ${skipReason}`);
}

const spec = (port: number, over: Partial<LoadSpec> = {}): LoadSpec => ({
  host: '127.0.0.1',
  port,
  mode: 'ping',
  connections: 4,
  inflight: 1,
  size: 16,
  warmupMs: 100,
  durationMs: 400,
  connectTimeoutMs: 10_000,
  sourceAddresses: [],
  ...over,
});

describe.skipIf(tools === null)('our TestClient against the C pong-server', () => {
  let server: CalibrationServer;
  const clients: TestClient[] = [];
  const client = async (): Promise<TestClient> => {
    const c = new TestClient({ requestTimeoutMs: 5000 });
    clients.push(c);
    await c.connect({ host: server.host, port: server.port });
    return c;
  };

  beforeAll(async () => {
    server = await startCalibrationServer({ what: 'C pong-server', command: tools!.pongServer, args: ['--port', '0'], cwd: PROJECT_ROOT, readyTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await server?.stop();
  });

  it('handshakes with increasing session ids and the server time in µs', async () => {
    const a = await client();
    const b = await client();
    const ra = await a.handshake({ clientVersion: 1 });
    const rb = await b.handshake({ clientVersion: 1, token: 'any token is accepted' });
    expect(ra.result).toBe(0);
    expect(rb.sessionId).toBeGreaterThan(ra.sessionId);
    expect(Math.abs(ra.serverTime / 1000 - Date.now())).toBeLessThan(5000);
  });

  it('answers pings with their seq and clientTime, in order, also 16 in flight', async () => {
    const c = await client();
    await c.handshake({});
    const one = await c.ping();
    expect(one.rttMicros).toBeGreaterThan(0);
    expect(Math.abs(one.serverTime / 1000 - Date.now())).toBeLessThan(5000);
    const run = await c.pingMany(2000, { inFlight: 16 });
    expect(run.count).toBe(2000);
    expect(c.stats.unmatchedPongs).toBe(0);
  });

  it('reassembles frames split at every byte', async () => {
    const c = await client();
    await c.handshake({});
    const ping = encodePingReq({ clientTime: 123, seq: 4242 });
    const got = c.expect(PacketId.PongRes, { timeoutMs: 5000 });
    for (const byte of ping) {
      c.sendRaw(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 2));
    }
    const pong = await got;
    expect(pong.payload.readUInt32LE(16)).toBe(4242);
    expect(pong.payload.readUInt32LE(0)).toBe(123);
  });

  it.each([
    ['a ping before the handshake', (c: TestClient) => c.send(PacketId.PingReq, Buffer.alloc(12)), 'NotConnected'],
    ['an unknown packet id', (c: TestClient) => c.send(0x0777, Buffer.alloc(3)), 'UnknownPacketId'],
    ['a size below the header', (c: TestClient) => c.sendRaw(Buffer.from([2, 0, 3, 0])), 'SizeTooSmall'],
    ['a malformed SessionConnectReq', (c: TestClient) => c.send(PacketId.SessionConnectReq, Buffer.from([1, 0, 0, 0, 9, 0])), 'MalformedPayload'],
  ])('closes with a DisconnectNotice after %s', async (_what, act, reason) => {
    const c = await client();
    act(c);
    const err = (await c.closed) as ClientError & { reasonName?: string };
    expect(err.code).toBe(ClientErrorCode.DISCONNECTED);
    expect(err.reasonName).toBe(reason);
  });

  it('rejects another protocol version (VersionMismatch, then HandshakeRejected)', async () => {
    const c = await client();
    await expect(c.handshake({ clientVersion: 2 })).rejects.toMatchObject({ code: ClientErrorCode.HANDSHAKE_REJECTED, resultName: 'VersionMismatch' });
  });
});

describe.skipIf(tools === null)('the C load-client', () => {
  let ours: RunningTestServer;
  let reference: CalibrationServer;

  beforeAll(async () => {
    ours = await startTestServer({ port: 0, limits: { rateLimitPerSecond: 0 } });
    reference = await startCalibrationServer({ what: 'C pong-server', command: tools!.pongServer, args: ['--port', '0'], cwd: PROJECT_ROOT, readyTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await ours?.shutdown();
    await reference?.stop();
  });

  it.each([
    ['ping, 1 in flight', { inflight: 1 }],
    ['ping, 16 in flight', { inflight: 16 }],
    ['handshake loops', { mode: 'handshake' as const }],
  ])('drives our TestServer without an error: %s', async (_what, over) => {
    const m = await runLoadClient(tools!, spec(ours.port, over), 'TestServer');
    expect(m.responses).toBeGreaterThan(0);
    expect(m.rate).toBeGreaterThan(0);
    expect(m.windowMs).toBeGreaterThanOrEqual(350);
    expect(m.connected).toBe(4);
    expect(m.errors).toEqual({ connect: 0, closed: 0, rejected: 0, protocol: 0, timeout: 0 });
    expect(m.latencyMicros!.count).toBe(m.responses);
    expect(m.latencyMicros!.p50).toBeLessThanOrEqual(m.latencyMicros!.p99);
  });

  it('counts the server refusing it: our TestServer answers EchoReq with UnknownPacketId', async () => {
    const m = await runLoadClient(tools!, spec(ours.port, { mode: 'echo', size: 64 }), 'TestServer');
    expect(m.responses).toBe(0);
    expect(m.errors.closed).toBeGreaterThan(0);
  });

  it('echoes any size through the C pong-server', async () => {
    const m = await runLoadClient(tools!, spec(reference.port, { mode: 'echo', size: 8192 }), 'C pong-server');
    expect(m.responses).toBeGreaterThan(0);
    expect(m.errors.protocol).toBe(0);
  });

  it('reports a refused connection as NMT_CAL_CLIENT_FAILED with its stderr', async () => {
    const closed = await startTestServer({ port: 0 });
    const port = closed.port;
    await closed.shutdown();
    await expect(runLoadClient(tools!, spec(port), 'nothing')).rejects.toMatchObject({
      code: CalibrationErrorCode.CLIENT_FAILED,
      message: expect.stringMatching(/exited with code 1; its last output:\nload-client: no connection/) as string,
    });
  });
});

describe.skipIf(tools !== null)('without a C compiler', () => {
  it('skips with the reason', () => {
    expect(skipReason).toMatch(/no C compiler/);
  });
});
