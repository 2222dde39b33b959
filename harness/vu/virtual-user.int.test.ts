/**
 * Virtual users against real loopback sockets: the handshake, every error
 * kind a VU reports, flows with send/expect/capture/loop/set, feeders and
 * token templates, backpressure and source addresses. Each test runs a short
 * constant-vus phase (the simplest driver of VUs) against a small v1 server.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../protocol/packet-ids.ts';
import { createExecutor } from '../executors/index.ts';
import { SampleRecorder, scenario, startV1Server, workerContext, type V1Server, type V1ServerOptions } from '../executors/test-support.ts';
import type { WorkerContext } from '../executors/types.ts';
import { blobCatalogue } from './test-env.ts';

let server: V1Server | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Runs the single phase of `yaml` against a fresh server; returns the recorder and executor stats. */
async function runPhase(yaml: string, serverOptions: V1ServerOptions = {}, extra: Partial<WorkerContext> = {}) {
  server = await startV1Server(serverOptions);
  const sc = scenario(yaml);
  const recorder = new SampleRecorder();
  const warnings: string[] = [];
  const executor = createExecutor(sc.phases[0]!.executor, { warn: (m) => warnings.push(m) });
  const ctx = { ...workerContext({ scenario: sc, endpoints: [server.endpoint], recorder }), ...extra };
  await executor.run(sc.phases[0]!, ctx);
  await waitFor(() => server!.stats.open === 0);
  return { recorder, stats: executor.stats, warnings, server };
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

const pingFlow = (phase: string, flow = '[ping]') => `
name: vu-test
flow: ${flow}
phases:
  - ${phase}
`;

describe('VU handshake and ping', () => {
  it('connects, handshakes, pings and closes every socket at the end of the phase', async () => {
    const { recorder, stats } = await runPhase(pingFlow('{ executor: constant-vus, vus: 2, duration: 300ms }'));
    expect(recorder.attempted).toBe(2);
    expect(recorder.established).toBe(2);
    expect(recorder.handshakeMicros).toHaveLength(2);
    expect(recorder.sessionsMax).toBe(2);
    expect(recorder.sessionsClosed).toBe(2);
    expect(recorder.sessionsOpen).toBe(0);
    expect(recorder.requests('PingReq')).toBeGreaterThan(10);
    expect(recorder.responses('PingReq')).toBe(recorder.requests('PingReq'));
    expect(recorder.iterations).toBe(recorder.requests('PingReq'));
    expect(recorder.errors.size).toBe(0);
    // Closed model: corrected and uncorrected are the same measurement.
    expect(recorder.corrected[0]).toEqual(recorder.uncorrected[0]);
    expect(stats.unclosedSockets).toBe(0);
    expect(server!.stats.accepted).toBe(2);
  });

  it.each([
    [1, 'handshake-rejected'],
    [3, 'handshake-rejected'],
    [2, 'auth'],
  ])('handshake result %i counts as %s and opens no session', async (result, kind) => {
    const { recorder } = await runPhase(pingFlow('{ executor: constant-vus, vus: 1, duration: 200ms }'), { handshakeResult: result });
    expect(recorder.failureCount(kind)).toBeGreaterThanOrEqual(1);
    expect(recorder.handshakeMicros).toHaveLength(0);
    expect(recorder.requests('PingReq')).toBe(0);
  });

  it('a handshake that never completes fails with timeout within connect.timeout', async () => {
    const { recorder } = await runPhase(
      `
name: vu-test
connect: { timeout: 100ms }
flow: [ping]
phases:
  - { executor: constant-vus, vus: 1, duration: 350ms }
`,
      { handshakeResult: null },
    );
    expect(recorder.failureCount('timeout')).toBeGreaterThanOrEqual(2);
    expect(recorder.sessionsMax).toBe(0);
  });

  it('a closed port counts as refused', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    server = await startV1Server();
    const sc = scenario(`
name: refused
connect: { rate: 50 }
flow: [ping]
phases:
  - { executor: constant-vus, vus: 1, duration: 200ms }
`);
    const recorder = new SampleRecorder();
    await createExecutor('constant-vus').run(sc.phases[0]!, workerContext({ scenario: sc, endpoints: [{ host: '127.0.0.1', port }], recorder }));
    // Retries are spaced by the connect rate limit (50/s): about 10 in 200 ms, not thousands.
    expect(recorder.failureCount('refused')).toBeGreaterThanOrEqual(2);
    expect(recorder.failureCount('refused')).toBeLessThanOrEqual(30);
    expect(recorder.established).toBe(0);
  });
});

