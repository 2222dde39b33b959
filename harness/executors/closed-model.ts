/**
 * Closed models (constant-vus, ramping-vus): each VU loops the iteration
 * back to back; the load is whatever the VUs can do while waiting for
 * responses, so corrected and uncorrected latencies are the same value.
 *
 * This worker runs the global VUs k ≡ index (mod count); its local VU i is
 * global VU i·count + index. When the target drops, the newest VUs retire
 * (LIFO): each finishes its current iteration, runs onStop and closes; if
 * the target rises again before it is done, it simply stays.
 */
import type { Phase } from '../scenario/types.ts';
import { VirtualUser, type VuListener } from '../vu/virtual-user.ts';
import { PhaseExecutor } from './phase-executor.ts';
import { globalId } from './shares.ts';

export abstract class ClosedModelExecutor<P extends Phase> extends PhaseExecutor<P> implements VuListener {
  /** Active VUs by local index. */
  private readonly active: VirtualUser[] = [];
  /** VUs past the target, finishing their iteration (last retired = lowest id, at the end). */
  private readonly retiring: VirtualUser[] = [];

  /** Current local VU count. */
  get activeVus(): number {
    return this.active.length;
  }

  /** Starts or retires VUs so that `count` local VUs run. */
  protected setTarget(count: number): void {
    if (this.stopping) return;
    while (this.active.length < count) {
      const id = globalId(this.active.length, this.ctx.segment);
      // A VU with this id still finishing its iteration simply stays (k6 does the same).
      const back = this.retiring[this.retiring.length - 1];
      if (back !== undefined && back.vuId === id) {
        this.retiring.pop();
        this.active.push(back);
        continue;
      }
      const vu = new VirtualUser(this.rt, id, this);
      this.active.push(vu);
      this.live.add(vu);
      vu.runIteration(null);
    }
    while (this.active.length > count) {
      const vu = this.active.pop()!;
      if (vu.idle) vu.stop();
      else this.retiring.push(vu);
    }
  }

  protected stopStarting(): void {
    for (const vu of this.live) {
      if (vu.idle) vu.stop();
    }
  }

  onIterationEnd(vu: VirtualUser): void {
    const retired = this.retiring.indexOf(vu);
    if (this.stopping || retired >= 0) {
      if (retired >= 0) this.retiring.splice(retired, 1);
      vu.stop();
      return;
    }
    vu.runIteration(null);
  }

  onStarted(vu: VirtualUser): void {
    // Closed VUs start through runIteration; a bare start() is not used.
    if (this.stopping) vu.stop();
    else vu.runIteration(null);
  }

  onStopped(vu: VirtualUser): void {
    this.live.delete(vu);
    this.checkDone();
  }

  onSessionLost(): void {
    // The next iteration re-runs onStart (see VirtualUser).
  }

  onWritable(): void {}
}
