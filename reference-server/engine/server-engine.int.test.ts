import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectResult, DisconnectReason, PacketId, SESSION_CONNECT_RES_SIZE, writeSessionConnectRes } from '../../protocol/index.ts';
import { RawPeer } from '../testing/raw-peer.ts';
import { PeerPool, waitFor } from '../testing/server-fixture.ts';
import { HandlerPhase } from './handler-registry.ts';
import { silentLogger } from './logger.ts';
import { ServerEngine, type ServerEngineOptions } from './server-engine.ts';
import type { Session } from './session.ts';

/** An engine with a minimal handshake and an echo handler for id 0x0100. */
async function startEngine(options: ServerEngineOptions = {}): Promise<ServerEngine> {
  const engine = new ServerEngine({ logger: silentLogger(), ...options });
  engine.registry
    .register(
      PacketId.SessionConnectReq,
      (s: Session) => {
        const at = s.reserve(SESSION_CONNECT_RES_SIZE, PacketId.SessionConnectRes);
        writeSessionConnectRes(s.out, at, { result: ConnectResult.Ok, sessionId: s.id, serverTime: 1 });
        s.markConnected();
      },
      { phase: HandlerPhase.Handshake },
    )
    .register(0x0100, (s, buf, offset, size) => {
      const at = s.reserve(size, 0x0100);
      buf.copy(s.out, at, offset, offset + size);
    });
  await engine.start();
  return engine;
}

function echo(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(8, 0);
  b.writeUInt16LE(0x0100, 2);
  b.writeUInt32LE(n, 4);
  return b;
}

describe('ServerEngine', () => {
  const pool = new PeerPool();
  const engines: ServerEngine[] = [];
  afterEach(async () => {
    pool.destroyAll();
    await Promise.all(engines.splice(0).map((e) => e.shutdown({ deadlineMs: 1000 })));
  });

  it('runs an application handler registered on the registry', async () => {
    const engine = await startEngine();
    engines.push(engine);
    const peer = await pool.connected(engine.address!.port);
    await peer.write(echo(1234));
    const p = await peer.expect(0x0100);
    expect(p.bytes.readUInt32LE(4)).toBe(1234);
    expect(engine.sessions.get(1)?.state).toBe(2);
  });

  it('calls the hooks, and a throwing onConnected closes only that session', async () => {
    const events: string[] = [];
    let failNext = false;
    const engine = await startEngine({
      hooks: {
        onConnected: (s) => {
          events.push(`connected ${s.id}`);
          if (failNext) throw new Error('hook bug');
        },
        onDisconnected: (s, info) => {
          events.push(`closed ${s.id} ${info.by} ${info.reason}`);
          throw new Error('onDisconnected bug is logged, not fatal');
        },
      },
    });
    engines.push(engine);
    const ok = await pool.connected(engine.address!.port);
    failNext = true;
    const bad = await pool.connect(engine.address!.port);
    await bad.sendHandshake();
    expect((await bad.expectNotice()).reason).toBe(DisconnectReason.InternalError);
    expect(await bad.waitClosed()).toBe(true);
    await waitFor(() => events.length === 3, 'three hook calls');
    expect(events).toEqual(['connected 1', 'connected 2', `closed 2 server ${DisconnectReason.InternalError}`]);
    expect(engine.metrics.hookErrors).toBe(2);
    await ok.write(echo(5));
    expect((await ok.expect(0x0100)).bytes.readUInt32LE(4)).toBe(5);
  });

  it('per-packet trace logs appear only when the level allows, and follow level changes', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const engine = await startEngine({ logger });
    engines.push(engine);
    expect(engine.tracePackets).toBe(false);
    const peer = await pool.connected(engine.address!.port);
    await peer.write(echo(1));
    await peer.expect(0x0100);
    expect(lines.filter((l) => l.includes('"packet in"'))).toHaveLength(0);
    logger.level = 'trace';
    expect(engine.tracePackets).toBe(true);
    await peer.write(echo(2));
    await peer.expect(0x0100);
    const traced = lines.filter((l) => l.includes('"packet in"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(traced).toEqual([expect.objectContaining({ sessionId: 1, id: 0x0100, size: 8, level: 10 })]);
  });

  it('refuses new connections as soon as shutdown begins', async () => {
    const engine = await startEngine({ limits: { closeGraceMs: 5000 } });
    const port = engine.address!.port;
    const straggler = await pool.connect(port, { keepOpen: true });
    straggler.stopReading();
    const stopping = engine.shutdown({ deadlineMs: 1000 });
    expect(engine.state).toBe('shutting-down');
    const late = await RawPeer.connect(port).then(
      (p) => {
        p.destroy();
        return 'connected';
      },
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(late).toBe('ECONNREFUSED');
    expect((await stopping).destroyed).toBe(1);
    expect(engine.state).toBe('stopped');
  });
});

describe('ServerEngine metrics providers and buffered bytes', () => {
  it('appends provider families to /metrics, skips a throwing provider, and reports buffered bytes', async () => {
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, new Writable({ write: (c: Buffer, _e, cb) => (errors.push(c.toString()), cb()) }));
    const engine = await startEngine({ logger });
    try {
      engine.addMetricsProvider(() => [{ name: 'nmt_app_things', type: 'gauge', help: 'Things.', samples: [{ value: 7 }] }]);
      engine.addMetricsProvider(() => {
        throw new Error('provider bug');
      });
      const peer = await RawPeer.connect(engine.address!.port);
      await peer.handshake();
      await peer.write(echo(1).subarray(0, 5));
      await waitFor(() => engine.bufferedBytes().inbound === 5, 'the partial packet to be held');
      const text = engine.renderMetrics();
      expect(text).toContain('nmt_app_things 7');
      expect(text).toContain('nmt_session_buffered_bytes{direction="inbound"} 5');
      expect(errors.join('')).toContain('a metrics provider threw');
      expect(engine.uptimeMs).toBeGreaterThan(0);
      expect(engine.transportKind).toBe('tcp');
      peer.destroy();
    } finally {
      await engine.shutdown({ deadlineMs: 1000 });
    }
  });
});
