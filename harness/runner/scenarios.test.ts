/**
 * Every shipped scenario loads, matches its catalogue and gets a worker
 * count — what `npm run bench` checks before starting anything.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Coordinator, PROJECT_ROOT } from './coordinator.ts';

const dir = join(PROJECT_ROOT, 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('shipped scenarios', () => {
  it('are all there', () => {
    expect(files.sort()).toEqual([
      '10k-clients.yaml', 'auth.yaml', 'connect-storm.yaml', 'crud.yaml', 'db-direct.yaml', 'foreign-protocol.yaml', 'open-rate.yaml',
      // Issue 7 (docs/performance.md): one per row of the performance table.
      'perf-db-reads.yaml', 'perf-db-writes.yaml', 'perf-handshake.yaml', 'perf-harness-ping.yaml', 'perf-harness-pipelined.yaml', 'perf-memory.yaml',
      'perf-server-ping.yaml', 'perf-server-pipelined.yaml', 'perf-sessions.yaml',
      'ping.yaml', 'tls-handshake.yaml',
    ]);
  });

  it.each(files)('%s prepares cleanly and has thresholds', (file) => {
    const c = new Coordinator({ scenarioPath: join(dir, file) });
    c.prepare();
    expect(c.scenario.name).toBe(file.replace(/\.yaml$/, ''));
    expect(c.scenario.thresholds.length).toBeGreaterThan(0);
    // 50,000 sessions need several processes (20,000 files each): the scenario asks for 4 workers.
    expect(c.workers.workers).toBe(file === 'perf-sessions.yaml' ? 4 : 1);
    expect(c.aggregator.phaseNames.length).toBe(c.scenario.phases.length);
  });
});
