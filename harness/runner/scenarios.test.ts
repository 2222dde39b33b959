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
    expect(files.sort()).toEqual(['10k-clients.yaml', 'connect-storm.yaml', 'foreign-protocol.yaml', 'open-rate.yaml', 'ping.yaml']);
  });

  it.each(files)('%s prepares cleanly and has thresholds', (file) => {
    const c = new Coordinator({ scenarioPath: join(dir, file) });
    c.prepare();
    expect(c.scenario.name).toBe(file.replace(/\.yaml$/, ''));
    expect(c.scenario.thresholds.length).toBeGreaterThan(0);
    expect(c.workers.workers).toBe(1);
    expect(c.aggregator.phaseNames.length).toBe(c.scenario.phases.length);
  });
});
