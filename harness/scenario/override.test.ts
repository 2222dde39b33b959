import { describe, expect, it } from 'vitest';
import type { ScenarioError } from './errors.ts';
import { parseScenario } from './load.ts';
import { phaseDurationMs } from './phases.ts';

const scenario = (phases: string): string => `name: t\nflow: [ping]\nphases:\n${phases}`;

function durations(text: string, durationMs: number): number[][] {
  const s = parseScenario(text, 'inline.yaml', { durationMs });
  return s.phases.map((p) => ('stages' in p ? p.stages.map((st) => st.durationMs) : [p.durationMs]));
}

describe('--duration override', () => {
  it.each([
    ['constant-vus', '  - { executor: constant-vus, vus: 1, duration: 30s }\n'],
    ['constant-arrival-rate', '  - { executor: constant-arrival-rate, rate: 5, duration: 30s, preAllocatedVus: 1 }\n'],
    ['constant-request-rate', '  - { executor: constant-request-rate, connections: 1, rate: 5, duration: 30s }\n'],
  ])('sets the duration of a single %s phase', (_name, phases) => {
    expect(durations(scenario(phases), 5_000)).toEqual([[5_000]]);
    expect(durations(scenario(phases), 120_000)).toEqual([[120_000]]);
  });

  it.each([
    [
      'two constant phases',
      '  - { executor: constant-vus, vus: 1, duration: 10s }\n  - { executor: constant-vus, vus: 2, duration: 30s }\n',
      20_000,
      [[5_000], [15_000]],
    ],
    [
      'a single ramping phase',
      '  - { executor: ramping-vus, stages: [{ duration: 10s, target: 5 }, { duration: 0s, target: 10 }, { duration: 30s, target: 10 }] }\n',
      4_000,
      [[1_000, 0, 3_000]],
    ],
    [
      'ramp then hold',
      '  - { executor: ramping-vus, stages: [{ duration: 5s, target: 100 }] }\n  - { executor: constant-vus, vus: 100, duration: 15s }\n',
      60_000,
      [[15_000], [45_000]],
    ],
    [
      'three equal phases into a total that does not divide',
      '  - { executor: constant-vus, vus: 1, duration: 1s }\n  - { executor: constant-vus, vus: 1, duration: 1s }\n  - { executor: constant-vus, vus: 1, duration: 1s }\n',
      1_000,
      [[333], [334], [333]],
    ],
  ])('scales %s proportionally, keeping the total exact', (_name, phases, total, expected) => {
    const got = durations(scenario(phases), total);
    expect(got).toEqual(expected);
    expect(got.flat().reduce((a, b) => a + b, 0)).toBe(total);
  });

  it('leaves graceful stops, think times and loop durations alone', () => {
    const s = parseScenario(
      `name: t\nflow: [{ think: 1s }, { loop: { duration: 2s, steps: [ping] } }]\nphases:\n  - { executor: constant-vus, vus: 1, duration: 10s, gracefulStop: 3s }\n  - { executor: constant-vus, vus: 1, duration: 10s }\n`,
      'inline.yaml',
      { durationMs: 2_000 },
    );
    expect(s.phases.map((p) => [phaseDurationMs(p), p.gracefulStopMs])).toEqual([[1_000, 3_000], [1_000, 2_000]]);
    expect(s.flow.iteration).toMatchObject([{ think: { ms: 1_000 } }, { durationMs: 2_000 }]);
  });

  it.each([
    [0, '--duration must be greater than 0'],
    [-5, '--duration must be greater than 0'],
    [Number.NaN, '--duration must be greater than 0'],
  ])('rejects %d', (ms, message) => {
    let err: unknown;
    try {
      parseScenario(scenario('  - { executor: constant-vus, vus: 1, duration: 1s }\n'), 'inline.yaml', { durationMs: ms });
    } catch (e) {
      err = e;
    }
    expect((err as ScenarioError).issues).toEqual([{ path: '(--duration)', line: null, message: expect.stringContaining(message) as string }]);
  });

  it('rejects a total too short to share between phases', () => {
    const text = scenario('  - { executor: constant-vus, vus: 1, duration: 1s }\n  - { executor: constant-vus, vus: 1, duration: 1h }\n');
    expect(() => parseScenario(text, 'inline.yaml', { durationMs: 100 })).toThrow(/too short to scale the 2 phases/);
  });
});

describe('--target override', () => {
  const text = `name: t\ntarget: { host: 127.0.0.1, port: 7000, metrics: http://127.0.0.1:9100/metrics }\nflow: [ping]\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n`;

  it.each([
    ['127.0.0.1:7000', { host: '127.0.0.1', port: 7000, metricsUrl: 'http://127.0.0.1:9100/metrics' }],
    ['127.0.0.1:7001', { host: '127.0.0.1', port: 7001, metricsUrl: null }],
    ['[::1]:9', { host: '::1', port: 9, metricsUrl: null }],
  ])('%s replaces the target (metrics kept only for the same host:port)', (target, expected) => {
    expect(parseScenario(text, 'inline.yaml', { target }).target).toEqual(expected);
  });

  it.each([['localhost'], ['h:0'], ['h:65536'], ['h:x']])('rejects %s', (target) => {
    expect(() => parseScenario(text, 'inline.yaml', { target })).toThrow(/\(--target\): '.*' must be host:port/);
  });
});
