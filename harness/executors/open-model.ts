/**
 * Open models (constant-arrival-rate, ramping-arrival-rate): iterations
 * start at scheduled instants whatever the responses do. Each start takes a
 * VU from the pool:
 *
 *   arrival ─▶ idle VU?      yes ─▶ run the iteration now
 *                │ no
 *                ▼
 *              VU still running onStart without work?  yes ─▶ queue it there
 *                │ no
 *                ▼
 *              below maxVus? yes ─▶ new VU (onStart, then the iteration)
 *                │ no
 *                ▼
 *              iterationDropped()
 *
 * This worker takes the global iterations k ≡ index (mod count) of one
 * shared {@link ArrivalSchedule}; VU shares follow the same rule. Latency is
 * measured from the intended send time: an iteration that starts late (no VU
 * was free at once, a new VU had to connect, the event loop lagged) shifts
 * its requests' intended times back by that lateness.
 */
import type { Phase } from '../scenario/types.ts';
import { VirtualUser, type VuListener } from '../vu/virtual-user.ts';
import { Alarm, PhaseExecutor } from './phase-executor.ts';
import type { ArrivalSchedule } from './schedule.ts';
import { globalId, shareOf } from './shares.ts';

const ARRIVAL = 0;

export abstract class OpenModelExecutor<P extends Phase & { preAllocatedVus: number; maxVus: number }>
  extends PhaseExecutor<P>
  implements VuListener
{
  private schedule!: ArrivalSchedule;
  /** Next arrival, ms from the phase start; -1 when the schedule is over. */
  private nextAt = -1;
  private readonly arrivalAlarm = new Alarm(this, ARRIVAL);
  /** VUs ready for an iteration (a stack: the most recently used VU is warmest). */
  private readonly idle: VirtualUser[] = [];
  /** VUs running onStart with no iteration queued yet. */
  private readonly starting: VirtualUser[] = [];
  private vuCount = 0;
  private maxLocalVus = 0;

  /** The arrival schedule of the phase, for this worker. */
  protected abstract createSchedule(): ArrivalSchedule;

  /** Local VUs created so far. */
  get vusCreated(): number {
    return this.vuCount;
  }

  protected begin(): void {
    const segment = this.ctx.segment;
    this.maxLocalVus = shareOf(Math.max(this.phase.maxVus, this.phase.preAllocatedVus), segment);
    const pre = shareOf(this.phase.preAllocatedVus, segment);
    for (let i = 0; i < pre; i++) {
      const vu = this.newVu();
      this.starting.push(vu);
      vu.start();
    }
    this.schedule = this.createSchedule();
    this.nextAt = this.schedule.next();
    this.onArrivals(performance.now());
  }

  protected override onOwnAlarm(id: number, now: number): void {
    if (id === ARRIVAL) this.onArrivals(now);
  }

  /** Starts every arrival due by `now` (bounded per firing), then arms the next. */
  private onArrivals(now: number): void {
    if (this.stopping) return;
    const startAt = this.startAt;
    let burst = 0;
    while (this.nextAt >= 0 && startAt + this.nextAt <= now + 0.5) {
      if (burst++ >= this.options.maxArrivalBurst) {
        // Far behind (the loop stalled): continue after pending I/O so sockets are not starved.
        setImmediate(resumeArrivals, this);
        return;
      }
      this.dispatch(startAt + this.nextAt);
      if (this.stopping) return;
      this.nextAt = this.schedule.next();
    }
    if (this.nextAt >= 0) this.rt.scheduler.schedule(this.arrivalAlarm, startAt + this.nextAt);
  }

  /** @internal setImmediate continuation of a capped burst. */
  continueArrivals(): void {
    this.onArrivals(performance.now());
  }

  private dispatch(intendedAt: number): void {
    const vu = this.idle.pop();
    if (vu !== undefined) {
      vu.runIteration(intendedAt);
      return;
    }
    const starting = this.starting.pop();
    if (starting !== undefined && starting.queueIteration(intendedAt)) return;
    if (this.vuCount < this.maxLocalVus) {
      this.newVu().runIteration(intendedAt);
      return;
    }
    this.rt.recorder.iterationDropped();
  }

  private newVu(): VirtualUser {
    const vu = new VirtualUser(this.rt, globalId(this.vuCount++, this.ctx.segment), this);
    this.live.add(vu);
    return vu;
  }

  protected stopStarting(): void {
    this.rt.scheduler.cancel(this.arrivalAlarm);
    const idle = this.idle.splice(0);
    for (const vu of idle) vu.stop();
  }

  onStarted(vu: VirtualUser): void {
    const i = this.starting.indexOf(vu);
    if (i >= 0) this.starting.splice(i, 1);
    this.release(vu);
  }

  onIterationEnd(vu: VirtualUser): void {
    this.release(vu);
  }

  private release(vu: VirtualUser): void {
    if (this.stopping) vu.stop();
    else this.idle.push(vu);
  }

  onStopped(vu: VirtualUser): void {
    this.live.delete(vu);
    this.checkDone();
  }

  onSessionLost(): void {
    // An idle VU without a session re-runs onStart before its next iteration.
  }

  onWritable(): void {}
}

function resumeArrivals(executor: { continueArrivals(): void }): void {
  executor.continueArrivals();
}
