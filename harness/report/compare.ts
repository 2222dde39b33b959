/**
 * Baseline comparison and the regression gate.
 *
 * For each metric present in either set: the relative change
 * `(current − baseline) / |baseline|`, signed so that "worse" follows the
 * metric's direction (rps down is worse, latency up is worse). A gated
 * metric that is worse by more than the tolerance is a regression; the gate
 * fails when there is at least one.
 *
 *   baseline 0, current 0  → change 0
 *   baseline 0, current ≠ 0 → change ±∞ (e.g. errors where there were none)
 *   either side null        → no comparison (row marked "no data", never a regression)
 */
import type { Environment } from '../runner/environment.ts';
import type { Direction, MetricValue, Spread } from './metric-set.ts';
import type { MetricUnit } from '../metrics/names.ts';

/** Which side of a change a metric moved. */
export type Change = 'worse' | 'better' | 'same';

/** One metric compared. */
export interface ComparisonRow {
  key: string;
  label: string;
  unit: MetricUnit;
  better: Direction;
  gated: boolean;
  baseline: number | null;
  current: number | null;
  /** (current − baseline) / |baseline| × 100; ±Infinity from a zero baseline; null without both values. */
  deltaPercent: number | null;
  /** null without both values. */
  change: Change | null;
  /** Gated, and worse by more than the tolerance. */
  regressed: boolean;
  baselineSpread: Spread | null;
  currentSpread: Spread | null;
}

/** Describes one side of a comparison. */
export interface ComparedSide {
  /** Where it came from (a path, or `median of 3 runs in …`). */
  label: string;
  scenario: string;
  startedAt: string;
  /** Runs behind the figures (medians when > 1). */
  runs: number;
  gitRevision: string | null;
  environment: Environment;
}

/** A whole comparison. */
export interface Comparison {
  baseline: ComparedSide;
  current: ComparedSide;
  /** `--fail-on-regression` percent; null = show deltas, gate nothing. */
  tolerancePercent: number | null;
  rows: ComparisonRow[];
  /** The rows that regressed (a subset of `rows`). */
  regressions: ComparisonRow[];
  /** Why the two sides may not be comparable (different scenario, machine, Node). */
  notes: string[];
}

/** Relative change in percent; see the module comment for zeros. */
export function deltaPercent(baseline: number, current: number): number {
  if (baseline === current) return 0;
  if (baseline === 0) return current > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return ((current - baseline) / Math.abs(baseline)) * 100;
}

/** How much worse (positive) or better (negative) a delta is for a metric with direction `better`. */
export function worsePercent(delta: number, better: Direction): number {
  return better === 'lower' ? delta : -delta;
}

/** Compares one metric. */
export function compareMetric(
  baseline: MetricValue | undefined,
  current: MetricValue | undefined,
  tolerancePercent: number | null,
): ComparisonRow {
  const proto = (current ?? baseline)!;
  const b = baseline?.value ?? null;
  const c = current?.value ?? null;
  let delta: number | null = null;
  let change: Change | null = null;
  let regressed = false;
  if (b !== null && c !== null) {
    delta = deltaPercent(b, c);
    const worse = worsePercent(delta, proto.better);
    change = worse > 0 ? 'worse' : worse < 0 ? 'better' : 'same';
    regressed = proto.gated && tolerancePercent !== null && worse > tolerancePercent;
  }
  return {
    key: proto.key,
    label: proto.label,
    unit: proto.unit,
    better: proto.better,
    gated: proto.gated,
    baseline: b,
    current: c,
    deltaPercent: delta,
    change,
    regressed,
    baselineSpread: baseline?.spread ?? null,
    currentSpread: current?.spread ?? null,
  };
}

function environmentNotes(b: Environment, c: Environment): string[] {
  const notes: string[] = [];
  const diff = (what: string, x: unknown, y: unknown): void => {
    if (x !== y) notes.push(`${what} differs: baseline ${String(x)}, current ${String(y)}`);
  };
  diff('host', b.hostname, c.hostname);
  diff('CPU', `${b.cpuModel} × ${b.cores}`, `${c.cpuModel} × ${c.cores}`);
  diff('Node.js', b.node, c.node);
  return notes;
}

/**
 * Compares `current` with `baseline` metric by metric (union of keys, in
 * the current run's order, then baseline-only ones).
 */
export function compareSets(
  baseline: { side: ComparedSide; metrics: readonly MetricValue[] },
  current: { side: ComparedSide; metrics: readonly MetricValue[] },
  tolerancePercent: number | null,
): Comparison {
  if (tolerancePercent !== null && !(tolerancePercent >= 0 && Number.isFinite(tolerancePercent))) {
    throw new RangeError(`tolerance must be a finite percent ≥ 0, got ${tolerancePercent}`);
  }
  const base = new Map(baseline.metrics.map((m) => [m.key, m]));
  const cur = new Map(current.metrics.map((m) => [m.key, m]));
  const keys = [...cur.keys(), ...[...base.keys()].filter((k) => !cur.has(k))];
  const rows = keys.map((k) => compareMetric(base.get(k), cur.get(k), tolerancePercent));
  const notes: string[] = [];
  if (baseline.side.scenario !== current.side.scenario) {
    notes.push(`different scenarios: baseline '${baseline.side.scenario}', current '${current.side.scenario}'`);
  }
  notes.push(...environmentNotes(baseline.side.environment, current.side.environment));
  return {
    baseline: baseline.side,
    current: current.side,
    tolerancePercent,
    rows,
    regressions: rows.filter((r) => r.regressed),
    notes,
  };
}
