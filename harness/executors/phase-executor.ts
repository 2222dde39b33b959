/**
 * The life cycle every load model shares:
 *
 *   run() ── begin() ──────────── starts work ─────────────┐
 *     │                                                     │
 *     ├─ duration elapsed or ctx.signal aborted ─▶ endStarts(): stop starting,
 *     │                                              VUs finish what they do,
 *     │                                              run onStop and close
 *     ├─ every VU stopped ───────────────────────▶ finish()
 *     └─ gracefulStop elapsed first ─────────────▶ abort the rest, finish()
 *
 *   finish(): wait until every socket of the phase is closed, stop the
 *   scheduler and sweeper, resolve run(). VUs never outlive their phase.
 *
 * Subclasses implement begin / stopStarting and call {@link checkDone} when a
 * VU stops.
 */
import type { Phase } from '../scenario/types.ts';
import { VuRuntime } from '../vu/runtime.ts';
import { resolveLoadOptions, type LoadOptions } from '../vu/options.ts';
import type { Timed } from '../vu/scheduler.ts';
import type { VirtualUser } from '../vu/virtual-user.ts';
import { ExecutorError, ExecutorErrorCode } from './errors.ts';
import { segmentProblem } from './shares.ts';
import type { Executor, WorkerContext } from './types.ts';

/** How long finish() waits for destroyed sockets to report 'close'. */
const SOCKET_CLOSE_WAIT_MS = 2000;

/** A scheduler entry that calls back into its owner with a fixed id (allocated once per executor). */
export class Alarm implements Timed {
  dueAt = 0;
  heapIndex = -1;

  constructor(
    private readonly owner: { onAlarm(id: number, now: number): void },
    private readonly id: number,
  ) {}

  onTimer(now: number): void {
    this.owner.onAlarm(this.id, now);
  }
}

const END_OF_STARTS = -1;
const GRACE_OVER = -2;

/** Figures the executors report besides the recorder's samples (for tests and diagnostics). */
export interface ExecutorStats {
  /** socket.write() returned false and sending paused until 'drain'. */
  backpressureStalls: number;
  /** VUs (or connections) still running at the graceful-stop deadline, aborted. */
  abortedVus: number;
  /** Sockets still not closed SOCKET_CLOSE_WAIT_MS after the phase ended (should be 0). */
  unclosedSockets: number;
}

export abstract class PhaseExecutor<P extends Phase> implements Executor {
  protected readonly options: LoadOptions;
  protected rt!: VuRuntime;
  protected ctx!: WorkerContext;
  protected phase!: P;
  /** performance.now() ms at which the phase started. */
  protected startAt = 0;
  /** VUs created in this phase that have not stopped. */
  protected readonly live = new Set<VirtualUser>();
  /** True once starting new work has ended (duration over or aborted). */
  protected stopping = false;

  readonly stats: ExecutorStats = { backpressureStalls: 0, abortedVus: 0, unclosedSockets: 0 };

  private finished = false;
  private resolveRun: (() => void) | null = null;
  private readonly endAlarm = new Alarm(this, END_OF_STARTS);
  private readonly graceAlarm = new Alarm(this, GRACE_OVER);
  private readonly onAbortSignal = (): void => this.endStarts();

  constructor(options: Partial<LoadOptions> = {}) {
    this.options = resolveLoadOptions(options);
  }

  /** Executor: runs the phase; resolves when all of its work and sockets are done. */
  async run(phase: Phase, ctx: WorkerContext): Promise<void> {
    const problem = segmentProblem(ctx.segment);
    if (problem !== null) throw new ExecutorError(ExecutorErrorCode.INVALID_SEGMENT, problem);
    if (this.resolveRun !== null || this.finished) {
      throw new ExecutorError(ExecutorErrorCode.REUSED, `an executor instance runs one phase once; create a new one for phase '${phase.name}'`);
    }
    this.phase = this.checkPhase(phase);
    this.ctx = ctx;
    if (ctx.signal.aborted) return;
    this.startAt = performance.now();
    this.rt = new VuRuntime(ctx, this.options, this.startAt);
    const done = new Promise<void>((resolve) => {
      this.resolveRun = resolve;
    });
    ctx.signal.addEventListener('abort', this.onAbortSignal, { once: true });
    try {
      try {
        this.begin();
      } catch (err) {
        // Setup failed (e.g. the request does not compile): nothing may keep running.
        for (const vu of this.live) vu.abort();
        this.live.clear();
        this.finished = true;
        this.rt.dispose();
        throw err;
      }
      const duration = this.durationMs();
      if (!this.stopping) this.rt.scheduler.schedule(this.endAlarm, this.startAt + duration);
      await done;
    } finally {
      ctx.signal.removeEventListener('abort', this.onAbortSignal);
    }
  }

  /** Narrows the phase to this executor's type; throws when the runner passed another type. */
  protected abstract checkPhase(phase: Phase): P;
  /** Starts the phase's work (VUs, arrival process, …). */
  protected abstract begin(): void;
  /** Length of the start period (ms); afterwards only in-flight work finishes. */
  protected abstract durationMs(): number;
  /** Stop starting new work; let VUs finish and stop (calling checkDone as they do). */
  protected abstract stopStarting(): void;

  /** Alarm callback. @internal */
  onAlarm(id: number, now: number): void {
    if (id === END_OF_STARTS) this.endStarts();
    else if (id === GRACE_OVER) this.graceOver();
    else this.onOwnAlarm(id, now);
  }

  /** Subclasses' own alarms (ids ≥ 0); `now` is the scheduler's clock. */
  protected onOwnAlarm(_id: number, _now: number): void {}

  /** Ends the start period now (duration over, or ctx.signal aborted). */
  protected endStarts(): void {
    if (this.stopping || this.finished || this.resolveRun === null) return;
    this.stopping = true;
    const rt = this.rt;
    rt.scheduler.cancel(this.endAlarm);
    rt.scheduler.schedule(this.graceAlarm, performance.now() + this.phase.gracefulStopMs);
    this.stopStarting();
    this.checkDone();
  }

  /** Call when a VU stopped: finishes the phase once nothing is left. */
  protected checkDone(): void {
    if (this.stopping && !this.finished && this.live.size === 0) void this.finish();
  }

  private graceOver(): void {
    if (this.finished) return;
    for (const vu of this.live) vu.abort();
    this.stats.abortedVus += this.live.size;
    this.live.clear();
    void this.finish();
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const rt = this.rt;
    rt.scheduler.stop();
    const closed = await rt.whenSocketsClosed(SOCKET_CLOSE_WAIT_MS);
    if (!closed) this.stats.unclosedSockets = rt.openSockets;
    rt.dispose();
    this.stats.backpressureStalls = rt.stats.backpressureStalls;
    const resolve = this.resolveRun!;
    resolve();
  }
}

/** Throws unless `phase.executor` is `type`. */
export function expectPhase<T extends Phase['executor']>(phase: Phase, type: T): Extract<Phase, { executor: T }> {
  if (phase.executor !== type) {
    throw new ExecutorError(
      ExecutorErrorCode.WRONG_PHASE,
      `the ${type} executor was given phase '${phase.name}' of type ${phase.executor}; use createExecutor(phase.executor)`,
    );
  }
  return phase as Extract<Phase, { executor: T }>;
}
