/**
 * The five load models against real loopback sockets: pacing of open
 * models, coordinated-omission correction under a server stall, exact
 * sharing across workers, smooth ramps, abort and graceful stop, and
 * per-phase cleanup. Assertions are on counts and recorded values; the only
 * timing bounds are generous upper limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createExecutor } from './index.ts';
import { percentile, SampleRecorder, scenario, startV1Server, workerContext, type V1Server, type V1ServerOptions } from './test-support.ts';
import type { WorkerContext } from './types.ts';

let server: V1Server | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

const oneFlow = (phase: string, extra = '') => `
name: exec-test
${extra}
flow: [ping]
phases:
  - ${phase}
`;

/** Runs `workers` executors of the phase concurrently, one per segment, sharing a server. */
async function runWorkers(yaml: string, workers: number, serverOptions: V1ServerOptions = {}, options = {}) {
  server ??= await startV1Server(serverOptions);
  const sc = scenario(yaml);
  const phase = sc.phases[0]!;
  const recorders = Array.from({ length: workers }, () => new SampleRecorder());
  const executors = recorders.map(() => createExecutor(phase.executor, options));
  await Promise.all(
    executors.map((ex, index) =>
      ex.run(phase, workerContext({ scenario: sc, endpoints: [server!.endpoint], recorder: recorders[index]!, segment: { index, count: workers } })),
    ),
  );
  await waitFor(() => server!.stats.open === 0);
  return { recorders, executors, server: server! };
}

describe('createExecutor', () => {
  it('rejects an unknown type with NMT_EXEC_UNKNOWN_TYPE listing the allowed ones', () => {
    expect(() => createExecutor('constant-rate' as never)).toThrow(
      expect.objectContaining({ code: 'NMT_EXEC_UNKNOWN_TYPE', message: expect.stringContaining('constant-arrival-rate') }),
    );
  });

  it('rejects a phase of another type with NMT_EXEC_WRONG_PHASE', async () => {
    const sc = scenario(oneFlow('{ executor: constant-vus, vus: 1, duration: 1s }'));
    const run = createExecutor('ramping-vus').run(sc.phases[0]!, workerContext({ scenario: sc, endpoints: [{ host: '127.0.0.1', port: 1 }], recorder: new SampleRecorder() }));
    await expect(run).rejects.toMatchObject({ code: 'NMT_EXEC_WRONG_PHASE' });
  });

  it('rejects a bad segment with NMT_EXEC_INVALID_SEGMENT', async () => {
    const sc = scenario(oneFlow('{ executor: constant-vus, vus: 1, duration: 1s }'));
    const ctx = workerContext({ scenario: sc, endpoints: [{ host: '127.0.0.1', port: 1 }], recorder: new SampleRecorder(), segment: { index: 2, count: 2 } });
    await expect(createExecutor('constant-vus').run(sc.phases[0]!, ctx)).rejects.toMatchObject({ code: 'NMT_EXEC_INVALID_SEGMENT' });
  });

  it('rejects an empty endpoint list before any traffic (NMT_VU_INVALID_CONFIG)', async () => {
    const sc = scenario(oneFlow('{ executor: constant-vus, vus: 1, duration: 1s }'));
    const ctx = workerContext({ scenario: sc, endpoints: [], recorder: new SampleRecorder() });
    await expect(createExecutor('constant-vus').run(sc.phases[0]!, ctx)).rejects.toMatchObject({ code: 'NMT_VU_INVALID_CONFIG' });
  });
});

describe('constant-arrival-rate', () => {
  it('starts 5000 ± 1% iterations at 500/s for 10 s', async () => {
    const { recorders, server: s } = await runWorkers(
      oneFlow('{ executor: constant-arrival-rate, rate: 500, duration: 10s, preAllocatedVus: 20, maxVus: 400 }'),
      1,
    );
    const r = recorders[0]!;
    const started = r.iterations + r.dropped;
    expect(started).toBeGreaterThanOrEqual(4950);
    expect(started).toBeLessThanOrEqual(5050);
    expect(r.iterations).toBeGreaterThanOrEqual(4950);
    expect(r.responses('PingReq')).toBe(r.iterations);
    expect(s.stats.open).toBe(0);
  }, 60_000);

  it('splits the schedule across workers so the total is exact', async () => {
    const { recorders } = await runWorkers(
      oneFlow('{ executor: constant-arrival-rate, rate: 300, duration: 1s, preAllocatedVus: 6, maxVus: 90 }'),
      3,
    );
    const total = recorders.reduce((a, r) => a + r.iterations + r.dropped, 0);
    expect(total).toBe(300);
    for (const r of recorders) expect(r.iterations + r.dropped).toBe(100);
  });

  it('drops starts once maxVus are busy, without exceeding maxVus', async () => {
    const { recorders, server: s } = await runWorkers(
      oneFlow('{ executor: constant-arrival-rate, rate: 200, duration: 500ms, preAllocatedVus: 1, maxVus: 3, gracefulStop: 200ms }'),
      1,
      { answerPings: false },
    );
    const r = recorders[0]!;
    expect(r.iterations).toBe(0);
    expect(r.dropped).toBe(100 - 3);
    expect(s.stats.accepted).toBe(3);
  });
});

