import { describe, expect, it } from 'vitest';
import { METRICS } from '../metrics/names.ts';
import { ThresholdError, ThresholdErrorCode } from './errors.ts';
import { parseThreshold } from './parse.ts';

describe('parseThreshold: valid expressions', () => {
  it.each([
    // time: us/µs/ms/s/m → µs
    ['latency.p99 < 2ms', 'latency', {}, 'p99', '<', 2_000, 'time'],
    ['latency.p99 < 500us', 'latency', {}, 'p99', '<', 500, 'time'],
    ['latency.p99 < 500µs', 'latency', {}, 'p99', '<', 500, 'time'],
    ['latency.p99 < 1.5s', 'latency', {}, 'p99', '<', 1_500_000, 'time'],
    ['latency.max <= 1m', 'latency', {}, 'max', '<=', 60_000_000, 'time'],
    ['latency.p99 < 2 ms', 'latency', {}, 'p99', '<', 2_000, 'time'],
    ['latency.mean > 0', 'latency', {}, 'mean', '>', 0, 'time'],
    ['latency < 2ms', 'latency', {}, 'p50', '<', 2_000, 'time'],
    ['latency.p99.9 < 10ms', 'latency', {}, 'p99.9', '<', 10_000, 'time'],
    ['latency.p99.99 < 10ms', 'latency', {}, 'p99.99', '<', 10_000, 'time'],
    ['latency.uncorrected.p99 < 3ms', 'latency.uncorrected', {}, 'p99', '<', 3_000, 'time'],
    ['latency.uncorrected < 3ms', 'latency.uncorrected', {}, 'p50', '<', 3_000, 'time'],
    ['latency.count >= 1000', 'latency', {}, 'count', '>=', 1_000, 'count'],
    ['latency{packet:PingReq,phase:steady}.p99 < 1ms', 'latency', { packet: 'PingReq', phase: 'steady' }, 'p99', '<', 1_000, 'time'],
    ['latency{ packet : PingReq }.p99<1ms', 'latency', { packet: 'PingReq' }, 'p99', '<', 1_000, 'time'],
    ['latency{phase:warm-up.1} < 1ms', 'latency', { phase: 'warm-up.1' }, 'p50', '<', 1_000, 'time'],
    ['connect.time.p95 < 20ms', 'connect.time', {}, 'p95', '<', 20_000, 'time'],
    ['harness.eventLoopLag.p99 < 50ms', 'harness.eventLoopLag', {}, 'p99', '<', 50_000, 'time'],
    // rate: plain, k, M, /s
    ['rps >= 10000', 'rps', {}, 'mean', '>=', 10_000, 'rate'],
    ['rps >= 10k', 'rps', {}, 'mean', '>=', 10_000, 'rate'],
    ['rps.max > 1.5M', 'rps', {}, 'max', '>', 1_500_000, 'rate'],
    ['rps >= 10k/s', 'rps', {}, 'mean', '>=', 10_000, 'rate'],
    ['requests.rate > 100', 'requests', {}, 'rate', '>', 100, 'rate'],
    ['connections.rate >= 1k', 'connections', {}, 'rate', '>=', 1_000, 'rate'],
    // count
    ['connections.max >= 10000', 'connections', {}, 'max', '>=', 10_000, 'count'],
    ['connections.failed == 0', 'connections', {}, 'failed', '==', 0, 'count'],
    ['errors.count != 0', 'errors', {}, 'count', '!=', 0, 'count'],
    ['errors{kind:timeout}.count == 0', 'errors', { kind: 'timeout' }, 'count', '==', 0, 'count'],
    ['iterations.dropped < 10k', 'iterations', {}, 'dropped', '<', 10_000, 'count'],
    // ratio: % or plain fraction
    ['errors.rate < 0.1%', 'errors', {}, 'rate', '<', 0.001, 'ratio'],
    ['errors.rate < 0.001', 'errors', {}, 'rate', '<', 0.001, 'ratio'],
    ['errors < 1%', 'errors', {}, 'rate', '<', 0.01, 'ratio'],
    ['errors.rate <= 1', 'errors', {}, 'rate', '<=', 1, 'ratio'],
    // bytes: 1024-based
    ['server.rss.max < 2GB', 'server.rss', {}, 'max', '<', 2 * 1024 ** 3, 'bytes'],
    ['server.rss < 512MiB', 'server.rss', {}, 'max', '<', 512 * 1024 ** 2, 'bytes'],
    ['server.rss.last < 100KB', 'server.rss', {}, 'last', '<', 100 * 1024, 'bytes'],
    ['server.rss.mean < 1KiB', 'server.rss', {}, 'mean', '<', 1024, 'bytes'],
    ['server.rss.mean < 1GiB', 'server.rss', {}, 'mean', '<', 1024 ** 3, 'bytes'],
    ['server.rss.mean < 1000', 'server.rss', {}, 'mean', '<', 1000, 'bytes'],
    ['bytes.in.count > 1MB', 'bytes.in', {}, 'count', '>', 1024 ** 2, 'bytes'],
    ['bytes.out.rate > 100k', 'bytes.out', {}, 'rate', '>', 100_000, 'rate'],
    // percent
    ['server.cpu.max < 80%', 'server.cpu', {}, 'max', '<', 80, 'percent'],
    ['harness.cpu.mean < 90', 'harness.cpu', {}, 'mean', '<', 90, 'percent'],
  ])('%s', (text, metric, tags, stat, op, target, unit) => {
    const t = parseThreshold(text);
    expect(t.query).toEqual({ metric, tags, stat });
    expect(t.op).toBe(op);
    expect(t.target).toBeCloseTo(target as number, 9);
    expect(t.unit).toBe(unit);
    expect(t.expr).toBe(text.trim());
  });

  it('accepts every stat of every metric', () => {
    for (const [name, info] of Object.entries(METRICS)) {
      for (const stat of info.stats) {
        const unit = info.statUnits?.[stat] ?? info.unit;
        const value = unit === 'time' ? '1ms' : unit === 'ratio' ? '1%' : '1';
        expect(parseThreshold(`${name}.${stat} < ${value}`).query).toEqual({ metric: name, tags: {}, stat });
      }
    }
  });
});

