/**
 * Runs that end early, with the real CLI, workers and TestServer:
 * Ctrl-C (once and twice), a crashed worker, and an abortOnFail threshold.
 * Each checks that results are still written and no process is left behind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, readResults, serverPids, startBench, waitFor, workerPids, writeScenario } from '../cli/test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-interrupts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LONG_PING = (name: string, extra = ''): string => `
name: ${name}
flow: [ping]
phases:
  - { name: steady, executor: constant-vus, vus: 10, duration: 60s, gracefulStop: 1s }
${extra}
`;

/** Iterations that think for 20 s, with a 30 s gracefulStop: a first Ctrl-C waits for them. */
const SLOW_ITERATIONS = (name: string): string => `
name: ${name}
flow: [ping, { think: 20s }]
phases:
  - { name: steady, executor: constant-vus, vus: 10, duration: 60s, gracefulStop: 30s }
`;

/** Starts a long run and waits until its phases are running; returns it with its worker PIDs. */
async function startLongRun(name: string, extra = '', args: string[] = [], yaml = LONG_PING(name, extra)) {
  const out = join(dir, `out-${name}`);
  const bench = startBench([writeScenario(dir, name, yaml), '--out', out, ...args]);
  await waitFor(() => bench.stderr().includes('[bench] run started'), 60_000, 'the run to start');
  const workers = workerPids(bench.child.pid!);
  return { bench, out, workers, servers: serverPids(bench.stderr()) };
}

function expectGone(pids: number[]): void {
  for (const pid of pids) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
}

describe('early ends', () => {
  it('Ctrl-C: stops in order, writes results, exits 130, leaves no process behind', async () => {
    const { bench, out, workers, servers } = await startLongRun('sigint');
    expect(workers).toHaveLength(1);
    expect(servers).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2000));
    bench.child.kill('SIGINT');
    const r = await bench.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toMatch(/result: INTERRUPTED \(exit 130\)/);
    const res = readResults(out);
    expect(res.exitCode).toBe(130);
    expect(res.run.status).toBe('interrupted');
    expect(res.run.stop?.reason).toBe('interrupt');
    // What was measured before the stop is there, final deltas included.
    expect(res.summary.overall.responses).toBeGreaterThan(0);
    expect(res.summary.overall.connections.closed).toBe(10);
    expect(res.run.servers.map((s) => s.pid)).toEqual(servers);
    expectGone([...servers, ...workers]);
  }, 120_000);

  it('a second Ctrl-C kills at once and still writes results', async () => {
    const { bench, out, workers, servers } = await startLongRun('sigint-twice', '', [], SLOW_ITERATIONS('sigint-twice'));
    await new Promise((r) => setTimeout(r, 1000));
    bench.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 1000));
    expect(bench.child.exitCode, 'the first Ctrl-C waits for in-flight iterations').toBeNull();
    const t0 = Date.now();
    bench.child.kill('SIGINT');
    const r = await bench.done;
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/again: killing workers and servers now/);
    expect(readResults(out).run.status).toBe('interrupted');
    expectGone([...servers, ...workers]);
  }, 120_000);

  it('a worker crash is a run error (105) with the worker named; results so far are written', async () => {
    const { bench, out, workers, servers } = await startLongRun('crash', '', ['--workers', '2']);
    expect(workers).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(workers[0]!, 'SIGKILL');
    const r = await bench.done;
    expect(r.code, r.stderr).toBe(105);
    const res = readResults(out);
    expect(res.exitCode).toBe(105);
    expect(res.run.status).toBe('error');
    expect(res.run.error).toMatchObject({ code: 'NMT_RUN_WORKER_CRASHED' });
    expect(res.run.error!.message).toMatch(new RegExp(`pid ${workers[0]}\\) was killed by SIGKILL`));
    expect(res.summary.overall.responses).toBeGreaterThan(0);
    expectGone([...servers, ...workers]);
  }, 120_000);

  it('abortOnFail stops the run early and exits 99', async () => {
    const t0 = Date.now();
    const { bench, out, workers, servers } = await startLongRun(
      'abort',
      'thresholds:\n  - { threshold: "latency.p50 < 1us", abortOnFail: true, delayAbortEval: 1s }\n  - errors.count == 0',
    );
    const r = await bench.done;
    expect(r.code, r.stderr).toBe(99);
    // The phase is 60 s long; the abort must come long before (generous bound for a loaded machine).
    expect(Date.now() - t0).toBeLessThan(50_000);
    const res = readResults(out);
    expect(res.run.status).toBe('thresholds-failed');
    expect(res.run.stop).toMatchObject({ reason: 'threshold' });
    expect(res.run.stop!.detail).toContain('latency.p50 < 1us');
    expect(res.run.stop!.atMs).toBeLessThan(20_000);
    expect(res.thresholds[0]).toMatchObject({ ok: false, abortOnFail: true });
    expectGone([...servers, ...workers]);
  }, 120_000);
});
