/**
 * `--inject-delay-ms` / `injectDelayMs`: the TestServer answers pings late on
 * purpose (the regression-gate test in harness/report relies on it).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ServerConfigError } from '../engine/index.ts';
import { PeerPool, startQuietServer } from '../testing/server-fixture.ts';
import { createTestServer, type RunningTestServer } from './app.ts';

describe('TestServer injectDelayMs', () => {
  let server: RunningTestServer;
  const pool = new PeerPool();

  beforeAll(async () => {
    server = await startQuietServer({ injectDelayMs: 40 });
  });
  afterEach(() => pool.destroyAll());
  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
  });

  it('answers each ping no sooner than the delay, with clientTime and seq intact', async () => {
    const peer = await pool.connected(server.port);
    for (let seq = 1; seq <= 3; seq++) {
      const start = performance.now();
      const pong = await peer.ping(seq);
      // Timers never fire early; allow 1 ms for clock granularity.
      expect(performance.now() - start).toBeGreaterThanOrEqual(39);
      expect(pong.seq).toBe(seq);
      expect(pong.clientTime).toBe(1000 + seq);
    }
  });

  it('keeps the order of pipelined pings', async () => {
    const peer = await pool.connected(server.port);
    const pongs = await Promise.all([peer.ping(7), peer.ping(8), peer.ping(9)]);
    expect(pongs.map((p) => p.seq)).toEqual([7, 8, 9]);
  });

  it.each([-1, 1.5, 60_001, Number.NaN])('rejects injectDelayMs %s with NMT_SERVER_CONFIG_INVALID', (v) => {
    let caught: unknown;
    try {
      createTestServer({ injectDelayMs: v });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ServerConfigError);
    expect((caught as ServerConfigError).code).toBe('NMT_SERVER_CONFIG_INVALID');
    expect((caught as ServerConfigError).issues[0]!.path).toBe('injectDelayMs');
  });
});
