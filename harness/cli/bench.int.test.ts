/**
 * End-to-end runs of the CLI as a child process against the real pieces:
 * scenario loader, catalogue, executors, worker processes and the reference
 * TestServer (started by the harness itself, or in-process as a --target).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHistogram } from '../metrics/histogram.ts';
import { startTestServer, type RunningTestServer } from '../../reference-server/test-server/app.ts';
import { RESULTS_SCHEMA_VERSION } from '../runner/results.ts';
import { PROJECT_ROOT } from '../runner/coordinator.ts';
import { isAlive, readResults, runBench, serverPids, writeScenario } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PING = (duration: string, thresholds: string[]): string => `
name: e2e-ping
description: end-to-end test
flow: [ping]
phases:
  - { name: steady, executor: constant-vus, vus: 10, duration: ${duration} }
thresholds:
${thresholds.map((t) => `  - "${t}"`).join('\n')}
`;

describe('npm run bench (end to end)', () => {
  it('runs a ~3 s ping scenario with embedded servers: exit 0, valid results.json, servers stopped', async () => {
    const scenario = writeScenario(dir, 'ping-ok', PING('3s', ['errors.count == 0', 'responses.count > 100', 'connections.max == 10']));
    const out = join(dir, 'out-ok');
    const r = await runBench([scenario, '--out', out]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/result: PASSED \(exit 0\)/);
    expect(r.stdout).toMatch(/✓\s+errors\.count == 0/);

    const res = readResults(out);
    expect(res.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(res.exitCode).toBe(0);
    expect(res.run.status).toBe('passed');
    expect(res.scenario.name).toBe('e2e-ping');
    expect(res.environment.cores).toBeGreaterThan(0);
    expect(res.run.servers).toHaveLength(1);
    const ping = res.summary.overall.requests.find((q) => q.name === 'PingReq')!;
    expect(ping.responses).toBeGreaterThan(100);
    expect(ping.latency.count).toBe(ping.responses);
    // The encoded histogram holds exactly the summarised samples.
    const h = decodeHistogram(res.histograms.overall.requests.PingReq!.latency!);
    expect(h.totalCount).toBe(ping.responses);
    expect(h.getValueAtPercentile(99)).toBe(ping.latency.p99);
    expect(res.series.length).toBeGreaterThanOrEqual(3);
    expect(res.series.reduce((a, p) => a + p.responses, 0)).toBe(ping.responses);
    expect(res.summary.phases).toHaveLength(1);
    expect(res.summary.phases[0]!.phase).toBe('steady');
    expect(res.server.rssBytes?.max).toBeGreaterThan(1024 * 1024);
    expect(res.thresholds.map((t) => t.ok)).toEqual([true, true, true]);
    for (const pid of serverPids(r.stderr)) expect(isAlive(pid)).toBe(false);
  }, 120_000);

  it('exits 99 when a threshold fails, and --json prints results.json on stdout', async () => {
    const scenario = writeScenario(dir, 'ping-fail', PING('2s', ['rps >= 100M', 'errors.count == 0']));
    const out = join(dir, 'out-fail');
    const r = await runBench([scenario, '--out', out, '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(99);
    expect(r.stderr).toBe('');
    const printed = JSON.parse(r.stdout);
    expect(printed).toEqual(readResults(out));
    expect(printed.run.status).toBe('thresholds-failed');
    expect(printed.thresholds[0]).toMatchObject({ expr: 'rps >= 100M', ok: false });
    expect(printed.thresholds[1]).toMatchObject({ ok: true });
  }, 120_000);

  it('exits 104 with file:line: path: message lines for an invalid scenario, starting nothing', async () => {
    const scenario = writeScenario(
      dir,
      'invalid',
      ['name: invalid', 'flow: [ping]', 'phases:', '  - executor: constant-vus', '    vu: 10', '    duration: 10 seconds', ''].join('\n'),
    );
    const r = await runBench([scenario]);
    expect(r.code).toBe(104);
    expect(r.stderr).toContain(`${scenario}:5: phases[0].vu`);
    expect(r.stderr).toMatch(new RegExp(`${scenario.replaceAll('.', '\\.')}:6: phases\\[0\\]\\.duration`));
    expect(r.stderr).not.toMatch(/starting .* server/);
  }, 60_000);

  it('exits 104 when the scenario uses packets the catalogue does not have', async () => {
    const scenario = writeScenario(
      dir,
      'unknown-packet',
      'name: unknown-packet\nflow:\n  - send: { packet: NoSuchPacket }\nphases:\n  - { executor: constant-vus, vus: 1, duration: 1s }\n',
    );
    const r = await runBench([scenario]);
    expect(r.code).toBe(104);
    expect(r.stderr).toMatch(/unknown-packet\.yaml:3: .*NoSuchPacket/);
  }, 60_000);

  it.each([
    [['--bogus', 'x.yaml'], /unknown option --bogus/],
    [[], /missing the scenario file/],
  ])('exits 104 with the usage for bad arguments %j', async (args, message) => {
    const r = await runBench(args);
    expect(r.code).toBe(104);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: npm run bench');
  }, 60_000);

  it('--help documents every option and exit code', async () => {
    const r = await runBench(['--help']);
    expect(r.code).toBe(0);
    for (const s of ['--target', '--duration', '--out', '--workers', '--json', '--quiet', '99', '104', '105', '130']) {
      expect(r.stdout).toContain(s);
    }
  }, 60_000);
});

describe('npm run bench with a foreign protocol', () => {
  it('runs scenarios/foreign-protocol.yaml: catalogue codec, server.command with {port}, thresholds pass', async () => {
    const out = join(dir, 'out-foreign');
    const r = await runBench([join(PROJECT_ROOT, 'scenarios', 'foreign-protocol.yaml'), '--duration', '2s', '--out', out]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const res = readResults(out);
    expect(res.run.servers).toEqual([expect.objectContaining({ kind: 'command', metricsPort: null })]);
    expect(res.run.servers[0]!.argv).toContain(String(res.run.servers[0]!.port));
    const byName = Object.fromEntries(res.summary.overall.requests.map((q) => [q.name, q]));
    expect(byName.login).toMatchObject({ sent: 50, responses: 50 });
    expect(byName.move!.responses).toBeGreaterThan(100);
    expect(byName.Logout).toMatchObject({ sent: 50, responses: 0 });
    expect(res.thresholds.every((t) => t.ok)).toBe(true);
    for (const pid of serverPids(r.stderr)) expect(isAlive(pid)).toBe(false);
  }, 120_000);
});

describe('npm run bench --target (server started elsewhere)', () => {
  let server: RunningTestServer;

  beforeAll(async () => {
    server = await startTestServer({ host: '127.0.0.1', port: 0, metrics: { port: 0 } });
  });

  afterAll(async () => {
    await server.shutdown({ deadlineMs: 2000 });
  });

  it('drives the given target, scrapes its metrics URL, starts no server', async () => {
    const scenario = writeScenario(
      dir,
      'target',
      `name: target
target: { host: 127.0.0.1, port: ${server.port}, metrics: "http://127.0.0.1:${server.metricsPort}/metrics" }
flow: [ping]
workers: 2
phases:
  - { executor: constant-vus, vus: 4, duration: 2s }
thresholds:
  - errors.count == 0
  - server.rss.max < 4GB
`,
    );
    const out = join(dir, 'out-target');
    const r = await runBench([scenario, '--out', out]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const res = readResults(out);
    expect(res.run.servers).toEqual([]);
    expect(res.run.endpoints).toEqual([{ host: '127.0.0.1', port: server.port }]);
    expect(res.run.workers).toMatchObject({ workers: 2, source: 'scenario' });
    expect(res.server.monitored).toEqual([`http://127.0.0.1:${server.metricsPort}/metrics`]);
    expect(res.server.rssBytes!.max).toBeGreaterThan(1024 * 1024);
    // Two workers, four VUs: every VU's handshake was counted once.
    expect(res.summary.overall.connections.established).toBe(4);
    expect(res.summary.overall.connections.maxOpen).toBe(4);
  }, 120_000);
});
