/**
 * Turning measurement pairs into fractions of the machine's limit: each
 * pair (ours and the C reference, back to back) gives one ratio; the
 * comparison reports the median ratio with its min, max and spread, and
 * checks the median against the target. Medians, not means: one pair
 * disturbed by another process on a shared machine must not move the result.
 *
 *   pair 1: ours 120k / ref 200k = 0.60 ┐
 *   pair 2: ours 150k / ref 210k = 0.71 ├─ median 0.65, min 0.60, max 0.71, spread 17 %
 *   pair 3: ours 130k / ref 200k = 0.65 ┘
 */
import type { CalibrationCompare } from '../scenario/types.ts';
import type { ComparisonResult, PairResult, SideMeasurement, Spread } from './types.ts';

/** Median of the values (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median, min, max and spread ((max − min) / median, %) of finite values; null when there are none. */
export function spreadOf(values: readonly number[]): Spread | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const m = median(finite);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return {
    median: m,
    min,
    max,
    spreadPercent: m > 0 ? ((max - min) / m) * 100 : 0,
    values: finite,
  };
}

/** subject / reference rate; null when the reference measured nothing (a ratio would be meaningless). */
export function pairRatio(subject: SideMeasurement, reference: SideMeasurement): number | null {
  if (!(reference.rate > 0) || !Number.isFinite(subject.rate)) return null;
  return subject.rate / reference.rate;
}

/**
 * CPU µs per response of the generator or the server of a side: CPU share
 * (percent of a core) / rate. The server's share covers the whole
 * measurement, the rate its window: steady load makes them comparable.
 */
export function cpuMicrosPerResponse(side: SideMeasurement, who: 'generator' | 'server'): number | null {
  const pct = who === 'generator' ? side.generatorCpuPercent : side.serverCpuPercent;
  if (pct === null || !(side.rate > 0)) return null;
  return ((pct / 100) * 1e6) / side.rate;
}

/** True when the median ratio meets the target; null without a target; false when there is no ratio. */
export function meetsTarget(ratio: Spread | null, minRatio: number | null): boolean | null {
  if (minRatio === null) return null;
  return ratio !== null && ratio.median >= minRatio;
}

/** Problems that make a side's figure unreliable: missing connections, errors. */
export function sideProblems(side: SideMeasurement, expectedConnections: number): string[] {
  const out: string[] = [];
  if (side.connected < expectedConnections) {
    out.push(`${side.generator} → ${side.server}: only ${side.connected} of ${expectedConnections} connections opened`);
  }
  const errors = Object.entries(side.errors).filter(([, n]) => n > 0);
  if (errors.length > 0) {
    out.push(`${side.generator} → ${side.server}: errors ${errors.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  if (side.responses === 0) out.push(`${side.generator} → ${side.server}: no responses in the measured window`);
  return out;
}

/** Labels of the two sides of a comparison. */
export interface SideLabels {
  subject: string;
  reference: string;
}

/**
 * Summarises a comparison's pairs. `problem` (e.g. the comparison could
 * not run at all) is kept; otherwise the distinct problems of its sides are
 * listed (connections missing, errors) so a ratio from a bad run says so.
 */
export function summariseComparison(
  compare: CalibrationCompare,
  labels: SideLabels,
  pairs: readonly PairResult[],
  problem: string | null = null,
): ComparisonResult {
  const ratio = spreadOf(pairs.map((p) => p.ratio).filter((r): r is number => r !== null));
  const p99 = (side: 'subject' | 'reference'): number | null => {
    const values = pairs.map((p) => p[side].latencyMicros?.p99).filter((v): v is number => v !== undefined);
    return values.length === 0 ? null : median(values);
  };
  const cpu = (s: 'subject' | 'reference'): number | null => {
    const values = pairs.map((p) => cpuMicrosPerResponse(p[s], compare.kind === 'harness' ? 'generator' : 'server')).filter((v): v is number => v !== null);
    return values.length === 0 ? null : median(values);
  };
  const expected = compare.kind === 'handshake' ? 0 : compare.connections;
  const problems = problem !== null ? [problem] : [...new Set(pairs.flatMap((p) => [...sideProblems(p.reference, expected), ...sideProblems(p.subject, expected)]))];
  return {
    name: compare.name,
    kind: compare.kind,
    connections: compare.connections,
    inflight: compare.inflight,
    size: compare.size,
    subject: labels.subject,
    reference: labels.reference,
    ratio,
    subjectRate: spreadOf(pairs.map((p) => p.subject.rate)),
    referenceRate: spreadOf(pairs.map((p) => p.reference.rate)),
    subjectP99Micros: p99('subject'),
    referenceP99Micros: p99('reference'),
    subjectCpuMicrosPerResponse: cpu('subject'),
    referenceCpuMicrosPerResponse: cpu('reference'),
    minRatio: compare.minRatio,
    ok: meetsTarget(ratio, compare.minRatio),
    pairs: [...pairs],
    problem: problems.length === 0 ? null : problems.join('; '),
  };
}