describe('late arrivals', () => {
  it('a stalled event loop starts the missed arrivals afterwards in capped bursts, none lost', async () => {
    // Block the loop for 300 ms shortly after the start: ~60 arrivals fall due meanwhile.
    setTimeout(() => {
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // busy: the worker is saturated
      }
    }, 50);
    const { recorders } = await runWorkers(
      oneFlow('{ executor: constant-arrival-rate, rate: 200, duration: 1s, preAllocatedVus: 10, maxVus: 200 }'),
      1,
      {},
      { maxArrivalBurst: 5 },
    );
    const r = recorders[0]!;
    expect(r.iterations + r.dropped).toBe(200);
    // Latency of the late ones is measured from their intended start: some ≥ 100 ms corrected.
    expect(r.corrected[0]!.filter((v) => v >= 100_000).length).toBeGreaterThanOrEqual(10);
  });
});

describe('ramping-arrival-rate', () => {
  it('starts exactly the integral of the ramp, split over workers', async () => {
    const { recorders } = await runWorkers(
      oneFlow('{ executor: ramping-arrival-rate, startRate: 0, stages: [{ duration: 1s, target: 400 }, { duration: 500ms, target: 400 }], preAllocatedVus: 4, maxVus: 100 }'),
      2,
    );
    // 0 → 400/s over 1 s is 200 iterations, then 400/s for 0.5 s is 200 more.
    expect(recorders.reduce((a, r) => a + r.iterations + r.dropped, 0)).toBe(400);
    expect(recorders[0]!.iterations + recorders[0]!.dropped).toBe(200);
  });
});

describe('closed models', () => {
  it('constant-vus: VUs are distributed over workers exactly (7 over 3)', async () => {
    const { recorders, server: s } = await runWorkers(oneFlow('{ executor: constant-vus, vus: 7, duration: 300ms }'), 3);
    expect(recorders.map((r) => r.established)).toEqual([3, 2, 2]);
    expect(s.stats.maxOpen).toBe(7);
    expect(s.stats.accepted).toBe(7);
  });

  it('ramping-vus: reaches the target smoothly and ramps back down to zero', async () => {
    const { recorders, server: s } = await runWorkers(
      oneFlow('{ executor: ramping-vus, startVus: 0, stages: [{ duration: 600ms, target: 6 }, { duration: 300ms, target: 6 }, { duration: 300ms, target: 0 }] }', 'connect: { rate: 1000 }'),
      2,
    );
    expect(s.stats.accepted).toBe(6);
    expect(s.stats.maxOpen).toBe(6);
    expect(recorders.map((r) => r.sessionsMax)).toEqual([3, 3]);
    // The first VU started when the ramp reached 1 (100 ms in), the last at 600 ms: starts are spread.
    const span = s.acceptTimes[5]! - s.acceptTimes[0]!;
    expect(span).toBeGreaterThanOrEqual(400);
  });
});

describe('ramping-vus retiring', () => {
  it('a VU retired by a ramp-down that is still busy rejoins when the target rises again', async () => {
    const { server: s, executors } = await runWorkers(
      oneFlow(
        '{ executor: ramping-vus, startVus: 4, gracefulStop: 100ms, stages: [{ duration: 100ms, target: 4 }, { duration: 0s, target: 2 }, { duration: 100ms, target: 2 }, { duration: 0s, target: 4 }, { duration: 100ms, target: 4 }] }',
        'timeout: 60s',
      ),
      1,
      { answerPings: false },
    );
    // Pings are never answered, so retired VUs are still mid-iteration when the target rises again.
    expect(s.stats.accepted).toBe(4);
    expect(executors[0]!.stats.abortedVus).toBe(4);
  });
});