describe('parseThreshold: invalid expressions', () => {
  it.each([
    ['', 1, 'empty threshold'],
    ['latency.p99', 12, 'missing comparison'],
    ['latency.p99 => 2ms', 13, "unknown operator starting '='"],
    ['latency.p99 =< 2ms', 13, "unknown operator starting '='"],
    ['< 2ms', 1, 'missing metric'],
    ['latncy.p99 < 2ms', 1, "unknown metric 'latncy.p99'"],
    ['latncy{packet:x}.p99 < 2ms', 1, "unknown metric 'latncy'"],
    ['latency.p98 < 2ms', 9, "unknown stat 'p98' for latency (allowed: p50, p75"],
    ['rps.p99 > 1', 5, "unknown stat 'p99' for rps (allowed: mean, max, min, p50)"],
    ['latency{packet:PingReq}.p98 < 2ms', 25, "unknown stat 'p98'"],
    ['latency{packet:PingReq}p99 < 2ms', 24, "expected '.stat' after the tags"],
    ['latency{packet:PingReq.p99 < 2ms', 8, "unclosed '{'"],
    ['latency{} < 2ms', 9, 'empty tag filter'],
    ['latency{pkt:PingReq} < 2ms', 9, "unknown tag 'pkt' (tags of latency: packet, phase)"],
    ['latency{packet:a,kind:x} < 2ms', 18, "unknown tag 'kind'"],
    ['server.rss{phase:x} < 1GB', 12, 'server.rss has no tags'],
    ['latency{packet} < 2ms', 9, 'must be name:value'],
    ['latency{packet:} < 2ms', 9, "tag 'packet' has no value"],
    ['latency{packet:a,packet:b} < 2ms', 18, "tag 'packet' given twice"],
    ['latency.p99 < ', 14, 'missing value'],
    ['latency.p99 < 2', 15, "needs a time unit"],
    ['latency.p99 < 2kg', 15, 'is not a time'],
    ['latency.p99 < -2ms', 15, 'negative'],
    ['rps >= ten', 8, 'is not a rate'],
    ['connections.max >= 10x', 20, 'is not a count'],
    ['errors.rate < 5', 15, "above 1; a ratio is a fraction 0..1 or a percentage (write 5% if you meant percent)"],
    ['errors.rate < lots', 15, 'is not a ratio'],
    ['server.rss.max < 2XB', 18, 'is not a size'],
    ['server.cpu.max < high', 18, 'is not a percentage'],
    ['latency$.p99 < 1ms', 8, "unexpected '$' in metric name"],
  ])('%j → column %d: %s', (text, column, message) => {
    let caught: unknown;
    try {
      parseThreshold(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ThresholdError);
    const err = caught as ThresholdError;
    expect(err.code).toBe(ThresholdErrorCode.INVALID);
    expect(err.detail).toContain(message);
    expect(err.column).toBe(column);
    expect(err.message).toContain(`(column ${column})`);
  });
});
