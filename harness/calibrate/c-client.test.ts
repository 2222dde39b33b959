import { describe, expect, it } from 'vitest';
import { childFailure, loadClientArgs, parseLoadClientResult } from './c-client.ts';
import { CalibrationErrorCode } from './errors.ts';
import { lastJsonLine, type ChildOutcome } from './run-child.ts';
import type { LoadSpec } from './types.ts';

const spec: LoadSpec = {
  host: '127.0.0.1',
  port: 7000,
  mode: 'ping',
  connections: 100,
  inflight: 16,
  size: 16,
  warmupMs: 1000,
  durationMs: 3000,
  connectTimeoutMs: 30_000,
  sourceAddresses: [],
};

// A line exactly as calibration/src/load-client.c prints it.
const RESULT = JSON.parse(
  '{"mode":"ping","host":"127.0.0.1","port":7000,"connections":100,"connected":100,"inflight":16,"size":16,"warmupMs":1000,' +
    '"windowMs":3000.0,"requests":1500000,"responses":1499000,"rps":499666.7,"bytesIn":35976000,"bytesOut":24000000,' +
    '"errors":{"connect":0,"closed":1,"rejected":0,"protocol":0,"timeout":0},' +
    '"latencyMicros":{"count":1499000,"p50":3000,"p90":4500,"p99":8000,"p999":12000,"max":20000,"mean":3100.5},"cpuPercent":95.2,"interrupted":false}',
) as Record<string, unknown>;

describe('loadClientArgs', () => {
  it.each([
    [spec, ['--host', '127.0.0.1', '--port', '7000', '--mode', 'ping', '--connections', '100', '--inflight', '16', '--warmup-ms', '1000', '--duration-ms', '3000', '--connect-timeout-ms', '30000']],
    [{ ...spec, mode: 'echo', size: 1024, sourceAddresses: ['127.0.0.2', '127.0.0.3'] } as LoadSpec, expect.arrayContaining(['--size', '1024', '--source-addresses', '127.0.0.2,127.0.0.3'])],
  ])('%#', (s, args) => {
    expect(loadClientArgs(s)).toEqual(args);
  });

  it('passes no size for ping and handshake (the packet sizes are fixed)', () => {
    expect(loadClientArgs({ ...spec, size: 1024 })).not.toContain('--size');
    expect(loadClientArgs({ ...spec, mode: 'handshake' })).not.toContain('--size');
  });
});

describe('parseLoadClientResult', () => {
  it('reads the rate, window, latency, errors and CPU', () => {
    expect(parseLoadClientResult(RESULT, 'TestServer')).toEqual({
      generator: 'C load-client',
      server: 'TestServer',
      rate: 499666.7,
      responses: 1499000,
      windowMs: 3000,
      connected: 100,
      latencyMicros: { count: 1499000, p50: 3000, p90: 4500, p99: 8000, max: 20000, mean: 3100.5 },
      errors: { connect: 0, closed: 1, rejected: 0, protocol: 0, timeout: 0 },
      generatorCpuPercent: 95.2,
      serverCpuPercent: null,
      serverRssBytes: null,
    });
  });

  it('has no latency when nothing was measured', () => {
    const empty = { ...RESULT, latencyMicros: { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 } };
    expect(parseLoadClientResult(empty, 'x').latencyMicros).toBeNull();
  });

  it.each([
    [{ ...RESULT, rps: 'fast' }, /result\.rps is not a number/],
    [{ ...RESULT, errors: undefined }, /errors is missing/],
    [{ ...RESULT, latencyMicros: { count: 1 } }, /latencyMicros\.p50 is not a number/],
  ])('names the bad field %#', (bad, message) => {
    expect(() => parseLoadClientResult(bad, 'x')).toThrow(message);
  });
});

describe('lastJsonLine', () => {
  it.each([
    ['noise\n{"a":1}\n', { a: 1 }],
    ['{"a":1}\n{"b":2}', { b: 2 }],
    ['{"a":1}\n{broken', { a: 1 }],
    ['[1,2]\n', null],
    ['', null],
  ])('%j', (text, expected) => {
    expect(lastJsonLine(text)).toEqual(expected);
  });
});

describe('childFailure', () => {
  const outcome = (over: Partial<ChildOutcome>): ChildOutcome => ({ code: 1, signal: null, stdout: '', stderrTail: 'load-client: boom', stoppedBy: null, spawnError: null, ...over });
  it.each([
    [{}, CalibrationErrorCode.CLIENT_FAILED, /exited with code 1; its last output:\nload-client: boom/],
    [{ code: null, signal: 'SIGKILL' as const }, CalibrationErrorCode.CLIENT_FAILED, /was killed by SIGKILL/],
    [{ stoppedBy: 'timeout' as const }, CalibrationErrorCode.TIMEOUT, /did not finish within 5000 ms/],
    [{ stoppedBy: 'abort' as const }, CalibrationErrorCode.INTERRUPTED, /interrupted/],
    [{ spawnError: 'ENOENT' }, CalibrationErrorCode.CLIENT_FAILED, /could not be started: ENOENT/],
  ])('%#: %s', (over, code, message) => {
    const err = childFailure('C load-client', outcome(over), 5000, CalibrationErrorCode.CLIENT_FAILED);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });
});