describe('constant-request-rate', () => {
  it('holds its connections and sends at most rate × duration requests', async () => {
    const { recorders, server: s } = await runWorkers(
      oneFlow('{ executor: constant-request-rate, connections: 4, rate: 2000, duration: 1s }'),
      2,
    );
    const sent = recorders.reduce((a, r) => a + r.requests('PingReq'), 0);
    expect(sent).toBeLessThanOrEqual(2000);
    expect(sent).toBeGreaterThanOrEqual(1800); // the grid starts when each session opens
    expect(recorders.reduce((a, r) => a + r.responses('PingReq'), 0)).toBe(sent);
    expect(s.stats.accepted).toBe(4);
    expect(recorders.map((r) => r.established)).toEqual([2, 2]);
  });

  it('measures latency from the intended send time through a server stall (coordinated omission)', async () => {
    const R = 1000;
    const S = 400;
    const connections = 4;
    const cap = 16;
    const { recorders, server: s } = await runWorkers(
      oneFlow(`{ executor: constant-request-rate, connections: ${connections}, rate: ${R}, duration: 2500ms, gracefulStop: 3s }`),
      1,
      { stallAfterPings: { count: 800, ms: S } },
      { maxInFlightPerConnection: cap },
    );
    const r = recorders[0]!;
    expect(Number.isNaN(s.stall.to)).toBe(false);
    const corrected = r.corrected[0]!;
    const uncorrected = r.uncorrected[0]!;
    const at = r.receivedAt[0]!;
    // Requests whose INTENDED send time fell inside the stall window.
    const inWindow: number[] = [];
    for (let i = 0; i < corrected.length; i++) {
      const intended = at[i]! - corrected[i]! / 1000;
      if (intended >= s.stall.from && intended < s.stall.to) inWindow.push(corrected[i]!);
    }
    // ≈ R·S of them, their corrected latencies spread over (0, S]: median ≈ S/2, max ≈ S.
    expect(inWindow.length).toBeGreaterThanOrEqual(0.75 * R * (S / 1000));
    expect(inWindow.length).toBeLessThanOrEqual(1.3 * R * (S / 1000));
    const p50 = percentile(inWindow, 50) / 1000;
    expect(p50).toBeGreaterThan(0.3 * S);
    expect(p50).toBeLessThan(0.75 * S);
    expect(percentile(inWindow, 100) / 1000).toBeGreaterThan(0.75 * S);
    // Uncorrected: only requests already in flight when the stall began (≤ cap per connection)
    // waited long; the ones held back were sent after it and look fast.
    const slowUncorrected = uncorrected.filter((v) => v > (S / 2) * 1000).length;
    const slowCorrected = corrected.filter((v) => v > (S / 2) * 1000).length;
    expect(slowUncorrected).toBeLessThanOrEqual(cap * connections + 10);
    expect(slowCorrected).toBeGreaterThanOrEqual(0.3 * R * (S / 1000));
    expect(slowCorrected).toBeGreaterThan(2 * slowUncorrected);
    expect(r.errors.size).toBe(0);
  }, 30_000);
});

