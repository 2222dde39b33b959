/**
 * Live progress, rendered from aggregator events only (autocannon style: the
 * run emits, the tracker renders; it never asks the run for anything).
 *
 *   TTY:      one line, redrawn each second
 *             [2/3 steady] 12s/30s  rps 10.2k  p50 412µs  p99 1.92ms  conns 100  errors 0
 *   not TTY:  the same line, printed every `plainEveryS` seconds
 *   --quiet:  nothing (the tracker is not created)
 */
import type { Writable } from 'node:stream';
import type { MetricsAggregator, PhaseEvent } from '../metrics/aggregator.ts';
import type { SecondPoint } from '../metrics/series.ts';
import { formatValue } from '../thresholds/format.ts';

/** Options of {@link ProgressTracker}. */
export interface ProgressOptions {
  stream: Writable;
  /** Redraw one line (terminal) or print plain lines. */
  tty: boolean;
  /** Phase names and planned durations, in order. */
  phases: readonly { name: string; durationMs: number }[];
  /** Planned run time, ms. */
  totalMs: number;
  /** Seconds between plain lines when not a TTY (default 5). */
  plainEveryS?: number;
}

/** Renders progress lines from aggregator events. */
export class ProgressTracker {
  private readonly options: ProgressOptions;
  private phase = 0;
  private errors = 0;
  private lastPlainSecond = -1;
  private drawn = false;
  private detach: (() => void) | null = null;

  constructor(options: ProgressOptions) {
    this.options = options;
  }

  /** Starts listening to `agg`. */
  attach(agg: MetricsAggregator): void {
    const onSecond = (p: SecondPoint): void => this.onSecond(p);
    const onPhase = (e: PhaseEvent): void => {
      this.phase = e.index;
    };
    agg.on('second', onSecond);
    agg.on('phase', onPhase);
    this.detach = () => {
      agg.off('second', onSecond);
      agg.off('phase', onPhase);
    };
  }

  /** Stops listening and ends the redrawn line. */
  stop(): void {
    this.detach?.();
    this.detach = null;
    if (this.options.tty && this.drawn) {
      this.options.stream.write('\n');
      this.drawn = false;
    }
  }

  /** The progress line for a second (exported for tests through the class). */
  line(p: SecondPoint): string {
    const phases = this.options.phases;
    const phase = phases[this.phase];
    const elapsed = `${p.second + 1}s/${Math.round(this.options.totalMs / 1000)}s`;
    const lat = p.latency;
    const parts = [
      `[${this.phase + 1}/${phases.length} ${phase?.name ?? '?'}]`,
      elapsed,
      `rps ${formatValue(p.responses, 'rate').replace('/s', '')}`,
      `p50 ${lat === null ? '-' : formatValue(lat.p50, 'time')}`,
      `p99 ${lat === null ? '-' : formatValue(lat.p99, 'time')}`,
      `conns ${p.connections.open}`,
      // Handshake loops (connect/disconnect) answer no requests: their rate is new sessions per second.
      ...(p.responses === 0 && p.connections.established > 0 ? [`new ${formatValue(p.connections.established, 'rate')}`] : []),
      `errors ${this.errors}`,
    ];
    return parts.join('  ');
  }

  private onSecond(p: SecondPoint): void {
    this.errors += p.errorCount;
    const text = this.line(p);
    if (this.options.tty) {
      this.options.stream.write(`\r\x1b[K${text}`);
      this.drawn = true;
      return;
    }
    const every = this.options.plainEveryS ?? 5;
    if (this.lastPlainSecond < 0 || p.second - this.lastPlainSecond >= every) {
      this.lastPlainSecond = p.second;
      this.options.stream.write(`${text}\n`);
    }
  }
}
