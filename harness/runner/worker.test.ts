import { afterAll, describe, expect, it } from 'vitest';
import { PLAIN_TCP } from '../security/client-security.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerRuntime, type WorkerRuntimeOptions } from './worker.ts';
import type { WorkerMessage } from './ipc.ts';
import type { Executor, WorkerContext } from '../executors/types.ts';
import type { Phase } from '../scenario/types.ts';
import type { MetricsDelta } from '../metrics/delta.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenarioFile(body: string): string {
  const p = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, body);
  return p;
}

const TWO_PHASES = `
name: worker-test
target: 127.0.0.1:9
flow: [ping]
phases:
  - { name: a, executor: constant-vus, vus: 2, duration: 1200ms }
  - { name: b, executor: constant-vus, vus: 2, duration: 600ms }
`;

/** An executor that records one ping per 10 ms per phase until its duration or the signal. */
function fakeExecutor(seen: { phase: string; segment: string }[]): Executor {
  return {
    async run(phase: Phase, ctx: WorkerContext): Promise<void> {
      seen.push({ phase: phase.name, segment: `${ctx.segment.index}/${ctx.segment.count}` });
      const r = ctx.recorder.requestIndex('PingReq');
      const duration = 'durationMs' in phase ? phase.durationMs : 0;
      const end = Date.now() + duration;
      while (Date.now() < end && !ctx.signal.aborted) {
        ctx.recorder.requestSent(r, 16);
        ctx.recorder.responseReceived(r, 100, 100, 24);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
  };
}

function harness(options: WorkerRuntimeOptions) {
  const messages: WorkerMessage[] = [];
  const rt = new WorkerRuntime({ send: async (m) => void messages.push(m) }, options);
  return { rt, messages };
}

describe('WorkerRuntime', () => {
  it('reports init failures with the error code', async () => {
    const { rt, messages } = harness({});
    await rt.handle({ type: 'init', worker: 0, workers: 1, scenarioPath: join(dir, 'missing.yaml'), overrides: {}, endpoints: [], security: PLAIN_TCP });
    expect(messages).toEqual([
      expect.objectContaining({ type: 'init-failed', code: 'NMT_SCENARIO_UNREADABLE', message: expect.stringMatching(/missing\.yaml/) }),
    ]);
  });

  it('runs the phases in order, ships per-phase deltas, then done', async () => {
    const seen: { phase: string; segment: string }[] = [];
    const { rt, messages } = harness({ createExecutor: () => fakeExecutor(seen) });
    await rt.handle({
      type: 'init',
      worker: 1,
      workers: 3,
      scenarioPath: scenarioFile(TWO_PHASES),
      overrides: {},
      endpoints: [{ host: '127.0.0.1', port: 9 }],
      security: PLAIN_TCP,
    });
    expect(messages.map((m) => m.type)).toEqual(['ready']);
    await rt.handle({ type: 'start', startWallMs: Date.now() + 50 });

    expect(seen).toEqual([
      { phase: 'a', segment: '1/3' },
      { phase: 'b', segment: '1/3' },
    ]);
    const types = messages.map((m) => m.type);
    expect(types[types.length - 1]).toBe('done');
    const phases = messages.filter((m) => m.type === 'phase').map((m) => `${m.index}:${m.event}`);
    expect(phases).toEqual(['0:start', '0:end', '1:start', '1:end']);

    const deltas = messages.filter((m): m is { type: 'delta'; delta: MetricsDelta } => m.type === 'delta').map((m) => m.delta);
    // Every delta is stamped with this worker and a phase; phase never goes back.
    expect(deltas.every((d) => d.worker === 1)).toBe(true);
    for (let i = 1; i < deltas.length; i++) {
      expect(deltas[i]!.phase).toBeGreaterThanOrEqual(deltas[i - 1]!.phase);
      expect(deltas[i]!.startMs).toBe(deltas[i - 1]!.endMs);
    }
    // A tick at 1 s, a boundary delta between phases (not a tick), and a final tick.
    expect(deltas.some((d) => d.tick && d.second === 0 && d.self !== null)).toBe(true);
    const boundary = deltas.find((d) => !d.tick);
    expect(boundary?.phase).toBe(0);
    expect(deltas[deltas.length - 1]!.tick).toBe(true);
    expect(deltas[deltas.length - 1]!.phase).toBe(1);
    // Every recorded sample was shipped exactly once.
    const sent = deltas.reduce((a, d) => a + d.requests.reduce((b, r) => b + r.sent, 0), 0);
    const responses = deltas.reduce((a, d) => a + d.requests.reduce((b, r) => b + r.responses, 0), 0);
    expect(sent).toBeGreaterThan(50);
    expect(responses).toBe(sent);
  });

  it('on stop: aborts the executor signal, skips later phases, still sends final delta and done', async () => {
    const seen: { phase: string; segment: string }[] = [];
    const { rt, messages } = harness({ createExecutor: () => fakeExecutor(seen) });
    await rt.handle({ type: 'init', worker: 0, workers: 1, scenarioPath: scenarioFile(TWO_PHASES), overrides: {}, endpoints: [], security: PLAIN_TCP });
    const run = rt.handle({ type: 'start', startWallMs: Date.now() });
    setTimeout(() => void rt.handle({ type: 'stop', reason: 'interrupt', graceMs: 100 }), 300);
    await run;
    expect(rt.signal.aborted).toBe(true);
    expect(seen.map((s) => s.phase)).toEqual(['a']);
    expect(messages[messages.length - 1]!.type).toBe('done');
    expect(messages.filter((m) => m.type === 'delta').length).toBeGreaterThanOrEqual(1);
  });

  it('gives up on an executor that ignores the stop after grace + margin', async () => {
    const { rt, messages } = harness({
      stopMarginMs: 50,
      createExecutor: () => ({ run: () => new Promise<void>(() => undefined) }),
    });
    await rt.handle({ type: 'init', worker: 0, workers: 1, scenarioPath: scenarioFile(TWO_PHASES), overrides: {}, endpoints: [], security: PLAIN_TCP });
    const run = rt.handle({ type: 'start', startWallMs: Date.now() });
    setTimeout(() => void rt.handle({ type: 'stop', reason: 'threshold', graceMs: 100 }), 100);
    const t0 = Date.now();
    await run;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(messages[messages.length - 1]!.type).toBe('done');
  });

  it('reports an executor failure as fatal and rejects', async () => {
    const { rt, messages } = harness({
      createExecutor: () => ({ run: () => Promise.reject(new Error('boom')) }),
    });
    await rt.handle({ type: 'init', worker: 0, workers: 1, scenarioPath: scenarioFile(TWO_PHASES), overrides: {}, endpoints: [], security: PLAIN_TCP });
    await expect(rt.handle({ type: 'start', startWallMs: Date.now() })).rejects.toThrow('boom');
    expect(messages[messages.length - 1]).toMatchObject({ type: 'fatal', message: 'boom' });
  });

  it('forwards executor warnings to the coordinator', async () => {
    const { rt, messages } = harness({
      createExecutor: (_type, warn) => ({
        run: async () => warn('feeder ran out'),
      }),
    });
    await rt.handle({ type: 'init', worker: 0, workers: 1, scenarioPath: scenarioFile(TWO_PHASES), overrides: {}, endpoints: [], security: PLAIN_TCP });
    await rt.handle({ type: 'start', startWallMs: Date.now() });
    expect(messages.filter((m) => m.type === 'warning')).toEqual([
      { type: 'warning', message: 'feeder ran out' },
      { type: 'warning', message: 'feeder ran out' },
    ]);
  });
});
