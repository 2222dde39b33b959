/**
 * Threshold evaluation: compare each threshold's stat, as reported by a
 * {@link MetricSource} (the metrics aggregator), with its target. A threshold
 * whose metric has no data FAILS — a check that cannot be made must not pass
 * silently (e.g. a typo in a packet tag, or server metrics that were never scraped).
 */
import type { MetricSource } from '../metrics/names.ts';
import { formatQuery, formatValue } from './format.ts';
import { parseThreshold } from './parse.ts';
import type { ParsedThreshold, ThresholdInput, ThresholdOp, ThresholdResult } from './types.ts';

/** `measured OP target`. */
export function compare(op: ThresholdOp, measured: number, target: number): boolean {
  switch (op) {
    case '<': return measured < target;
    case '<=': return measured <= target;
    case '>': return measured > target;
    case '>=': return measured >= target;
    case '==': return measured === target;
    case '!=': return measured !== target;
  }
}

function toParsed(input: ThresholdInput): { parsed: ParsedThreshold; abortOnFail: boolean } {
  if (typeof input === 'string') return { parsed: parseThreshold(input), abortOnFail: false };
  if ('query' in input) return { parsed: input, abortOnFail: false };
  return { parsed: input.parsed ?? parseThreshold(input.expr), abortOnFail: input.abortOnFail ?? false };
}

/**
 * Evaluates one threshold. Accepts a parsed threshold, its text, or a
 * scenario `ThresholdConfig` (whose pre-parsed form is used when present).
 * Throws `ThresholdError` only for unparsable text, which a validated
 * scenario never contains.
 */
export function evaluateThreshold(input: ThresholdInput, source: MetricSource): ThresholdResult {
  const { parsed, abortOnFail } = toParsed(input);
  const { expr, query, op, target, unit } = parsed;
  const base = { expr, target, targetText: formatValue(target, unit), op, unit, query, abortOnFail };
  const measured = source.value(query);
  if (measured === undefined || Number.isNaN(measured)) {
    return { ...base, ok: false, measured: null, measuredText: 'no data', reason: `no data: ${formatQuery(query)} has no samples` };
  }
  return { ...base, ok: compare(op, measured, target), measured, measuredText: formatValue(measured, unit), reason: null };
}

/** Evaluates every threshold, in order (see {@link evaluateThreshold}). */
export function evaluateThresholds(thresholds: readonly ThresholdInput[], source: MetricSource): ThresholdResult[] {
  return thresholds.map((t) => evaluateThreshold(t, source));
}
