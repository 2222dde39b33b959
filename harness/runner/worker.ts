/**
 * The body of a worker process (worker-main.ts is its entry point): loads
 * its own copy of the scenario, catalogue and feeders, waits at the start
 * barrier, then runs the phases in sequence — `createExecutor(phase.executor)
 * .run(phase, ctx)` — while a ticker aligned to the common start ships a
 * metrics delta every second.
 *
 *   start ─┬─ tick ─── tick ─── tick ─┬─ tick ─── tick ─── final
 *          │ phase 0                  │ phase 1               │
 *          └── boundary delta ────────┘                       └─ done
 *
 * Ticks fire at startWall + k·1000 ms, so all workers' second k cover the
 * same wall-clock second. At a phase boundary the worker takes a delta
 * before switching the recorder's phase, so no delta mixes two phases.
 */
import type { Catalogue } from '../../protocol/catalogue/index.ts';
import { createExecutor as realCreateExecutor } from '../executors/index.ts';
import type { Executor, WorkerContext } from '../executors/types.ts';
import { loadScenario } from '../scenario/load.ts';
import type { ExecutorType, Scenario } from '../scenario/types.ts';
import { SelfMonitor } from '../metrics/self-monitor.ts';
import { WorkerRecorder } from '../metrics/worker-recorder.ts';
import { loadScenarioCatalogue } from './catalogue-loader.ts';
import { loadFeeders } from './feeders.ts';
import type { CoordinatorMessage, InitMessage, StartMessage, StopMessage, WorkerMessage } from './ipc.ts';

/** How a worker talks to its coordinator (process IPC in production, a fake in tests). */
export interface WorkerChannel {
  /** Sends a message; resolves once it is handed to the transport. */
  send(message: WorkerMessage): Promise<void>;
}

/** Options of {@link WorkerRuntime}. */
export interface WorkerRuntimeOptions {
  /**
   * Executor factory (default: harness/executors `createExecutor`). `warn`
   * forwards one-line warnings (feeder exhausted, encode failures) to the
   * coordinator, which puts them in the results and output.
   */
  createExecutor?: (type: ExecutorType, warn: (message: string) => void) => Executor;
  /** Extra time after a stop's grace period before the worker stops waiting for an executor (default 1000 ms). */
  stopMarginMs?: number;
}

/** One worker's lifecycle; feed it coordinator messages with {@link WorkerRuntime.handle}. */
export class WorkerRuntime {
  private readonly channel: WorkerChannel;
  private readonly createExecutor: (type: ExecutorType, warn: (message: string) => void) => Executor;
  private readonly stopMarginMs: number;
  private readonly abort = new AbortController();
  private readonly self = new SelfMonitor();
  private init: InitMessage | null = null;
  private scenario: Scenario | null = null;
  private catalogue: Catalogue | null = null;
  private feeders: WorkerContext['feeders'] = {};
  private recorder: WorkerRecorder | null = null;
  private startWallMs = 0;
  private lastEndMs = 0;
  private ticker: NodeJS.Timeout | null = null;
  private tickerStopped = false;
  /** Resolves when a stop's grace period (plus margin) is over. */
  private stopDeadline: Promise<void> | null = null;
  private running: Promise<void> | null = null;

  constructor(channel: WorkerChannel, options: WorkerRuntimeOptions = {}) {
    this.channel = channel;
    this.createExecutor = options.createExecutor ?? ((type, warn) => realCreateExecutor(type, { warn }));
    this.stopMarginMs = options.stopMarginMs ?? 1000;
  }

  private readonly warn = (message: string): void => {
    void this.channel.send({ type: 'warning', message });
  };

  /** The signal executors see: aborted on a stop message. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Resolves when the run (started by a `start` message) is over and `done` was sent. */
  get finished(): Promise<void> | null {
    return this.running;
  }

  /** Handles one coordinator message. Errors while running are reported as `fatal` and rethrown. */
  async handle(message: CoordinatorMessage): Promise<void> {
    switch (message.type) {
      case 'init':
        return this.onInit(message);
      case 'start':
        this.running = this.onStart(message);
        return this.running;
      case 'stop':
        return this.onStop(message);
    }
  }

  /** The coordinator went away: stop as if told to, with no grace. */
  orphaned(): void {
    this.onStop({ type: 'stop', reason: 'error', graceMs: 0 });
  }

  private async onInit(m: InitMessage): Promise<void> {
    this.init = m;
    try {
      const scenario = loadScenario(m.scenarioPath, m.overrides);
      this.catalogue = loadScenarioCatalogue(scenario);
      this.feeders = loadFeeders(scenario.feeders);
      this.scenario = scenario;
      this.recorder = new WorkerRecorder(m.worker);
    } catch (err) {
      const e = err as Error & { code?: unknown };
      await this.channel.send({
        type: 'init-failed',
        message: e.message,
        code: typeof e.code === 'string' ? e.code : null,
      });
      return;
    }
    await this.channel.send({ type: 'ready' });
  }

