/**
 * What a scenario's phases add up to: planned durations (for progress
 * totals and the run's hard deadline) and the most connections any phase
 * holds at once (for the worker count).
 */
import { phaseDurationMs } from '../scenario/phases.ts';
import type { Phase, Scenario } from '../scenario/types.ts';

export { phaseDurationMs };

/** Planned length of the whole run (phases back to back), ms. */
export function plannedDurationMs(scenario: Scenario): number {
  return scenario.phases.reduce((a, p) => a + phaseDurationMs(p), 0);
}

/** The most connections (sockets) a phase can hold at once. */
export function peakConnections(phase: Phase): number {
  switch (phase.executor) {
    case 'constant-vus':
      return phase.vus;
    case 'ramping-vus':
      return Math.max(phase.startVus, ...phase.stages.map((s) => s.target));
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return Math.max(phase.preAllocatedVus, phase.maxVus);
    case 'constant-request-rate':
      return phase.connections;
  }
}

/** The most connections any phase of the scenario holds at once. */
export function scenarioPeakConnections(scenario: Scenario): number {
  return Math.max(0, ...scenario.phases.map(peakConnections));
}
