/**
 * Thresholds: parse `metric{tag:value}.stat OP value` expressions against the
 * metric contract (harness/metrics/names.ts), evaluate them on a MetricSource,
 * and format values for people. Grammar and units: docs/scenarios.md.
 */
export { parseThreshold } from './parse.ts';
export { evaluateThreshold, evaluateThresholds, compare } from './evaluate.ts';
export { formatValue, formatQuery } from './format.ts';
export { ThresholdError, ThresholdErrorCode } from './errors.ts';
export type { ParsedThreshold, ThresholdInput, ThresholdOp, ThresholdResult } from './types.ts';
