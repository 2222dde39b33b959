/**
 * The worker-side {@link MetricsRecorder}: HDR histograms and plain-number
 * counters, drained into a {@link MetricsDelta} every second (and at phase
 * boundaries and at the end) by {@link WorkerRecorder.takeDelta}.
 *
 * Layout, per interned request r (index from `requestIndex(name)`):
 *
 *   sent[r] responses[r] bytesOut[r] bytesIn[r]      plain number arrays
 *   reqErrors[r * K + kind]                          K = ERROR_KINDS.length
 *   latency[r] latencyUncorrected[r]                 HDR histograms (µs), encoded per delta
 *   counts[r] countsUncorrected[r] countsSame[r]     BucketCounts: the responses' samples
 *
 * Response latencies are counted in plain JavaScript ({@link BucketCounts},
 * the histograms' own bucket layout) and added into the histograms when
 * takeDelta encodes them: no call into WebAssembly per response. A response
 * whose corrected and uncorrected latencies are the same value (every
 * closed-model response) is counted once, in countsSame[r], which takeDelta
 * adds into both histograms; differing pairs (open models) go into counts[r]
 * and countsUncorrected[r]. Both steps are exact, so the deltas are byte for
 * byte those of recording every value twice (`worker-recorder.test.ts`).
 *
 * Hot-path methods only index arrays: no allocation, no I/O. Arrays grow
 * only in `requestIndex`, which executors call at setup.
 */
import type { ErrorKind, MetricsRecorder } from './recorder.ts';
import {
  DELTA_VERSION,
  ERROR_KINDS,
  ERROR_KIND_INDEX,
  OTHER_KIND_INDEX,
  type MetricsDelta,
  type RequestDelta,
  type SelfSample,
} from './delta.ts';
import { BucketCounts, createRecordingHistogram, encodeHistogram, recordMicros, type Histogram } from './histogram.ts';

const K = ERROR_KINDS.length;

function kindIndex(kind: ErrorKind): number {
  const i = ERROR_KIND_INDEX[kind];
  return i === undefined ? OTHER_KIND_INDEX : i;
}

function encodeOrNull(h: Histogram): string | null {
  return h.totalCount === 0 ? null : encodeHistogram(h);
}

/** Records one worker's samples; see the module comment for the layout. */
export class WorkerRecorder implements MetricsRecorder {
  /** This worker's index, stamped on every delta. */
  readonly worker: number;
  private phase = 0;

  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  private readonly sent: number[] = [];
  private readonly responses: number[] = [];
  private readonly reqBytesOut: number[] = [];
  private readonly reqBytesIn: number[] = [];
  private readonly reqErrors: number[] = [];
  private readonly latency: Histogram[] = [];
  private readonly latencyUncorrected: Histogram[] = [];
  /** Response samples since the last delta (see the module comment). */
  private readonly counts: BucketCounts[] = [];
  private readonly countsUncorrected: BucketCounts[] = [];
  /** Samples whose corrected and uncorrected values are equal, counted once. */
  private readonly countsSame: BucketCounts[] = [];

  private readonly errors = new Array<number>(K).fill(0);
  private totalBytesIn = 0;
  private totalBytesOut = 0;
  private attempted = 0;
  private established = 0;
  private failed = 0;
  private closed = 0;
  /** Sessions open now: carried over between deltas, never reset. */
  private open = 0;
  private maxOpen = 0;
  private iterations = 0;
  private dropped = 0;
  private readonly connectTime: Histogram = createRecordingHistogram();
  private readonly handshakeTime: Histogram = createRecordingHistogram();
  private readonly tlsTime: Histogram = createRecordingHistogram();

  constructor(worker: number) {
    this.worker = worker;
  }

  /** The phase index stamped on the next delta. Take a delta before switching phase. */
  setPhase(phase: number): void {
    this.phase = phase;
  }

  get currentPhase(): number {
    return this.phase;
  }

  /** Sessions open right now in this worker. */
  get openSessions(): number {
    return this.open;
  }

  requestIndex(name: string): number {
    const known = this.nameIndex.get(name);
    if (known !== undefined) return known;
    const i = this.names.length;
    this.names.push(name);
    this.nameIndex.set(name, i);
    this.sent.push(0);
    this.responses.push(0);
    this.reqBytesOut.push(0);
    this.reqBytesIn.push(0);
    for (let k = 0; k < K; k++) this.reqErrors.push(0);
    this.latency.push(createRecordingHistogram());
    this.latencyUncorrected.push(createRecordingHistogram());
    this.counts.push(new BucketCounts());
    this.countsUncorrected.push(new BucketCounts());
    this.countsSame.push(new BucketCounts());
    return i;
  }

  requestSent(request: number, bytes: number): void {
    this.sent[request]! += 1;
    this.reqBytesOut[request]! += bytes;
    this.totalBytesOut += bytes;
  }

