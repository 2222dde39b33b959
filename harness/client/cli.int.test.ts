import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectResult } from '../../protocol/index.ts';
import { type ClientCliResult, ExitCode } from './cli-run.ts';
import { ROOT, runChild, runInProcess } from './cli-test-support.ts';
import { type FakeServer, type FakeServerOptions, startFakeServer } from './fake-server.ts';

const servers: FakeServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function fakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const server = await startFakeServer(options);
  servers.push(server);
  return server;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `expected` plus the ` in N.NNN s` tail taken from `actual` once its format is checked. */
function firstLine(actual: string, expected: string): string {
  const tail = / in \d+\.\d{3} s$/.exec(actual);
  return tail === null ? `${expected} in <seconds> s` : expected + tail[0];
}

const RTT_LINE = /^rtt µs: min \d+ {2}p50 \d+ {2}p90 \d+ {2}p99 \d+ {2}max \d+ {2}mean [\d.]+$/;

describe('client CLI in-process', () => {
  it('spreads pings over connections and prints the JSON result', async () => {
    const server = await fakeServer();
    const { code, out, err } = await runInProcess([
      '--port', String(server.port), '--count', '301', '--connections', '3', '--in-flight', '4', '--json', '--quiet',
    ]);
    expect(err).toEqual([]);
    expect(code).toBe(ExitCode.Ok);
    expect(out).toHaveLength(1);
    const result = JSON.parse(out[0]!) as ClientCliResult;
    expect(result).toMatchObject({
      endpoint: `127.0.0.1:${server.port}`,
      connections: 3,
      inFlight: 4,
      intervalMs: 0,
      count: 301,
      requested: 301,
      interrupted: false,
    });
    expect(result.rttMicros.count).toBe(301);
    expect(result.rttMicros.min).toBeGreaterThanOrEqual(1);
    expect(result.rttMicros.max).toBeGreaterThanOrEqual(result.rttMicros.p99);
    expect(result.pingsPerSec).toBeGreaterThan(0);
    expect(server.connections.map((c) => c.pingsReceived)).toEqual([101, 100, 100]);
  });

  it('prints progress to stderr while a run lasts longer than a second', async () => {
    const server = await fakeServer();
    // 30 pings paced 50 ms apart take at least 1.45 s.
    const { code, out, err } = await runInProcess(['--port', String(server.port), '--count', '30', '--interval', '50']);
    expect(code).toBe(ExitCode.Ok);
    expect(err.length).toBeGreaterThanOrEqual(1);
    for (const line of err) expect(line).toMatch(/^progress: \d+\/30 pings \([\d.]+%\), \d+ pings\/s, p50 (\d+|-) µs$/);
    expect(out[0]).toBe(firstLine(out[0]!, `30/30 pings to 127.0.0.1:${server.port} over 1 connection (in-flight 1, interval 50 ms)`));
    expect(out[1]).toMatch(RTT_LINE);
  });

  it('exits 1 with the handshake rejection', async () => {
    const server = await fakeServer({ connectResult: ConnectResult.VersionMismatch });
    const { code, err } = await runInProcess(['--port', String(server.port), '--client-version', '9', '--connections', '2']);
    expect(code).toBe(ExitCode.Failed);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain('rejected the handshake: VersionMismatch (1)');
    expect(err[0]).toContain('(NMT_CLIENT_HANDSHAKE_REJECTED)');
  });

  it('exits 1 when the server stops answering', async () => {
    const server = await fakeServer({ pongMode: 'none' });
    const { code, err } = await runInProcess(['--port', String(server.port), '--stall-timeout', '100', '--quiet']);
    expect(code).toBe(ExitCode.Failed);
    expect(err[0]).toMatch(/^error: pingMany: no PongRes from .* \(NMT_CLIENT_TIMEOUT\)$/);
  });

  it('prints partial results and exits 130 when aborted', async () => {
    const server = await fakeServer({ pongMode: 'none' });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const { code, out } = await runInProcess(['--port', String(server.port), '--quiet'], abort.signal);
    expect(code).toBe(ExitCode.Interrupted);
    expect(out[0]).toMatch(/^interrupted: 0\/1000 pings/);
  });

  it('exits 130 when aborted before connecting', async () => {
    const server = await fakeServer();
    const abort = new AbortController();
    abort.abort();
    const { code, err } = await runInProcess(['--port', String(server.port)], abort.signal);
    expect(code).toBe(ExitCode.Interrupted);
    expect(err).toEqual(['interrupted before the ping phase']);
  });
});

describe('client CLI as a child process', () => {
  it('prints the stats lines and exits 0', async () => {
    const server = await fakeServer();
    const { code, stdout, stderr } = await runChild(['--port', String(server.port), '--count', '200', '--in-flight', '4']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(firstLine(lines[0]!, `200/200 pings to 127.0.0.1:${server.port} over 1 connection (in-flight 4)`));
    expect(lines[1]).toMatch(RTT_LINE);
    expect(lines[2]).toMatch(/^throughput: [\d.]+ pings\/s$/);
    expect(server.connections[0]!.pingsReceived).toBe(200);
  });

  it('exits 1 with a clear message when nothing listens', async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await runChild(['--port', String(port), '--count', '10']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(
      `error: connection to 127.0.0.1:${port} refused: is the server running on 127.0.0.1:${port}? (NMT_CLIENT_CONNECT_REFUSED)`,
    );
  });

  it('prints partial results and exits 130 on SIGTERM', async () => {
    const server = await fakeServer({ pongMode: 'none' });
    // tsx itself (not npx, which does not forward signals) relays SIGTERM to the CLI.
    const child = spawn('node_modules/.bin/tsx', ['harness/client/main.ts', '--port', String(server.port)], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The first progress line proves the ping phase is running.
      if (stderr.includes('progress:')) child.kill('SIGTERM');
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(killer);
    expect(code).toBe(130);
    expect(stdout).toMatch(/^interrupted: 0\/1000 pings to 127\.0\.0\.1:\d+ over 1 connection/);
  });

  it('exits 2 on a usage error and 0 on --help', async () => {
    const bad = await runChild(['--count', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: --count must be an integer from 1 to 4294967295, got 'many'");
    const help = await runChild(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--in-flight <k>');
  });
});
