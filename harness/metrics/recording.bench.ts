/**
 * Histogram recording as the harness does it: one `recordMicros` per
 * latency sample (WebAssembly) and one `BucketCounts.record` (plain
 * JavaScript, what responses use), the whole `responseReceived` of a worker
 * (counters + corrected and uncorrected counts: one record when the two are
 * equal, as in closed models, two otherwise), and the once-a-second cold
 * path (a worker's delta: counts added into the histograms and encoded; the
 * coordinator's merge).
 *
 *   npm run bench:micro -- --filter recording
 *
 * Reported per operation. Reports only; histogram.test.ts and
 * worker-recorder.test.ts assert correctness. (Which hdr-histogram-js
 * build records fastest: histogram.bench.ts.)
 */
import { MetricsAggregator } from './aggregator.ts';
import { BucketCounts, createRecordingHistogram, recordMicros } from './histogram.ts';
import { WorkerRecorder } from './worker-recorder.ts';

/** One benchmark case: `fn` performs `ops` operations. */
export interface MicroCase {
  name: string;
  ops: number;
  fn: () => void;
}

/** Latency-like values: mostly 50–500 µs, a 1 % tail up to 200 ms; fixed so every run sees the same input. */
function latencies(n: number): Float64Array {
  const values = new Float64Array(n);
  let seed = 42;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    const u = seed / 0x7fffffff;
    values[i] = Math.round(u < 0.99 ? 50 + u * 450 : 1_000 + u * 200_000);
  }
  return values;
}

/** The cases of this suite. */
export function recordingCases(): MicroCase[] {
  const values = latencies(65_536);
  const h = createRecordingHistogram();
  const recorder = new WorkerRecorder(0);
  const ping = recorder.requestIndex('PingReq');
  let at = 0;
  const deltaRecorder = new WorkerRecorder(0);
  const deltaPing = deltaRecorder.requestIndex('PingReq');
  let second = 0;
  const openRecorder = new WorkerRecorder(0);
  const openPing = openRecorder.requestIndex('PingReq');
  let openSecond = 0;
  const counts = new BucketCounts();
  const aggregator = new MetricsAggregator({ workers: 1, phaseNames: ['p'] });
  const source = new WorkerRecorder(0);
  const sourcePing = source.requestIndex('PingReq');
  for (let i = 0; i < 10_000; i++) source.responseReceived(sourcePing, values[i]!, values[i]!, 24);
  const sample = source.takeDelta(0, 1000, 0, true, null);
  let merged = 0;
  return [
    {
      name: 'recordMicros into one histogram',
      ops: 1000,
      fn: () => {
        for (let i = 0; i < 1000; i++) recordMicros(h, values[at++ & 0xffff]!);
      },
    },
    {
      name: 'BucketCounts.record (what responses use)',
      ops: 1000,
      fn: () => {
        for (let i = 0; i < 1000; i++) counts.record(values[at++ & 0xffff]!);
        if ((at & 0xfffff) < 1000) counts.flushInto(h); // keep the counts far from 2^32
      },
    },
    {
      name: 'WorkerRecorder.responseReceived, closed model (corrected = uncorrected: 1 record)',
      ops: 1000,
      fn: () => {
        for (let i = 0; i < 1000; i++) {
          const v = values[at++ & 0xffff]!;
          recorder.responseReceived(ping, v, v, 24);
        }
      },
    },
    {
      name: 'WorkerRecorder.responseReceived, open model (corrected > uncorrected: 2 records)',
      ops: 1000,
      fn: () => {
        for (let i = 0; i < 1000; i++) {
          const v = values[at++ & 0xffff]!;
          recorder.responseReceived(ping, v + 100, v, 24);
        }
      },
    },
    {
      name: 'worker second: 10k samples recorded + delta encoded (per sample)',
      ops: 10_000,
      fn: () => {
        for (let i = 0; i < 10_000; i++) {
          const v = values[i]!;
          deltaRecorder.responseReceived(deltaPing, v, v, 24);
        }
        deltaRecorder.takeDelta(second * 1000, second * 1000 + 1000, second, true, null);
        second++;
      },
    },
    {
      name: 'worker second, open model: 10k sample pairs recorded + delta encoded (per sample)',
      ops: 10_000,
      fn: () => {
        for (let i = 0; i < 10_000; i++) {
          const v = values[i]!;
          openRecorder.responseReceived(openPing, v + 100, v, 24);
        }
        openRecorder.takeDelta(openSecond * 1000, openSecond * 1000 + 1000, openSecond, true, null);
        openSecond++;
      },
    },
    {
      name: 'coordinator merge of a 10k-sample delta (per delta)',
      ops: 1,
      fn: () => {
        aggregator.addDelta({ ...sample, second: merged, startMs: merged * 1000, endMs: merged * 1000 + 1000 });
        merged++;
      },
    },
  ];
}
