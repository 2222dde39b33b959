import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { collectEnvironment } from './environment.ts';
import { PROJECT_ROOT } from './coordinator.ts';
import { isCoordinatorMessage, isWorkerMessage } from './ipc.ts';

describe('collectEnvironment', () => {
  it('describes the machine and the checkout', () => {
    const env = collectEnvironment(PROJECT_ROOT);
    expect(env.node).toBe(process.version);
    expect(env.cores).toBeGreaterThan(0);
    expect(env.totalMemoryBytes).toBeGreaterThan(0);
    expect(env.cpuModel).not.toBe('');
    if (env.gitRevision !== null) {
      expect(env.gitRevision).toMatch(/^[0-9a-f]{40}$/);
      expect(typeof env.gitDirty).toBe('boolean');
    }
  });

  it('has no git revision outside a checkout', () => {
    const env = collectEnvironment(tmpdir());
    expect(env.gitRevision).toBeNull();
    expect(env.gitDirty).toBeNull();
  });
});

describe('IPC message guards', () => {
  it.each([
    [{ type: 'ready' }, true, false],
    [{ type: 'delta', delta: {} }, true, false],
    [{ type: 'start', startWallMs: 1 }, false, true],
    [{ type: 'stop', reason: 'interrupt', graceMs: 1 }, false, true],
    [{ type: 'nope' }, false, false],
    ['ready', false, false],
    [null, false, false],
  ])('%j: worker %s, coordinator %s', (m, worker, coordinator) => {
    expect(isWorkerMessage(m)).toBe(worker);
    expect(isCoordinatorMessage(m)).toBe(coordinator);
  });
});
