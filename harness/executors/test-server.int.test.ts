/**
 * The load models against the real reference TestServer, started in-process
 * on loopback port 0.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_CATALOGUE_PATH, parseCatalogue } from '../../protocol/catalogue/index.ts';
import { startTestServer, type RunningTestServer } from '../../reference-server/test-server/app.ts';
import { createExecutor } from './index.ts';
import { SampleRecorder, scenario, workerContext } from './test-support.ts';

let server: RunningTestServer;

beforeAll(async () => {
  server = await startTestServer({ host: '127.0.0.1', port: 0, limits: { rateLimitPerSecond: 0 } });
});

afterAll(async () => {
  await server.shutdown({ deadlineMs: 2000 });
});

async function sessionsDrained(): Promise<number> {
  const end = Date.now() + 3000;
  while (server.engine.sessions.count > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return server.engine.sessions.count;
}

async function run(yaml: string, catalogueText?: string) {
  const sc = scenario(yaml);
  const recorder = new SampleRecorder();
  const catalogue = catalogueText === undefined ? undefined : parseCatalogue(catalogueText, { source: 'test.yaml', baseDir: '/tmp' });
  const executor = createExecutor(sc.phases[0]!.executor);
  await executor.run(
    sc.phases[0]!,
    workerContext({ scenario: sc, endpoints: [{ host: server.host, port: server.port }], recorder, ...(catalogue ? { catalogue } : {}) }),
  );
  return { recorder, stats: executor.stats };
}

describe('against the reference TestServer', () => {
  it('constant-vus ping: every request answered, sessions closed at the end of the phase', async () => {
    const { recorder, stats } = await run(`
name: ts-ping
flow: [ping]
phases:
  - { executor: constant-vus, vus: 4, duration: 500ms }
`);
    expect(recorder.requests('PingReq')).toBeGreaterThan(100);
    expect(recorder.responses('PingReq')).toBe(recorder.requests('PingReq'));
    expect(recorder.errors.size).toBe(0);
    expect(recorder.handshakeMicros).toHaveLength(4);
    expect(stats.unclosedSockets).toBe(0);
    expect(await sessionsDrained()).toBe(0);
  });

  it('constant-request-rate: paced pings over held sessions, no errors', async () => {
    const { recorder } = await run(`
name: ts-rate
flow: [ping]
phases:
  - { executor: constant-request-rate, connections: 4, rate: 1000, duration: 1s }
`);
    expect(recorder.requests('PingReq')).toBeLessThanOrEqual(1000);
    expect(recorder.requests('PingReq')).toBeGreaterThanOrEqual(900);
    expect(recorder.responses('PingReq')).toBe(recorder.requests('PingReq'));
    expect(recorder.errors.size).toBe(0);
    expect(await sessionsDrained()).toBe(0);
  });

  it('a wrong clientVersion is counted as handshake-rejected', async () => {
    const { recorder } = await run(`
name: ts-version
connect: { clientVersion: 2, rate: 100 }
flow: [ping]
phases:
  - { executor: constant-vus, vus: 1, duration: 100ms }
`);
    expect(recorder.failureCount('handshake-rejected')).toBeGreaterThanOrEqual(1);
    expect(recorder.requests('PingReq')).toBe(0);
  });

  it('a packet the server does not know is answered with a violation notice', async () => {
    const builtin = readFileSync(BUILTIN_CATALOGUE_PATH, 'utf8');
    const withUnknown = `${builtin}\n  Mystery:\n    id: 0x0999\n    direction: client\n    fields: [ { name: x, type: u8 } ]\n`;
    const { recorder } = await run(
      `
name: ts-violation
connect: { rate: 100 }
flow:
  - send: { packet: Mystery, values: { x: 1 } }
  - ping
phases:
  - { executor: constant-vus, vus: 1, duration: 100ms }
`,
      withUnknown,
    );
    expect(recorder.errorCount('violation')).toBeGreaterThanOrEqual(1);
    expect(recorder.errorCount('closed')).toBe(0);
  });
});
