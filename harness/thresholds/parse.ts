/**
 * The threshold parser: `metric{tag:value,...}.stat OP number[unit]`, checked
 * against the metric contract in harness/metrics/names.ts.
 *
 *   latency{packet:PingReq,phase:steady}.p99  <  1.5ms
 *   └─┬──┘ └──────────┬───────────────┘ └┬┘  ┬   └─┬─┘
 *   metric        tags (optional)      stat  op  value + unit (normalised to µs)
 *
 * Metric names and stats may both contain dots (`latency.uncorrected.p99.9`),
 * so the metric is the longest known name the text starts with.
 */
import { METRICS } from '../metrics/names.ts';
import type { MetricInfo, MetricUnit } from '../metrics/names.ts';
import { parseCount, parseDurationMicros, parseSize } from '../scenario/units.ts';
import { ThresholdError } from './errors.ts';
import type { ParsedThreshold, ThresholdOp } from './types.ts';

const OPERATORS: readonly ThresholdOp[] = ['<=', '>=', '==', '!=', '<', '>'];
// Longest first so `latency.uncorrected` wins over `latency`.
const METRIC_NAMES = Object.keys(METRICS).sort((a, b) => b.length - a.length);
const NAME_CHARS = /^[A-Za-z0-9_.]+$/;

/**
 * Parses and checks one threshold expression. Throws {@link ThresholdError}
 * (code `NMT_THRESHOLD_INVALID`) with the column of the problem and what is
 * allowed there (columns count in the trimmed text): unknown metric, stat or tag, a missing or wrong unit,
 * a ratio above 1 without `%`, a malformed expression.
 */
export function parseThreshold(text: string): ParsedThreshold {
  const expr = text.trim();
  if (expr === '') throw new ThresholdError(expr, 1, 'empty threshold (expected e.g. latency.p99 < 2ms)');

  const { index: opIndex, op } = findOperator(expr);
  const left = expr.slice(0, opIndex).trimEnd();
  if (left === '') throw new ThresholdError(expr, 1, `missing metric before '${op}' (metrics: ${Object.keys(METRICS).join(', ')})`);
  const { metric, info, tags, stat } = parseLeft(expr, left);
  const unit: MetricUnit = info.statUnits?.[stat] ?? info.unit;

  const rightStart = opIndex + op.length;
  const right = expr.slice(rightStart);
  const valueColumn = rightStart + (right.length - right.trimStart().length) + 1;
  const target = parseTarget(expr, right.trim(), unit, valueColumn);
  return { expr, query: { metric, tags, stat }, op, target, unit };
}

function findOperator(expr: string): { index: number; op: ThresholdOp } {
  let depth = 0;
  let openAt = -1;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (ch === '{') {
      if (depth === 0) openAt = i;
      depth++;
    } else if (ch === '}') depth--;
    else if (depth === 0 && (ch === '<' || ch === '>' || ch === '=' || ch === '!')) {
      for (const op of OPERATORS) if (expr.startsWith(op, i)) return { index: i, op };
      throw new ThresholdError(expr, i + 1, `unknown operator starting '${ch}' (allowed: < <= > >= == !=)`);
    }
  }
  if (depth > 0) throw new ThresholdError(expr, openAt + 1, "unclosed '{' in tag filter (expected e.g. {packet:PingReq})");
  throw new ThresholdError(expr, expr.length + 1, 'missing comparison (expected e.g. latency.p99 < 2ms; operators: < <= > >= == !=)');
}

interface Left {
  metric: string;
  info: MetricInfo;
  tags: Readonly<Record<string, string>>;
  stat: string;
}

function parseLeft(expr: string, left: string): Left {
  const brace = left.indexOf('{');
  if (brace !== -1) {
    const name = left.slice(0, brace).trim();
    const info = lookupMetric(expr, name, 1);
    const close = left.indexOf('}', brace);
    if (close === -1) throw new ThresholdError(expr, brace + 1, "unclosed '{' in tag filter (expected e.g. {packet:PingReq})");
    const tags = parseTags(expr, left.slice(brace + 1, close), brace + 2, name, info);
    const rest = left.slice(close + 1).trim();
    if (rest === '') return { metric: name, info, tags, stat: info.stats[0] as string };
    if (!rest.startsWith('.')) throw new ThresholdError(expr, close + 2, `expected '.stat' after the tags, got '${rest}' (stats of ${name}: ${info.stats.join(', ')})`);
    return { metric: name, info, tags, stat: checkStat(expr, name, info, rest.slice(1), close + 3) };
  }
  if (!NAME_CHARS.test(left)) {
    const bad = [...left].findIndex((c) => !/[A-Za-z0-9_.]/.test(c));
    throw new ThresholdError(expr, bad + 1, `unexpected '${left[bad]}' in metric name (expected metric{tag:value}.stat, e.g. latency{packet:PingReq}.p99)`);
  }
  for (const name of METRIC_NAMES) {
    if (left === name) return { metric: name, info: METRICS[name] as MetricInfo, tags: {}, stat: (METRICS[name] as MetricInfo).stats[0] as string };
    if (left.startsWith(`${name}.`)) {
      const info = METRICS[name] as MetricInfo;
      return { metric: name, info, tags: {}, stat: checkStat(expr, name, info, left.slice(name.length + 1), name.length + 2) };
    }
  }
  return unknownMetric(expr, left);
}

