/**
 * The coordinator in-process (workers and servers are still real child
 * processes): the outcomes and results of normal, interrupted and failed runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type RunningTestServer } from '../../reference-server/test-server/app.ts';
import { isAlive, waitFor, workerPids } from '../cli/test-support.ts';
import { Coordinator } from './coordinator.ts';
import { ExitCode } from './exit-codes.ts';
import { RunErrorCode } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-coordinator-'));
let server: RunningTestServer;

beforeAll(async () => {
  server = await startTestServer({ host: '127.0.0.1', port: 0, metrics: { port: 0 }, limits: { rateLimitPerSecond: 0 } });
});

afterAll(async () => {
  await server.shutdown({ deadlineMs: 2000 });
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function targetScenario(name: string, duration: string, extra = ''): string {
  return file(
    `${name}.yaml`,
    `name: ${name}
target: { host: 127.0.0.1, port: ${server.port}, metrics: "http://127.0.0.1:${server.metricsPort}/metrics" }
flow: [ping]
phases:
  - { name: one, executor: constant-vus, vus: 4, duration: ${duration} }
  - { name: two, executor: constant-vus, vus: 2, duration: 1s }
${extra}`,
  );
}

describe('Coordinator', () => {
  it('runs two phases against a target and reports per phase', async () => {
    const lines: string[] = [];
    const c = new Coordinator({ scenarioPath: targetScenario('two-phases', '1500ms', 'thresholds: [errors.count == 0, "latency{phase:two}.count > 0"]'), log: (l) => lines.push(l) });
    c.prepare();
    const phases: string[] = [];
    c.aggregator.on('phase', (e) => phases.push(e.name));
    const { exitCode, results } = await c.execute();
    expect(exitCode, JSON.stringify(results.run.error)).toBe(ExitCode.Pass);
    expect(phases).toEqual(['one', 'two']);
    expect(results.summary.phases.map((p) => p.phase)).toEqual(['one', 'two']);
    expect(results.summary.phases[0]!.connections.established).toBe(4);
    expect(results.summary.phases[1]!.connections.established).toBe(2);
    expect(results.phases[1]!.startMs).toBeGreaterThanOrEqual(1500);
    expect(results.server.monitored).toHaveLength(1);
    expect(results.environment.node).toBe(process.version);
    expect(lines).toContain(`target 127.0.0.1:${server.port} (server metrics from http://127.0.0.1:${server.metricsPort}/metrics)`);
    expect(lines.some((l) => l.startsWith('run started: 2 phase(s)'))).toBe(true);
  }, 90_000);

  it('interrupt(): stops in order and reports exit 130', async () => {
    const c = new Coordinator({ scenarioPath: targetScenario('interrupted', '60s') });
    c.prepare();
    const started = new Promise<void>((resolve) => c.aggregator.once('second', () => resolve()));
    const run = c.execute();
    await started;
    c.interrupt();
    const { exitCode, results } = await run;
    expect(exitCode).toBe(ExitCode.Interrupted);
    expect(results.run.stop).toMatchObject({ reason: 'interrupt' });
    expect(results.summary.overall.responses).toBeGreaterThan(0);
    expect(results.phases[1]!.startMs).toBeNull();
  }, 90_000);

  it('forceStop(): kills the workers at once and still produces results', async () => {
    const c = new Coordinator({ scenarioPath: targetScenario('forced', '60s') });
    c.prepare();
    const started = new Promise<void>((resolve) => c.aggregator.once('second', () => resolve()));
    const run = c.execute();
    await started;
    const workers = workerPids(process.pid);
    expect(workers.length).toBeGreaterThanOrEqual(1);
    c.interrupt();
    c.forceStop();
    const { exitCode, results } = await run;
    expect(exitCode).toBe(ExitCode.Interrupted);
    expect(results.run.status).toBe('interrupted');
    await waitFor(() => workers.every((p) => !isAlive(p)), 5000, 'workers to be gone');
  }, 90_000);

  it('a worker that cannot load its feeder is a run error (105) naming it', async () => {
    const csv = file('players.csv', 'name\nalice\n');
    const scenario = targetScenario('feeder-gone', '1s', `feeders:\n  players: { file: ${csv} }\n`);
    const c = new Coordinator({ scenarioPath: scenario });
    c.prepare();
    // Deleted between the coordinator's check and the workers' own load.
    unlinkSync(csv);
    const { exitCode, results } = await c.execute();
    expect(exitCode).toBe(ExitCode.RunError);
    expect(results.run.error).toMatchObject({ code: RunErrorCode.WORKER_INIT });
    expect(results.run.error!.message).toMatch(/worker 0 .* could not load the run: .*players\.csv/s);
  }, 90_000);

  it('an embedded server that fails to start is a run error (105) with its output; no worker starts', async () => {
    const scenario = file(
      'bad-server.yaml',
      `name: bad-server
server: { command: ["${process.execPath}", "-e", "console.error('cannot bind'); process.exit(4)"], readyTimeout: 5s }
flow: [ping]
phases:
  - { executor: constant-vus, vus: 1, duration: 1s }
`,
    );
    const lines: string[] = [];
    const c = new Coordinator({ scenarioPath: scenario, log: (l) => lines.push(l) });
    c.prepare();
    const { exitCode, results } = await c.execute();
    expect(exitCode).toBe(ExitCode.RunError);
    expect(results.run.error).toMatchObject({ code: RunErrorCode.SERVER_START, stderrTail: 'cannot bind' });
    expect(lines.some((l) => l.startsWith('starting 1 worker'))).toBe(false);
  }, 60_000);

  it('prepare() rejects a feeder file that does not parse (104)', () => {
    const csv = file('broken.csv', 'a\n"unterminated\n');
    const c = new Coordinator({ scenarioPath: targetScenario('bad-feeder', '1s', `feeders:\n  rows: { file: ${csv} }\n`) });
    expect(() => c.prepare()).toThrow(expect.objectContaining({ code: RunErrorCode.FEEDER, exitCode: 104 }));
  });

  it('accessors before prepare() explain the mistake', () => {
    const c = new Coordinator({ scenarioPath: 'x.yaml' });
    expect(() => c.scenario).toThrow(/prepare\(\) was not called/);
    expect(() => c.aggregator).toThrow(/prepare\(\) was not called/);
    expect(() => c.workers).toThrow(/prepare\(\) was not called/);
  });
});
