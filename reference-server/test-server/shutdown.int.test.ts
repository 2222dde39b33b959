import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DisconnectReason, PacketId } from '../../protocol/index.ts';
import { ServerEngine, silentLogger } from '../engine/index.ts';
import { PeerPool, sleep, startQuietServer } from '../testing/server-fixture.ts';

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('graceful shutdown (in-process)', () => {
  const pool = new PeerPool();
  afterEach(() => pool.destroyAll());

  it('sends ServerShutdown to every session, closes them, and stops accepting', async () => {
    const server = await startQuietServer();
    const connected = await Promise.all([1, 2, 3, 4].map(() => pool.connected(server.port)));
    const fresh = await pool.connect(server.port); // still in the handshake phase
    await connected[0]!.sendPing(1); // a response in flight still arrives before the notice
    await sleep(50);
    const result = await server.shutdown({ deadlineMs: 3000 });
    expect(result).toMatchObject({ sessionsAtStart: 5, destroyed: 0 });
    for (const peer of [...connected, fresh]) {
      expect(await peer.expectNotice()).toEqual({ reason: DisconnectReason.ServerShutdown, text: 'server is shutting down' });
      expect(await peer.waitClosed()).toBe(true);
    }
    expect(connected[0]!.received).toEqual([PacketId.SessionConnectRes, PacketId.PongRes, PacketId.DisconnectNotice]);
    expect(server.engine.state).toBe('stopped');
    expect(server.engine.metrics.disconnects[DisconnectReason.ServerShutdown]).toBe(5);
    expect(await refused(server.port)).toBe('ECONNREFUSED');
  });

  it('force-destroys a peer that neither reads nor closes, within the deadline, and reports 503 meanwhile', async () => {
    const server = await startQuietServer({ metrics: { port: 0 }, limits: { closeGraceMs: 30_000 } });
    const polite = await pool.connected(server.port);
    const stubborn = await pool.connect(server.port, { keepOpen: true });
    await stubborn.handshake();
    stubborn.stopReading();
    const t0 = Date.now();
    const done = server.shutdown({ deadlineMs: 800 });
    expect(server.shutdown()).toBe(done); // idempotent
    const health = await fetch(`http://127.0.0.1:${server.metricsPort}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'shutting_down' });
    const result = await done;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(result.sessionsAtStart).toBe(2);
    expect(result.destroyed).toBe(1);
    expect((await polite.expectNotice()).reason).toBe(DisconnectReason.ServerShutdown);
    expect(server.engine.sessions.size).toBe(0);
    await expect(fetch(`http://127.0.0.1:${server.metricsPort}/healthz`)).rejects.toThrow();
  });

  it('shutdown during start stops the engine and start rejects', async () => {
    const engine = new ServerEngine({ logger: silentLogger(), metrics: { port: 0 } });
    const starting = engine.start();
    const stopping = engine.shutdown({ deadlineMs: 1000 });
    await expect(starting).rejects.toMatchObject({ code: 'NMT_SERVER_INVALID_STATE' });
    await stopping;
    expect(engine.state).toBe('stopped');
  });

  it('shutdown before start resolves at once; start after shutdown is refused', async () => {
    const engine = new ServerEngine({ logger: silentLogger() });
    expect(await engine.shutdown()).toEqual({ sessionsAtStart: 0, destroyed: 0, durationMs: 0 });
    await expect(engine.start()).rejects.toMatchObject({ code: 'NMT_SERVER_INVALID_STATE' });
  });
});
