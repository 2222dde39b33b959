/**
 * The coordinator's metrics aggregator: decodes worker deltas and merges
 * them exactly (HDR histogram add, counter sums) into
 *
 *   - whole-run totals and totals per phase (per request name inside each),
 *   - the per-second series (series.ts),
 *   - server and load-generator resource samples.
 *
 * It implements {@link MetricSource}, so thresholds evaluate on it, and it
 * emits events the live progress output listens to (autocannon style: the
 * run emits, the progress tracker renders):
 *
 *   'second'  SecondPoint   a second was closed (all workers reported it)
 *   'phase'   PhaseEvent    the first worker started a phase
 */
import { EventEmitter } from 'node:events';
import type { MetricQuery, MetricSource } from './names.ts';
import { assertDelta, ERROR_KINDS, type SelfSample } from './delta.ts';
import { decodeHistogram, type Histogram } from './histogram.ts';
import { Totals } from './totals.ts';
import { SecondSeries, type ClosedSecond, type SecondPoint } from './series.ts';
import { resolveMetric, type MetricView, type ServerSample } from './metric-query.ts';
import { DEFAULT_SATURATION_RULE, findSaturation, type SaturationFinding, type SaturationRule } from './saturation.ts';
import { MetricsError, MetricsErrorCode } from './errors.ts';

export type { ServerSample } from './metric-query.ts';
export type { SecondPoint } from './series.ts';

const K = ERROR_KINDS.length;

/** A phase began (first worker to start it). */
export interface PhaseEvent {
  index: number;
  name: string;
  /** ms since the run start. */
  atMs: number;
}

/** Events of {@link MetricsAggregator}. */
export interface AggregatorEvents {
  second: [SecondPoint];
  phase: [PhaseEvent];
}

export interface AggregatorOptions {
  /** Number of workers; they are indexed 0 .. workers-1. */
  workers: number;
  /** Phase names in order; a delta's `phase` indexes this list. */
  phaseNames: readonly string[];
  /** Saturation rule for {@link MetricsAggregator.saturation}. */
  saturationRule?: SaturationRule;
}

/** Merges worker deltas; see the module comment. */
export class MetricsAggregator extends EventEmitter<AggregatorEvents> implements MetricSource, MetricView {
  readonly run = new Totals();
  readonly phases: Totals[];
  readonly phaseNames: readonly string[];
  readonly serverSamples: ServerSample[] = [];
  readonly selfSamples: SelfSample[] = [];
  /** Self samples by worker, for the saturation rule. */
  readonly selfByWorker = new Map<number, SelfSample[]>();
  /** ms since run start at which each phase was first seen starting, by index. */
  readonly phaseStartMs: (number | null)[];
  private readonly series: SecondSeries;
  private readonly rule: SaturationRule;
  private finished = false;

  constructor(options: AggregatorOptions) {
    super();
    this.phaseNames = options.phaseNames;
    this.phases = options.phaseNames.map(() => new Totals());
    this.phaseStartMs = options.phaseNames.map(() => null);
    this.rule = options.saturationRule ?? DEFAULT_SATURATION_RULE;
    const workers = Array.from({ length: options.workers }, (_, i) => i);
    this.series = new SecondSeries(workers, (second) => this.serverAt(second));
  }

  /** Closed seconds, in order (with the breakdowns threshold queries use). */
  get closed(): readonly ClosedSecond[] {
    return this.series.closed;
  }

  /** The per-second series so far (closed seconds only). */
  get seconds(): SecondPoint[] {
    return this.series.closed.map((c) => c.point);
  }

  phaseIndex(name: string): number {
    return this.phaseNames.indexOf(name);
  }