describe('VU error kinds during a session', () => {
  it.each([
    [DisconnectReason.UnknownPacketId, 'violation'],
    [DisconnectReason.RateLimited, 'violation'],
    [DisconnectReason.ServerShutdown, 'closed'],
    [DisconnectReason.IdleTimeout, 'closed'],
  ])('a DisconnectNotice with reason %i counts as %s', async (reason, kind) => {
    const { recorder } = await runPhase(pingFlow('{ executor: constant-vus, vus: 1, duration: 200ms }'), {
      noticeAfterPings: { count: 3, reason },
    });
    expect(recorder.errorCount(kind)).toBe(1);
    expect(recorder.errorCount(kind === 'violation' ? 'closed' : 'violation')).toBe(0);
    // The VU reconnected (onStart again) and carried on.
    expect(recorder.attempted).toBeGreaterThanOrEqual(2);
    expect(recorder.sessionsMax).toBe(1);
  });

  it('a ping nobody answers times out (swept, not a timer per request)', async () => {
    const { recorder } = await runPhase(pingFlow('{ executor: constant-vus, vus: 1, duration: 250ms }', '[{ ping: { timeout: 60ms } }]'), {
      answerPings: false,
    });
    expect(recorder.errorCount('timeout')).toBeGreaterThanOrEqual(2);
    expect(recorder.errorCount('timeout')).toBeLessThanOrEqual(6);
    expect(recorder.responses('PingReq')).toBe(0);
    expect(recorder.iterations).toBe(0);
  });

  it('a packet no request waits for counts as unexpected', async () => {
    const { recorder } = await runPhase(pingFlow('{ executor: constant-vus, vus: 1, duration: 150ms }'), { extraPong: true });
    const pongs = recorder.responses('PingReq');
    expect(pongs).toBeGreaterThan(5);
    // One extra pong per answered ping (the last may still be in flight at close).
    expect(recorder.errorCount('unexpected')).toBeGreaterThanOrEqual(pongs - 1);
    expect(recorder.errorCount('unexpected')).toBeLessThanOrEqual(pongs);
  });
});

