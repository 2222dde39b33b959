/**
 * Threshold evaluation: parsing an expression (once per scenario load) and
 * evaluating thresholds against the merged metrics — what the coordinator
 * does once a second for abortOnFail thresholds and once at the end for all.
 *
 *   npm run bench:micro -- --filter threshold
 *
 * The metric source is a real MetricsAggregator holding 60 one-second deltas
 * of 10,000 samples each, so percentile queries merge real histograms.
 * Reports only; the tests beside parse.ts and evaluate.ts assert correctness.
 */
import { MetricsAggregator } from '../metrics/aggregator.ts';
import { WorkerRecorder } from '../metrics/worker-recorder.ts';
import { evaluateThreshold, evaluateThresholds } from './evaluate.ts';
import { parseThreshold } from './parse.ts';

/** One benchmark case: `fn` performs `ops` operations. */
export interface MicroCase {
  name: string;
  ops: number;
  fn: () => void;
}

const EXPRESSIONS = [
  'latency.p99 < 10ms',
  'latency{packet:PingReq,phase:steady}.p99.9 < 25ms',
  'rps >= 10k',
  'rps.max >= 12k',
  'errors.rate < 0.1%',
  'errors{kind:timeout}.count == 0',
  'connections.max >= 100',
  'bytes.in.rate > 1M',
  'iterations.dropped == 0',
  'latency.uncorrected.mean < 2ms',
];

/** An aggregator with 60 s of one worker's deltas (10k pings a second). */
function filledAggregator(): MetricsAggregator {
  const agg = new MetricsAggregator({ workers: 1, phaseNames: ['steady'] });
  const rec = new WorkerRecorder(0);
  const ping = rec.requestIndex('PingReq');
  let seed = 7;
  for (let s = 0; s < 60; s++) {
    for (let i = 0; i < 10_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      const v = 100 + (seed % 2000);
      rec.requestSent(ping, 16);
      rec.responseReceived(ping, v, v, 24);
      rec.iterationCompleted();
    }
    agg.addDelta(rec.takeDelta(s * 1000, s * 1000 + 1000, s, true, null));
  }
  agg.finish();
  return agg;
}

/** The cases of this suite. */
export function thresholdCases(): MicroCase[] {
  const agg = filledAggregator();
  const parsed = EXPRESSIONS.map((e) => parseThreshold(e));
  const p99 = parsed[0]!;
  const rpsMax = parsed[3]!;
  return [
    { name: `parse (${EXPRESSIONS.length} expressions)`, ops: EXPRESSIONS.length, fn: () => void EXPRESSIONS.forEach((e) => parseThreshold(e)) },
    { name: 'evaluate latency.p99 (60 s of histograms)', ops: 1, fn: () => void evaluateThreshold(p99, agg) },
    { name: 'evaluate rps.max (per-second series)', ops: 1, fn: () => void evaluateThreshold(rpsMax, agg) },
    { name: `evaluate all ${EXPRESSIONS.length} (end of run)`, ops: EXPRESSIONS.length, fn: () => void evaluateThresholds(parsed, agg) },
  ];
}
