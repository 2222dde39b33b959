import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExitCode, formatResult, runClientCli, splitCount } from './cli-run.ts';

function captureIO(): { out: string[]; err: string[]; io: { stdout(l: string): void; stderr(l: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (l) => out.push(l), stderr: (l) => err.push(l) } };
}

describe('splitCount', () => {
  it.each([
    [10, 1, [10]],
    [10, 3, [4, 3, 3]],
    [2, 4, [1, 1, 0, 0]],
  ])('splits %d over %d as %j', (count, parts, shares) => {
    expect(splitCount(count, parts)).toEqual(shares);
  });

  it('sums to the count with shares differing by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 500 }), (count, parts) => {
        const shares = splitCount(count, parts);
        expect(shares).toHaveLength(parts);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(count);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('formatResult', () => {
  it('prints the run, the RTT line and the throughput', () => {
    const lines = formatResult({
      endpoint: '127.0.0.1:7000',
      transport: 'tcp',
      tlsHandshakeMs: null,
      connections: 2,
      inFlight: 8,
      intervalMs: 0,
      count: 1000,
      requested: 1000,
      elapsedMs: 412.6,
      pingsPerSec: 2424.2,
      rttMicros: { count: 1000, min: 45, p50: 80, p90: 120, p99: 300, max: 900, mean: 85.3 },
      interrupted: false,
    });
    expect(lines).toEqual([
      '1000/1000 pings to 127.0.0.1:7000 over 2 connections (in-flight 8) in 0.413 s',
      'rtt µs: min 45  p50 80  p90 120  p99 300  max 900  mean 85.3',
      'throughput: 2424.2 pings/s',
    ]);
  });

  it('marks an interrupted, paced single-connection run', () => {
    const [first] = formatResult({
      endpoint: 'h:1',
      transport: 'tcp',
      tlsHandshakeMs: null,
      connections: 1,
      inFlight: 1,
      intervalMs: 10,
      count: 5,
      requested: 100,
      elapsedMs: 50,
      pingsPerSec: 100,
      rttMicros: { count: 5, min: 1, p50: 1, p90: 1, p99: 1, max: 1, mean: 1 },
      interrupted: true,
    });
    expect(first).toBe('interrupted: 5/100 pings to h:1 over 1 connection (in-flight 1, interval 10 ms) in 0.050 s');
  });

  it('names the transport and adds the TLS handshake line over tls', () => {
    const lines = formatResult({
      endpoint: 'h:1',
      transport: 'tls',
      tlsHandshakeMs: { min: 1.5, mean: 2.25, max: 3 },
      connections: 1,
      inFlight: 1,
      intervalMs: 0,
      count: 1,
      requested: 1,
      elapsedMs: 1,
      pingsPerSec: 1000,
      rttMicros: { count: 1, min: 1, p50: 1, p90: 1, p99: 1, max: 1, mean: 1 },
      interrupted: false,
    });
    expect(lines[0]).toBe('1/1 pings to h:1 (tls) over 1 connection (in-flight 1) in 0.001 s');
    expect(lines[3]).toBe('tls handshake ms: min 1.5  mean 2.25  max 3');
  });
});

describe('runClientCli without a server', () => {
  it('prints help and exits 0', async () => {
    const { out, err, io } = captureIO();
    expect(await runClientCli(['--help'], io)).toBe(ExitCode.Ok);
    expect(out.join('\n')).toContain('Usage: npm run client -- [flags]');
    expect(err).toEqual([]);
  });

  it('lists every usage problem and exits 2', async () => {
    const { out, err, io } = captureIO();
    expect(await runClientCli(['--port', 'x', '--nope'], io)).toBe(ExitCode.Usage);
    expect(out).toEqual([]);
    expect(err).toEqual([
      "error: --port must be an integer from 1 to 65535, got 'x'",
      'error: unknown flag --nope',
      'run with --help for the list of flags',
    ]);
  });
});
