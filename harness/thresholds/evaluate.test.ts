import { describe, expect, it } from 'vitest';
import type { MetricQuery, MetricSource } from '../metrics/names.ts';
import { compare, evaluateThreshold, evaluateThresholds } from './evaluate.ts';
import { ThresholdError } from './errors.ts';
import { formatQuery } from './format.ts';
import { parseThreshold } from './parse.ts';
import type { ThresholdOp } from './types.ts';

/** A source answering from a table keyed by the canonical query text. */
function source(values: Record<string, number>): MetricSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    value(query: MetricQuery) {
      const key = formatQuery(query);
      asked.push(key);
      return values[key];
    },
  };
}

describe('compare', () => {
  it.each<[ThresholdOp, number, number, boolean]>([
    ['<', 1, 2, true], ['<', 2, 2, false],
    ['<=', 2, 2, true], ['<=', 3, 2, false],
    ['>', 3, 2, true], ['>', 2, 2, false],
    ['>=', 2, 2, true], ['>=', 1, 2, false],
    ['==', 0, 0, true], ['==', 1, 0, false],
    ['!=', 1, 0, true], ['!=', 0, 0, false],
  ])('%d %s %d → %s', (op, a, b, ok) => {
    expect(compare(op, a, b)).toBe(ok);
  });
});

describe('evaluateThresholds', () => {
  const metrics = {
    'latency.p99': 1_840,
    'latency{packet:PingReq,phase:steady}.p99': 900,
    'rps.mean': 12_345,
    'errors.rate': 0.002,
    'server.rss.max': 3 * 1024 ** 3,
    'connections.max': 10_000,
  };

  it.each([
    ['latency.p99 < 2ms', true, 1_840, '1.84ms', 2_000, '2ms'],
    ['latency.p99 < 1ms', false, 1_840, '1.84ms', 1_000, '1ms'],
    ['latency{packet:PingReq,phase:steady}.p99 < 1ms', true, 900, '900µs', 1_000, '1ms'],
    ['rps >= 10k', true, 12_345, '12.3k/s', 10_000, '10k/s'],
    ['errors.rate < 0.1%', false, 0.002, '0.2%', 0.001, '0.1%'],
    ['server.rss.max < 2GB', false, 3 * 1024 ** 3, '3GiB', 2 * 1024 ** 3, '2GiB'],
    ['connections.max >= 10000', true, 10_000, '10000', 10_000, '10000'],
  ])('%s → ok=%s measured %d (%s) target %d (%s)', (expr, ok, measured, measuredText, target, targetText) => {
    const [r] = evaluateThresholds([expr], source(metrics));
    expect(r).toMatchObject({ expr, ok, measured, measuredText, target, targetText, reason: null, abortOnFail: false });
  });

  it('fails a threshold whose metric has no data, saying so', () => {
    const r = evaluateThreshold('latency{packet:Nope}.p99 < 2ms', source(metrics));
    expect(r.ok).toBe(false);
    expect(r.measured).toBeNull();
    expect(r.measuredText).toBe('no data');
    expect(r.reason).toBe('no data: latency{packet:Nope}.p99 has no samples');
  });

  it('treats NaN as no data', () => {
    const r = evaluateThreshold('latency.mean < 2ms', source({ 'latency.mean': Number.NaN }));
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/^no data/);
  });

  it('accepts parsed thresholds and scenario entries (using their parsed form and abortOnFail)', () => {
    const src = source(metrics);
    const parsed = parseThreshold('rps >= 20k');
    const results = evaluateThresholds(
      [parsed, { expr: 'errors.rate < 1%', abortOnFail: true }, { expr: 'ignored text', parsed: parseThreshold('latency.p99 < 2ms') }],
      src,
    );
    expect(results.map((r) => [r.expr, r.ok, r.abortOnFail])).toEqual([
      ['rps >= 20k', false, false],
      ['errors.rate < 1%', true, true],
      ['latency.p99 < 2ms', true, false],
    ]);
    expect(src.asked).toEqual(['rps.mean', 'errors.rate', 'latency.p99']);
  });

  it('throws ThresholdError for unparsable text', () => {
    expect(() => evaluateThresholds(['latency.p98 < 2ms'], source(metrics))).toThrow(ThresholdError);
  });

  it('returns results in input order', () => {
    const exprs = ['rps >= 1', 'latency.p99 < 1s', 'connections.max > 0'];
    expect(evaluateThresholds(exprs, source(metrics)).map((r) => r.expr)).toEqual(exprs);
  });
});