  /**
   * Adds one delta received from a worker. Validates it first: a malformed
   * delta throws {@link MetricsError} (`NMT_METRICS_DELTA_INVALID`) and
   * changes nothing.
   */
  addDelta(raw: unknown): void {
    assertDelta(raw);
    const d = raw;
    const phase = this.phases[d.phase];
    if (phase === undefined) {
      throw new MetricsError(
        MetricsErrorCode.DELTA_INVALID,
        `invalid metrics delta from worker ${d.worker}: phase ${d.phase} does not exist (scenario has ${this.phases.length})`,
      );
    }
    // Decode every histogram before touching any total, so a corrupt one changes nothing.
    const lat = d.requests.map((r) => (r.latency === null ? null : decodeHistogram(r.latency)));
    const latU = d.requests.map((r) => (r.latencyUncorrected === null ? null : decodeHistogram(r.latencyUncorrected)));
    const connectTime = d.connectTime === null ? null : decodeHistogram(d.connectTime);
    const handshakeTime = d.handshakeTime === null ? null : decodeHistogram(d.handshakeTime);
    const tlsTime = d.tlsTime === null ? null : decodeHistogram(d.tlsTime);
    for (const t of [this.run, phase]) {
      t.cover(d.startMs, d.endMs);
      for (let i = 0; i < d.requests.length; i++) {
        const r = d.requests[i]!;
        const rt = t.request(r.name);
        rt.sent += r.sent;
        rt.responses += r.responses;
        rt.bytesOut += r.bytesOut;
        rt.bytesIn += r.bytesIn;
        for (let k = 0; k < K; k++) rt.errors[k]! += r.errors[k]!;
        addIf(rt.latency, lat[i]!);
        addIf(rt.latencyUncorrected, latU[i]!);
      }
      for (let k = 0; k < K; k++) t.errors[k]! += d.errors[k]!;
      t.bytesIn += d.bytesIn;
      t.bytesOut += d.bytesOut;
      t.attempted += d.connections.attempted;
      t.established += d.connections.established;
      t.failed += d.connections.failed;
      t.closed += d.connections.closed;
      t.iterations += d.iterations;
      t.dropped += d.dropped;
      addIf(t.connectTime, connectTime);
      addIf(t.handshakeTime, handshakeTime);
      addIf(t.tlsTime, tlsTime);
    }
    if (d.self !== null) {
      this.selfSamples.push(d.self);
      let list = this.selfByWorker.get(d.worker);
      if (list === undefined) {
        list = [];
        this.selfByWorker.set(d.worker, list);
      }
      list.push(d.self);
    }
    this.emitClosed(this.series.add(d, lat));
  }

  /** Records a server resource sample (all monitored server processes summed). */
  addServerSample(sample: ServerSample): void {
    this.serverSamples.push(sample);
  }

  /** A worker started phase `index` at `atMs`; the first start of each phase is announced. */
  phaseStarted(index: number, atMs: number): void {
    if (index < 0 || index >= this.phaseStartMs.length || this.phaseStartMs[index] !== null) return;
    this.phaseStartMs[index] = atMs;
    this.emit('phase', { index, name: this.phaseNames[index]!, atMs });
  }

  /** A worker will send no more deltas (it finished, or died). */
  workerGone(worker: number): void {
    this.emitClosed(this.series.workerGone(worker));
  }

  /** Closes every remaining second; call once at the end of the run. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emitClosed(this.series.closeAll());
  }

  /** {@link MetricSource}: see metric-query.ts for what each metric means. */
  value(query: MetricQuery): number | undefined {
    return resolveMetric(this, query);
  }

  /** Workers that were saturated, by the configured rule. */
  saturation(): SaturationFinding[] {
    return findSaturation(this.selfByWorker, this.rule);
  }

  private serverAt(second: number): SecondPoint['server'] {
    // Samples arrive in time order; search from the end (the recent seconds are closed first).
    for (let i = this.serverSamples.length - 1; i >= 0; i--) {
      const s = this.serverSamples[i]!;
      const sec = Math.floor(s.atMs / 1000);
      if (sec === second) return { rssBytes: s.rssBytes, cpuPercent: s.cpuPercent };
      if (sec < second) break;
    }
    return null;
  }

  private emitClosed(closed: readonly ClosedSecond[]): void {
    for (const c of closed) this.emit('second', c.point);
  }
}

function addIf(into: Histogram, h: Histogram | null): void {
  if (h !== null) into.add(h);
}
