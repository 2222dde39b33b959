/**
 * Shapes of parsed and evaluated thresholds. A threshold is written
 * `metric{tag:value,...}.stat OP number[unit]` (docs/scenarios.md "Thresholds").
 */
import type { MetricQuery, MetricUnit } from '../metrics/names.ts';

/** Comparison operators, as written. */
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A threshold expression after parsing and checking against `METRICS`. */
export interface ParsedThreshold {
  /** The expression as written (trimmed). */
  expr: string;
  /** What to ask the metric source for; the stat is explicit even when the text omitted it. */
  query: MetricQuery;
  op: ThresholdOp;
  /** The right-hand side in the stat's base unit (µs, bytes, ratio 0..1, per second, percent, count). */
  target: number;
  /** Unit of the stat (decides how values are formatted). */
  unit: MetricUnit;
}

/** What a threshold needs to be evaluated: parsed, or a scenario entry carrying its text. */
export type ThresholdInput =
  | ParsedThreshold
  | string
  | { expr: string; parsed?: ParsedThreshold; abortOnFail?: boolean };

/** The outcome of one threshold. */
export interface ThresholdResult {
  expr: string;
  ok: boolean;
  /** Measured value in the base unit; null when the metric had no data. */
  measured: number | null;
  /** `measured` formatted for people ("1.84ms"), or "no data". */
  measuredText: string;
  /** Target in the base unit. */
  target: number;
  /** Target formatted for people ("2ms"). */
  targetText: string;
  op: ThresholdOp;
  unit: MetricUnit;
  query: MetricQuery;
  /** From the scenario entry (false for bare expressions). */
  abortOnFail: boolean;
  /** Why it failed when that is not just the comparison, e.g. "no data: latency{packet:X}.p99 has no samples". */
  reason: string | null;
}