describe('constant-request-rate sessions', () => {
  it('reconnects a connection the server closed and keeps sending on its grid', async () => {
    const { recorders, server: s } = await runWorkers(
      oneFlow('{ executor: constant-request-rate, connections: 2, rate: 400, duration: 600ms }'),
      1,
      { noticeAfterPings: { count: 50, reason: 10 } },
    );
    const r = recorders[0]!;
    expect(s.stats.accepted).toBe(3); // 2 + 1 reconnect
    expect(r.errorCount('closed')).toBeGreaterThanOrEqual(1);
    expect(r.responses('PingReq')).toBeGreaterThan(150);
    expect(r.sessionsMax).toBe(2);
  });

  it('sends a send step with expect as the request, matching by sent values', async () => {
    const { recorders } = await runWorkers(
      `
name: rr-send
flow: [ping]
phases:
  - executor: constant-request-rate
    connections: 2
    rate: 200
    duration: 500ms
    request:
      send: { packet: PingReq, name: rr, values: { clientTime: 1, seq: "{{ vu.iteration }}" } }
      expect: { packet: PongRes, match: { seq: "{{ sent.seq }}" } }
`,
      1,
    );
    const r = recorders[0]!;
    expect(r.requests('rr')).toBeGreaterThan(70);
    expect(r.responses('rr')).toBe(r.requests('rr'));
    expect(r.errors.size).toBe(0);
  });

  it('a request value that does not encode is counted as error other, with one warning', async () => {
    server = await startV1Server();
    const sc = scenario(`
name: rr-bad
flow: [ping]
phases:
  - executor: constant-request-rate
    connections: 1
    rate: 100
    duration: 200ms
    request:
      send: { packet: PingReq, name: bad, values: { clientTime: 1, seq: -5 } }
      expect: { packet: PongRes, match: { seq: 0 } }
`);
    const recorder = new SampleRecorder();
    const warnings: string[] = [];
    await createExecutor('constant-request-rate', { warn: (m) => warnings.push(m) }).run(
      sc.phases[0]!,
      workerContext({ scenario: sc, endpoints: [server.endpoint], recorder }),
    );
    expect(recorder.errorCount('other')).toBeGreaterThanOrEqual(10);
    expect(recorder.requests('bad')).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/PingReq could not be encoded.*seq/);
  });

  it('needs a connect in flow.onStart (NMT_EXEC_INVALID_PHASE)', async () => {
    const sc = scenario(`
name: rr-noconnect
flow: { onStart: [], iteration: [ping], onStop: [] }
phases:
  - { executor: constant-request-rate, connections: 1, rate: 10, duration: 1s }
`);
    const ctx = workerContext({ scenario: sc, endpoints: [{ host: '127.0.0.1', port: 1 }], recorder: new SampleRecorder() });
    await expect(createExecutor('constant-request-rate').run(sc.phases[0]!, ctx)).rejects.toMatchObject({ code: 'NMT_EXEC_INVALID_PHASE' });
  });
});

describe('stopping', () => {
  it('ctx.signal: stops starting, finishes in-flight work and closes every socket', async () => {
    server = await startV1Server();
    const sc = scenario(oneFlow('{ executor: constant-vus, vus: 3, duration: 60s }'));
    const ac = new AbortController();
    const recorder = new SampleRecorder();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 300);
    await createExecutor('constant-vus').run(sc.phases[0]!, workerContext({ scenario: sc, endpoints: [server.endpoint], recorder, signal: ac.signal }));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(recorder.iterations).toBeGreaterThan(0);
    expect(recorder.sessionsClosed).toBe(3);
    await waitFor(() => server!.stats.open === 0);
    expect(server.stats.open).toBe(0);
  });

  it('an already aborted signal runs nothing', async () => {
    server = await startV1Server();
    const sc = scenario(oneFlow('{ executor: constant-arrival-rate, rate: 100, duration: 10s, preAllocatedVus: 1, maxVus: 1 }'));
    const ac = new AbortController();
    ac.abort();
    const recorder = new SampleRecorder();
    await createExecutor(sc.phases[0]!.executor).run(sc.phases[0]!, workerContext({ scenario: sc, endpoints: [server.endpoint], recorder, signal: ac.signal }));
    expect(recorder.attempted).toBe(0);
  });

  it('gracefulStop: VUs still waiting at the deadline are aborted and their sockets closed', async () => {
    const { executors, server: s, recorders } = await runWorkers(
      oneFlow('{ executor: constant-vus, vus: 2, duration: 150ms, gracefulStop: 200ms }', 'timeout: 60s'),
      1,
      { answerPings: false },
    );
    expect(executors[0]!.stats.abortedVus).toBe(2);
    expect(executors[0]!.stats.unclosedSockets).toBe(0);
    expect(recorders[0]!.iterations).toBe(0);
    expect(s.stats.open).toBe(0);
  });

  it('an executor instance runs once (NMT_EXEC_REUSED)', async () => {
    server = await startV1Server();
    const sc = scenario(oneFlow('{ executor: constant-vus, vus: 1, duration: 50ms }'));
    const ex = createExecutor('constant-vus');
    const ctx: WorkerContext = workerContext({ scenario: sc, endpoints: [server.endpoint], recorder: new SampleRecorder() });
    await ex.run(sc.phases[0]!, ctx);
    await expect(ex.run(sc.phases[0]!, ctx)).rejects.toMatchObject({ code: 'NMT_EXEC_REUSED' });
  });
});