describe('VU flows', () => {
  it('runs send/expect with sent-matching, capture, loop and set', async () => {
    const { recorder } = await runPhase(`
name: flow
flow:
  - loop:
      count: 3
      steps:
        - send: { packet: PingReq, name: custom, values: { clientTime: "{{ now() }}", seq: "{{ counter(s) }}" } }
          expect: { packet: PongRes, match: { seq: "{{ sent.seq }}" }, capture: { st: serverTime } }
  - set: { last: "{{ vars.st }}" }
  - think: 1ms
phases:
  - { executor: constant-vus, vus: 1, duration: 200ms }
`);
    expect(recorder.iterations).toBeGreaterThan(3);
    expect(recorder.requests('custom')).toBe(3 * recorder.iterations);
    expect(recorder.responses('custom')).toBe(3 * recorder.iterations);
    expect(recorder.errors.size).toBe(0);
  });

  it('a duration loop repeats its body until the time is up', async () => {
    const { recorder } = await runPhase(`
name: flow
flow:
  - loop: { duration: 60ms, steps: [ping, { think: { uniform: [2ms, 4ms] } }] }
phases:
  - { executor: constant-vus, vus: 1, duration: 150ms }
`);
    expect(recorder.iterations).toBeGreaterThanOrEqual(1);
    expect(recorder.iterations).toBeLessThanOrEqual(4);
    // Each iteration ran the body several times (about 60 ms / 3 ms).
    expect(recorder.requests('PingReq') / recorder.iterations).toBeGreaterThanOrEqual(3);
    expect(recorder.errors.size).toBe(0);
  });

  it('a match that never holds times out instead of accepting the wrong packet', async () => {
    const { recorder } = await runPhase(`
name: flow
flow:
  - send: { packet: PingReq, name: custom, values: { clientTime: 1, seq: 5 } }
    expect: { packet: PongRes, match: { seq: 6 }, timeout: 50ms }
phases:
  - { executor: constant-vus, vus: 1, duration: 120ms }
`);
    expect(recorder.responses('custom')).toBe(0);
    expect(recorder.errorCount('timeout')).toBeGreaterThanOrEqual(1);
    expect(recorder.errorCount('unexpected')).toBeGreaterThanOrEqual(1);
  });

  it('fire-and-forget sends count as sent without latency samples', async () => {
    const { recorder } = await runPhase(
      `
name: flow
flow:
  - send: { packet: PingReq, name: ff, values: { clientTime: 1, seq: "{{ vu.iteration }}" } }
  - think: 2ms
phases:
  - { executor: constant-vus, vus: 1, duration: 100ms }
`,
      { answerPings: false },
    );
    expect(recorder.requests('ff')).toBeGreaterThan(3);
    expect(recorder.responses('ff')).toBe(0);
    expect(recorder.iterations).toBe(recorder.requests('ff'));
  });

  it('templates the handshake token from a unique feeder: one row per session, never reused, warns when exhausted', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ id: String(i), name: `player-${i}` }));
    const { server: s, warnings } = await runPhase(
      `
name: tokens
connect: { token: "{{ feeder.players.name }}" }
feeders:
  players: { file: ${process.cwd()}/fixtures/scenarios/players.csv, order: unique }
flow: [ping, disconnect]
phases:
  - { executor: constant-vus, vus: 3, duration: 200ms }
`,
      {},
      { feeders: { players: rows } },
    );
    expect(s.tokens.length).toBeGreaterThanOrEqual(3);
    const named = s.tokens.filter((t) => t !== '');
    expect(named.every((t) => /^player-\d+$/.test(t))).toBe(true);
    expect(new Set(named).size).toBe(named.length);
    expect(named.length).toBe(Math.min(s.tokens.length, rows.length));
    if (s.tokens.length > rows.length) expect(warnings.some((w) => /players.*ran out/.test(w))).toBe(true);
  });

  it('spreads connections over source addresses by VU id', async () => {
    const { server: s, recorder } = await runPhase(`
name: sources
connect: { sourceAddresses: [127.0.0.2, 127.0.0.3] }
flow: [ping]
phases:
  - { executor: constant-vus, vus: 4, duration: 100ms }
`);
    expect(recorder.established).toBe(4);
    expect([...s.remoteAddresses].sort()).toEqual(['127.0.0.2', '127.0.0.3']);
  });

  it('spaces new connections by connect.rate instead of bursting', async () => {
    const { server: s } = await runPhase(`
name: rate
connect: { rate: 50 }
flow: [ping]
phases:
  - { executor: constant-vus, vus: 6, duration: 200ms, gracefulStop: 1s }
`);
    expect(s.acceptTimes).toHaveLength(6);
    // Slots are 20 ms apart: the 6th connection cannot arrive before ~100 ms.
    const span = s.acceptTimes[5]! - s.acceptTimes[0]!;
    expect(span).toBeGreaterThanOrEqual(90);
  });
});

describe('VU backpressure', () => {
  it('stops sending on a connection whose writes back up, and the phase still ends', async () => {
    const catalogue = blobCatalogue();
    server = await startV1Server({ neverRead: true });
    const big = 'x'.repeat(60_000);
    const sc = scenario(`
name: bp
flow: [{ send: { packet: Blob, values: { text: "${big}" } } }]
phases:
  - { executor: constant-vus, vus: 1, duration: 300ms, gracefulStop: 200ms }
`);
    const recorder = new SampleRecorder();
    const executor = createExecutor('constant-vus');
    await executor.run(sc.phases[0]!, workerContext({ scenario: sc, catalogue, endpoints: [server.endpoint], recorder }));
    expect(executor.stats.backpressureStalls).toBeGreaterThanOrEqual(1);
    // The VU waited for 'drain' (which never came): bounded output, aborted at the graceful stop.
    expect(recorder.requests('Blob') * 60_000).toBeLessThan(64 * 1024 * 1024);
    expect(executor.stats.abortedVus).toBe(1);
    // Without a handshake packet in the catalogue, TCP connect opens the session.
    expect(recorder.sessionsMax).toBe(1);
    // Our side closed everything (the paused server cannot notice until it reads).
    expect(executor.stats.unclosedSockets).toBe(0);
  });
});
