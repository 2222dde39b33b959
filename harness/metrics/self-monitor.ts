/**
 * Load-generator self-monitoring: is the worker process itself the
 * bottleneck? Samples its CPU time (`process.cpuUsage`) and event-loop delay
 * (`perf_hooks.monitorEventLoopDelay`) once per interval. A generator that
 * is out of CPU or whose event loop lags sends late and reads late, so its
 * latencies measure itself, not the server (see saturation.ts for the rule).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { SelfSample } from './delta.ts';

/** Options of {@link SelfMonitor}. */
export interface SelfMonitorOptions {
  /** Event-loop delay sampling resolution, ms (default 10: Node's default; finer costs CPU). */
  resolutionMs?: number;
}

/** Samples CPU% and event-loop delay of the current process since the previous sample. */
export class SelfMonitor {
  private readonly loop: IntervalHistogram;
  private readonly resolutionMicros: number;
  private lastCpu: NodeJS.CpuUsage;
  private lastWall: bigint;
  private started = false;

  constructor(options: SelfMonitorOptions = {}) {
    const resolutionMs = options.resolutionMs ?? 10;
    this.loop = monitorEventLoopDelay({ resolution: resolutionMs });
    this.resolutionMicros = resolutionMs * 1000;
    this.lastCpu = process.cpuUsage();
    this.lastWall = process.hrtime.bigint();
  }

  /** Starts measuring; the first {@link sample} covers the time since this call. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop.enable();
    this.lastCpu = process.cpuUsage();
    this.lastWall = process.hrtime.bigint();
  }

  /** Stops the event-loop monitor (its timer would otherwise keep running). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.loop.disable();
  }

  /** CPU% and event-loop delay since the previous sample (or {@link start}), then resets. */
  sample(): SelfSample {
    const cpu = process.cpuUsage(this.lastCpu);
    const wall = process.hrtime.bigint();
    const wallMicros = Number(wall - this.lastWall) / 1000;
    this.lastCpu = process.cpuUsage();
    this.lastWall = wall;
    const cpuPercent = wallMicros > 0 ? ((cpu.user + cpu.system) / wallMicros) * 100 : 0;
    // The histogram is in ns and holds whole timer intervals (an idle loop
    // reads ≈ the resolution), so the resolution is subtracted to get the lag.
    // With no sample yet its stats are 0 / NaN.
    const has = this.loop.count > 0;
    const s: SelfSample = {
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      loopP99Micros: has ? this.lag(this.loop.percentile(99)) : 0,
      loopMaxMicros: has ? this.lag(this.loop.max) : 0,
      loopMeanMicros: has ? this.lag(this.loop.mean) : 0,
    };
    this.loop.reset();
    return s;
  }

  private lag(nanos: number): number {
    return Math.max(0, Math.round(nanos / 1000 - this.resolutionMicros));
  }
}