function unknownMetric(expr: string, left: string): never {
  throw new ThresholdError(expr, 1, `unknown metric '${left}' (metrics: ${Object.keys(METRICS).join(', ')})`);
}

function lookupMetric(expr: string, name: string, column: number): MetricInfo {
  const info = METRICS[name];
  if (info === undefined) throw new ThresholdError(expr, column, `unknown metric '${name}' (metrics: ${Object.keys(METRICS).join(', ')})`);
  return info;
}

function checkStat(expr: string, metric: string, info: MetricInfo, stat: string, column: number): string {
  if (!info.stats.includes(stat)) {
    throw new ThresholdError(expr, column, `unknown stat '${stat}' for ${metric} (allowed: ${info.stats.join(', ')})`);
  }
  return stat;
}

function parseTags(expr: string, body: string, column: number, metric: string, info: MetricInfo): Record<string, string> {
  const tags: Record<string, string> = {};
  if (body.trim() === '') throw new ThresholdError(expr, column, `empty tag filter '{}' (tags of ${metric}: ${info.tags.join(', ') || 'none'})`);
  let offset = 0;
  for (const raw of body.split(',')) {
    const at = column + offset + (raw.length - raw.trimStart().length);
    offset += raw.length + 1;
    const colon = raw.indexOf(':');
    if (colon === -1) throw new ThresholdError(expr, at, `tag filter '${raw.trim()}' must be name:value (e.g. packet:PingReq)`);
    const name = raw.slice(0, colon).trim();
    const value = raw.slice(colon + 1).trim();
    if (!info.tags.includes(name)) {
      const allowed = info.tags.length === 0 ? `${metric} has no tags` : `tags of ${metric}: ${info.tags.join(', ')}`;
      throw new ThresholdError(expr, at, `unknown tag '${name}' (${allowed})`);
    }
    if (value === '') throw new ThresholdError(expr, at, `tag '${name}' has no value (e.g. ${name}:VALUE)`);
    if (name in tags) throw new ThresholdError(expr, at, `tag '${name}' given twice`);
    tags[name] = value;
  }
  return tags;
}

const TIME_UNITS = 'us, µs, ms, s, m';

function parseTarget(expr: string, raw: string, unit: MetricUnit, column: number): number {
  if (raw === '') throw new ThresholdError(expr, column, `missing value after the operator (${exampleFor(unit)})`);
  const text = raw.replace(/^([-+]?[\d.]+)\s+(\S)/, '$1$2');
  if (/^-/.test(text)) throw new ThresholdError(expr, column, `value '${raw}' is negative; metrics are never negative`);
  let value: number | undefined;
  switch (unit) {
    case 'time':
      if (/^[\d.]+$/.test(text) && Number(text) !== 0) {
        throw new ThresholdError(expr, column, `value '${raw}' needs a time unit (${TIME_UNITS}; e.g. 2ms)`);
      }
      value = parseDurationMicros(text);
      if (value === undefined) throw new ThresholdError(expr, column, `value '${raw}' is not a time (units: ${TIME_UNITS}; e.g. 500us, 2ms, 1.5s)`);
      return value;
    case 'bytes':
      value = parseSize(text);
      if (value === undefined) throw new ThresholdError(expr, column, `value '${raw}' is not a size (units: B, KB, MB, GB, KiB, MiB, GiB — all 1024-based; e.g. 512MB)`);
      return value;
    case 'ratio': {
      const pct = /^([\d.]+)%$/.exec(text);
      if (pct !== null && isNumber(pct[1] as string)) return Number(pct[1]) / 100;
      if (isNumber(text)) {
        const v = Number(text);
        if (v > 1) throw new ThresholdError(expr, column, `value '${raw}' is above 1; a ratio is a fraction 0..1 or a percentage (write ${v}% if you meant percent)`);
        return v;
      }
      throw new ThresholdError(expr, column, `value '${raw}' is not a ratio (a fraction 0..1 or a percentage, e.g. 0.001 or 0.1%)`);
    }
    case 'percent': {
      const body = text.endsWith('%') ? text.slice(0, -1) : text;
      if (isNumber(body)) return Number(body);
      throw new ThresholdError(expr, column, `value '${raw}' is not a percentage (percent of one core, e.g. 80 or 80%)`);
    }
    case 'rate': {
      value = parseCount(text.endsWith('/s') ? text.slice(0, -2) : text);
      if (value === undefined) throw new ThresholdError(expr, column, `value '${raw}' is not a rate (per second: a number with optional k/M suffix, e.g. 10000, 10k, 1.5M, 10k/s)`);
      return value;
    }
    case 'count':
      value = parseCount(text);
      if (value === undefined) throw new ThresholdError(expr, column, `value '${raw}' is not a count (a number with optional k/M suffix, e.g. 10000, 10k)`);
      return value;
  }
}

function isNumber(text: string): boolean {
  return /^(\d+(\.\d+)?|\.\d+)$/.test(text);
}

function exampleFor(unit: MetricUnit): string {
  switch (unit) {
    case 'time': return 'e.g. 2ms';
    case 'bytes': return 'e.g. 512MB';
    case 'ratio': return 'e.g. 0.1%';
    case 'percent': return 'e.g. 80%';
    case 'rate': return 'e.g. 10k';
    case 'count': return 'e.g. 10000';
  }
}
