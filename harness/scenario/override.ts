/**
 * The `--duration` override (CLI) applied to a scenario's phases:
 *
 * - one phase with a constant executor (constant-vus, constant-arrival-rate,
 *   constant-request-rate): its duration is SET to the override;
 * - anything else (several phases, or ramping stages): every phase and stage
 *   duration is SCALED by override / total so the phases keep their
 *   proportions and the total equals the override exactly (boundaries are
 *   rounded to whole milliseconds, so shares may differ by < 1 ms).
 *
 * Graceful stops, loop durations, think times and threshold delays are not changed.
 */
import type { Phase } from './types.ts';
import { phaseDurationMs } from './phases.ts';

/**
 * Applies the override to `phases` in place (they are not frozen yet).
 * Returns an error message when the override cannot be applied, else null.
 */
export function applyDurationOverride(phases: Phase[], durationMs: number): string | null {
  if (!Number.isFinite(durationMs) || durationMs <= 0) return `--duration must be greater than 0, got ${durationMs}ms`;
  const only = phases.length === 1 ? phases[0] : undefined;
  if (only !== undefined && 'durationMs' in only) {
    only.durationMs = durationMs;
    return null;
  }
  // Every duration slot in order: a phase's own duration, or each of its stages.
  const slots: { get(): number; set(v: number): void }[] = [];
  for (const phase of phases) {
    if ('stages' in phase) {
      for (const stage of phase.stages) slots.push({ get: () => stage.durationMs, set: (v) => (stage.durationMs = v) });
    } else {
      slots.push({ get: () => phase.durationMs, set: (v) => (phase.durationMs = v) });
    }
  }
  const total = phases.reduce((sum, p) => sum + phaseDurationMs(p), 0);
  const factor = durationMs / total;
  let cumulative = 0;
  let previousBoundary = 0;
  slots.forEach((slot, i) => {
    cumulative += slot.get();
    // Rounding the cumulative boundaries (not each slot) keeps the total exact.
    const boundary = i === slots.length - 1 ? durationMs : Math.round(cumulative * factor);
    slot.set(boundary - previousBoundary);
    previousBoundary = boundary;
  });
  const collapsed = phases.find((p) => phaseDurationMs(p) <= 0);
  if (collapsed !== undefined) {
    return `--duration ${durationMs}ms is too short to scale the ${phases.length} phases proportionally (phase '${collapsed.name}' would last 0ms)`;
  }
  return null;
}