  responseReceived(request: number, correctedMicros: number, uncorrectedMicros: number, bytes: number): void {
    this.responses[request]! += 1;
    this.reqBytesIn[request]! += bytes;
    this.totalBytesIn += bytes;
    if (correctedMicros === uncorrectedMicros) {
      this.countsSame[request]!.record(correctedMicros);
      return;
    }
    this.counts[request]!.record(correctedMicros);
    this.countsUncorrected[request]!.record(uncorrectedMicros);
  }

  bytesIn(bytes: number): void {
    this.totalBytesIn += bytes;
  }

  bytesOut(bytes: number): void {
    this.totalBytesOut += bytes;
  }

  error(kind: ErrorKind, request: number): void {
    const k = kindIndex(kind);
    this.errors[k]! += 1;
    if (request >= 0 && request < this.names.length) this.reqErrors[request * K + k]! += 1;
  }

  connectAttempted(): void {
    this.attempted += 1;
  }

  connectEstablished(micros: number): void {
    this.established += 1;
    recordMicros(this.connectTime, micros);
  }

  tlsEstablished(micros: number): void {
    recordMicros(this.tlsTime, micros);
  }

  /** Counts a failed connection attempt, and an error of `kind` (callers do not call `error()` as well). */
  connectFailed(kind: ErrorKind): void {
    this.failed += 1;
    this.errors[kindIndex(kind)]! += 1;
  }

  sessionOpened(handshakeMicros: number): void {
    recordMicros(this.handshakeTime, handshakeMicros);
    this.open += 1;
    if (this.open > this.maxOpen) this.maxOpen = this.open;
  }

  sessionClosed(): void {
    this.closed += 1;
    if (this.open > 0) this.open -= 1;
  }

  iterationCompleted(): void {
    this.iterations += 1;
  }

  iterationDropped(): void {
    this.dropped += 1;
  }

  /**
   * Drains everything recorded since the previous call into a delta and
   * resets (open sessions carry over). `startMs`/`endMs` are the interval in
   * ms since the common run start, `second` its time bucket, `tick` true when
   * the delta ends that bucket (see {@link MetricsDelta.tick}).
   */
  takeDelta(startMs: number, endMs: number, second: number, tick: boolean, self: SelfSample | null): MetricsDelta {
    const requests: RequestDelta[] = [];
    for (let r = 0; r < this.names.length; r++) {
      const lat = this.latency[r]!;
      const latU = this.latencyUncorrected[r]!;
      const same = this.countsSame[r]!;
      if (!same.empty) same.flushInto(lat, latU);
      const counts = this.counts[r]!;
      if (!counts.empty) counts.flushInto(lat);
      const countsU = this.countsUncorrected[r]!;
      if (!countsU.empty) countsU.flushInto(latU);
      let errs = 0;
      for (let k = 0; k < K; k++) errs += this.reqErrors[r * K + k]!;
      if (this.sent[r] === 0 && this.responses[r] === 0 && errs === 0 && lat.totalCount === 0) continue;
      requests.push({
        name: this.names[r]!,
        sent: this.sent[r]!,
        responses: this.responses[r]!,
        bytesOut: this.reqBytesOut[r]!,
        bytesIn: this.reqBytesIn[r]!,
        errors: this.reqErrors.slice(r * K, r * K + K),
        latency: encodeOrNull(lat),
        latencyUncorrected: encodeOrNull(latU),
      });
      this.sent[r] = 0;
      this.responses[r] = 0;
      this.reqBytesOut[r] = 0;
      this.reqBytesIn[r] = 0;
      for (let k = 0; k < K; k++) this.reqErrors[r * K + k] = 0;
      lat.reset();
      latU.reset();
    }
    const delta: MetricsDelta = {
      v: DELTA_VERSION,
      worker: this.worker,
      phase: this.phase,
      second,
      startMs,
      endMs,
      tick,
      requests,
      errors: this.errors.slice(),
      bytesIn: this.totalBytesIn,
      bytesOut: this.totalBytesOut,
      connections: {
        attempted: this.attempted,
        established: this.established,
        failed: this.failed,
        closed: this.closed,
        open: this.open,
        maxOpen: this.maxOpen,
      },
      connectTime: encodeOrNull(this.connectTime),
      handshakeTime: encodeOrNull(this.handshakeTime),
      tlsTime: encodeOrNull(this.tlsTime),
      iterations: this.iterations,
      dropped: this.dropped,
      self,
    };
    this.errors.fill(0);
    this.totalBytesIn = 0;
    this.totalBytesOut = 0;
    this.attempted = 0;
    this.established = 0;
    this.failed = 0;
    this.closed = 0;
    // The next interval's peak starts from what is open now.
    this.maxOpen = this.open;
    this.iterations = 0;
    this.dropped = 0;
    this.connectTime.reset();
    this.handshakeTime.reset();
    this.tlsTime.reset();
    return delta;
  }

  /** Frees the histograms' WebAssembly memory. The recorder must not be used afterwards. */
  dispose(): void {
    for (const h of this.latency) h.destroy();
    for (const h of this.latencyUncorrected) h.destroy();
    this.connectTime.destroy();
    this.handshakeTime.destroy();
    this.tlsTime.destroy();
  }
}
