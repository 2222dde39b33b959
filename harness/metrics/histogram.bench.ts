/**
 * Which hdr-histogram-js build should record latencies in the workers?
 *
 *   npx tsx harness/metrics/histogram.bench.ts
 *
 * Compares the three builds on the two operations that matter: `recordValue`
 * (hot path, once per response) and the per-second `encode + reset` of a
 * worker delta plus the coordinator's decode + `add` (cold path, once per
 * second per histogram). Figures measured on the 2-core CI box are noted in
 * histogram.ts next to the choice.
 */
import { Bench } from 'tinybench';
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  initWebAssembly,
  type BitBucketSize,
  type Histogram,
} from 'hdr-histogram-js';
import { HISTOGRAM_HIGHEST_MICROS, HISTOGRAM_LOWEST_MICROS, HISTOGRAM_SIGNIFICANT_DIGITS } from './histogram.ts';

await initWebAssembly();

/** Latency-like values: mostly ~50–500 µs, a tail up to 200 ms. Fixed so every build sees the same input. */
const VALUES = new Float64Array(65_536);
let seed = 42;
for (let i = 0; i < VALUES.length; i++) {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  const u = seed / 0x7fffffff;
  VALUES[i] = Math.round(u < 0.99 ? 50 + u * 450 : 1_000 + u * 200_000);
}

function make(bucket: BitBucketSize, wasm: boolean): Histogram {
  return build({
    bitBucketSize: bucket,
    autoResize: false,
    lowestDiscernibleValue: HISTOGRAM_LOWEST_MICROS,
    highestTrackableValue: HISTOGRAM_HIGHEST_MICROS,
    numberOfSignificantValueDigits: HISTOGRAM_SIGNIFICANT_DIGITS,
    useWebAssembly: wasm,
  });
}

const builds: { name: string; bucket: BitBucketSize; wasm: boolean }[] = [
  { name: 'js int32', bucket: 32, wasm: false },
  { name: 'js packed', bucket: 'packed', wasm: false },
  { name: 'wasm int32', bucket: 32, wasm: true },
];

const bench = new Bench({ time: 500 });
for (const b of builds) {
  const h = make(b.bucket, b.wasm);
  let i = 0;
  bench.add(`${b.name}: recordValue x1000`, () => {
    for (let k = 0; k < 1000; k++) h.recordValue(VALUES[i++ & 0xffff]!);
  });
  const e = make(b.bucket, b.wasm);
  bench.add(`${b.name}: 10k samples, encode + reset`, () => {
    for (let k = 0; k < 10_000; k++) e.recordValue(VALUES[k & 0xffff]!);
    encodeIntoCompressedBase64(e);
    e.reset();
  });
  const src = make(b.bucket, b.wasm);
  for (let k = 0; k < 10_000; k++) src.recordValue(VALUES[k]!);
  const encoded = encodeIntoCompressedBase64(src);
  const total = make(64, false);
  bench.add(`${b.name}: decode + add into float64`, () => {
    const d = decodeFromCompressedBase64(encoded, 64, false);
    total.add(d);
  });
  console.log(`${b.name}: footprint ${make(b.bucket, b.wasm).estimatedFootprintInBytes} bytes empty`);
}

await bench.run();
console.table(bench.table());
