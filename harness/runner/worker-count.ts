/**
 * How many worker processes a run uses.
 *
 * `workers: auto` (docs/running.md "Workers"): the fewest workers such that
 * none holds more than 15,000 sockets — the file-descriptor limit here is
 * 20,000 per process and a worker also needs descriptors for its IPC pipes,
 * feeder files and slack — and at least one. More workers than that only
 * helps a CPU-bound generator, and on a small machine (2 cores here) the
 * server under test needs the other core: saturation is reported instead
 * (see harness/metrics/saturation.ts), and `--workers n` / `workers: n`
 * override the rule.
 */
import type { Scenario } from '../scenario/types.ts';
import { scenarioPeakConnections } from './phase-plan.ts';

/** Sockets one worker may hold under the auto rule. */
export const SOCKETS_PER_WORKER = 15_000;

/** The explanation of a worker count, for the run log and results. */
export interface WorkerCountDecision {
  workers: number;
  /** `cli`, `scenario` or `auto`. */
  source: 'cli' | 'scenario' | 'auto';
  peakConnections: number;
  reason: string;
}

/** Applies `--workers`, then the scenario's `workers`, then the auto rule. */
export function decideWorkerCount(
  scenario: Scenario,
  cliWorkers: number | undefined,
  socketsPerWorker = SOCKETS_PER_WORKER,
): WorkerCountDecision {
  const peak = scenarioPeakConnections(scenario);
  if (cliWorkers !== undefined) {
    return { workers: cliWorkers, source: 'cli', peakConnections: peak, reason: `--workers ${cliWorkers}` };
  }
  if (scenario.workers !== 'auto') {
    return { workers: scenario.workers, source: 'scenario', peakConnections: peak, reason: `workers: ${scenario.workers} in the scenario` };
  }
  const workers = Math.max(1, Math.ceil(peak / socketsPerWorker));
  return {
    workers,
    source: 'auto',
    peakConnections: peak,
    reason: `auto: ${peak} peak connections, at most ${socketsPerWorker} per worker`,
  };
}
