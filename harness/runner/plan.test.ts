import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/load.ts';
import { peakConnections, plannedDurationMs, scenarioPeakConnections } from './phase-plan.ts';
import { decideWorkerCount, SOCKETS_PER_WORKER } from './worker-count.ts';
import { OutputTail } from './output-tail.ts';

function scenario(phases: string, workers = 'auto'): ReturnType<typeof parseScenario> {
  return parseScenario(`name: plan\ntarget: 127.0.0.1:7000\nworkers: ${workers}\nflow: [ping]\nphases:\n${phases}`, '/tmp/plan.yaml');
}

describe('phase plan', () => {
  const s = scenario(`
  - { executor: constant-vus, vus: 100, duration: 10s }
  - { executor: ramping-vus, startVus: 5, stages: [{ duration: 5s, target: 20000 }, { duration: 5s, target: 0 }] }
  - { executor: constant-arrival-rate, rate: 100, duration: 3s, preAllocatedVus: 10, maxVus: 300 }
  - { executor: ramping-arrival-rate, startRate: 1, stages: [{ duration: 2s, target: 10 }], preAllocatedVus: 40, maxVus: 60 }
  - { executor: constant-request-rate, connections: 70, rate: 1000, duration: 1s }
`);

  it('peak connections per executor', () => {
    expect(s.phases.map(peakConnections)).toEqual([100, 20000, 300, 60, 70]);
    expect(scenarioPeakConnections(s)).toBe(20000);
  });

  it('planned duration adds phases back to back', () => {
    expect(plannedDurationMs(s)).toBe(10_000 + 10_000 + 3000 + 2000 + 1000);
  });

  it.each([
    [undefined, 'auto', { workers: 2, source: 'auto' }],
    [5, 'auto', { workers: 5, source: 'cli' }],
    [undefined, '3', { workers: 3, source: 'scenario' }],
    [1, '3', { workers: 1, source: 'cli' }],
  ])('--workers %s with workers: %s → %j', (cli, workers, expected) => {
    const sc = scenario('  - { executor: constant-vus, vus: 20000, duration: 1s }\n', workers);
    expect(decideWorkerCount(sc, cli)).toMatchObject({ ...expected, peakConnections: 20000 });
  });

  it.each([
    [1, 1],
    [SOCKETS_PER_WORKER, 1],
    [SOCKETS_PER_WORKER + 1, 2],
    [45_000, 3],
  ])('auto: %d connections → %d worker(s)', (vus, workers) => {
    const sc = scenario(`  - { executor: constant-vus, vus: ${vus}, duration: 1s }\n`);
    expect(decideWorkerCount(sc, undefined).workers).toBe(workers);
  });
});

describe('OutputTail', () => {
  it('keeps the last lines within its byte budget', () => {
    const t = new OutputTail(32);
    for (let i = 0; i < 100; i++) t.push(Buffer.from(`line ${i}\n`));
    expect(t.text()).toBe(['line 96', 'line 97', 'line 98', 'line 99'].join('\n'));
    expect(t.text(2)).toBe('line 98\nline 99');
  });

  it('is empty when nothing was written', () => {
    expect(new OutputTail().text()).toBe('');
  });
});
