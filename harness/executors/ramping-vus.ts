/**
 * `ramping-vus` (closed model): the VU count follows the stages linearly,
 * changing at the exact instants the ramp reaches each count (see
 * schedule.ts `rampingVuChanges`), not once per second.
 */
import type { Phase, RampingVusPhase } from '../scenario/types.ts';
import { ClosedModelExecutor } from './closed-model.ts';
import { requireNumber } from './errors.ts';
import { Alarm, expectPhase } from './phase-executor.ts';
import { rampingVuChanges, stagesDurationMs, type CountChange } from './schedule.ts';

const NEXT_CHANGE = 0;

export class RampingVusExecutor extends ClosedModelExecutor<RampingVusPhase> {
  private changes: CountChange[] = [];
  private next = 0;
  private readonly changeAlarm = new Alarm(this, NEXT_CHANGE);

  protected checkPhase(phase: Phase): RampingVusPhase {
    const p = expectPhase(phase, 'ramping-vus');
    requireNumber(p.name, 'startVus', p.startVus, 0);
    p.stages.forEach((s, i) => {
      requireNumber(p.name, `stages[${i}].duration`, s.durationMs, 0);
      requireNumber(p.name, `stages[${i}].target`, s.target, 0);
    });
    return p;
  }

  protected begin(): void {
    this.changes = rampingVuChanges(this.phase.startVus, this.phase.stages, this.ctx.segment);
    this.applyDue(performance.now());
  }

  protected durationMs(): number {
    return stagesDurationMs(this.phase.stages);
  }

  protected override onOwnAlarm(id: number, now: number): void {
    if (id === NEXT_CHANGE) this.applyDue(now);
  }

  /** Applies every change due by `now`, then arms the alarm for the next one. */
  private applyDue(now: number): void {
    const elapsed = now - this.startAt;
    let target = -1;
    while (this.next < this.changes.length && this.changes[this.next]!.atMs <= elapsed + 0.5) {
      target = this.changes[this.next]!.count;
      this.next++;
    }
    if (target >= 0) this.setTarget(target);
    if (this.next < this.changes.length && !this.stopping) {
      this.rt.scheduler.schedule(this.changeAlarm, this.startAt + this.changes[this.next]!.atMs);
    }
  }
}