  private onStop(m: StopMessage): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort(m.reason);
    const wait = m.graceMs + this.stopMarginMs;
    this.stopDeadline = new Promise((resolve) => setTimeout(resolve, wait).unref());
  }

  private async onStart(m: StartMessage): Promise<void> {
    const scenario = this.scenario;
    const recorder = this.recorder;
    const init = this.init;
    if (scenario === null || recorder === null || init === null || this.catalogue === null) {
      throw new Error('worker got start before a successful init');
    }
    this.startWallMs = m.startWallMs;
    await this.waitUntilStart();
    this.self.start();
    this.scheduleTick();
    const ctx: WorkerContext = {
      scenario,
      catalogue: this.catalogue,
      endpoints: init.endpoints,
      security: init.security,
      segment: { index: init.worker, count: init.workers },
      recorder,
      signal: this.abort.signal,
      feeders: this.feeders,
    };
    try {
      for (let i = 0; i < scenario.phases.length && !this.abort.signal.aborted; i++) {
        const phase = scenario.phases[i]!;
        if (i > 0) await this.flush('boundary');
        recorder.setPhase(i);
        await this.channel.send({ type: 'phase', index: i, event: 'start', atMs: this.nowMs() });
        await this.untilDoneOrDeadline(this.createExecutor(phase.executor, this.warn).run(phase, ctx));
        await this.channel.send({ type: 'phase', index: i, event: 'end', atMs: this.nowMs() });
      }
    } catch (err) {
      this.stopTicker();
      const e = err as Error;
      await this.channel.send({ type: 'fatal', message: e.message ?? String(err), stack: e.stack ?? null });
      throw err;
    }
    this.stopTicker();
    await this.flush('final');
    this.self.stop();
    recorder.dispose();
    await this.channel.send({ type: 'done' });
  }

  /** Waits for the executor; after a stop, gives up once the grace period has passed. */
  private async untilDoneOrDeadline(run: Promise<void>): Promise<void> {
    if (this.stopDeadline === null) {
      // Not stopped yet: wait for the phase, or for a stop and then its deadline.
      const stopped = new Promise<void>((resolve) => {
        if (this.abort.signal.aborted) resolve();
        else this.abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const first = await Promise.race([run.then(() => 'done' as const), stopped.then(() => 'stopped' as const)]);
      if (first === 'done') return;
    }
    await Promise.race([run, this.stopDeadline!]);
    // An executor still running past its grace gets no more time; its late samples are dropped
    // with the process.
    run.catch(() => undefined);
  }

  private async waitUntilStart(): Promise<void> {
    const wait = this.startWallMs - Date.now();
    if (wait <= 0 || this.abort.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }

  private nowMs(): number {
    return Date.now() - this.startWallMs;
  }

  private scheduleTick(): void {
    const elapsed = this.nowMs();
    const nextBoundary = (Math.floor(elapsed / 1000) + 1) * 1000;
    this.ticker = setTimeout(() => {
      this.ticker = null;
      void this.flush('tick').then(() => {
        if (this.ticker === null && !this.tickerStopped) this.scheduleTick();
      });
    }, nextBoundary - elapsed);
  }

  private stopTicker(): void {
    this.tickerStopped = true;
    if (this.ticker !== null) clearTimeout(this.ticker);
    this.ticker = null;
  }

  /**
   * Ships what was recorded since the previous delta.
   * - `tick`: ends its second; the bucket is the second whose end is nearest
   *   (timers fire a little late, never meaningfully early).
   * - `boundary`: a phase switch; belongs to the second it falls in and does
   *   not end it.
   * - `final`: the worker's last delta; belongs to the second it falls in.
   * Ticks carry a self-monitoring sample, and so does a final delta that
   * covers at least half a second (a shorter one would give a noisy CPU%).
   */
  private async flush(kind: 'tick' | 'boundary' | 'final'): Promise<void> {
    const recorder = this.recorder!;
    const endMs = Math.max(this.lastEndMs, this.nowMs());
    const second = kind === 'tick' ? Math.max(0, Math.round(endMs / 1000) - 1) : Math.floor(endMs / 1000);
    const sampled = kind === 'tick' || (kind === 'final' && endMs - this.lastEndMs >= 500);
    const delta = recorder.takeDelta(this.lastEndMs, endMs, second, kind !== 'boundary', sampled ? this.self.sample() : null);
    this.lastEndMs = endMs;
    await this.channel.send({ type: 'delta', delta });
  }
}
