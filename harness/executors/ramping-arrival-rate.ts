/**
 * `ramping-arrival-rate` (open model): the arrival rate follows the stages
 * linearly from `startRate`; iteration k starts where the integral of the
 * rate reaches k (smooth, see schedule.ts), on a pooled VU as in
 * constant-arrival-rate.
 */
import type { Phase, RampingArrivalRatePhase } from '../scenario/types.ts';
import { requireNumber } from './errors.ts';
import { OpenModelExecutor } from './open-model.ts';
import { expectPhase } from './phase-executor.ts';
import { ArrivalSchedule, stagesDurationMs } from './schedule.ts';

export class RampingArrivalRateExecutor extends OpenModelExecutor<RampingArrivalRatePhase> {
  protected checkPhase(phase: Phase): RampingArrivalRatePhase {
    const p = expectPhase(phase, 'ramping-arrival-rate');
    requireNumber(p.name, 'startRate', p.startRate, 0);
    p.stages.forEach((s, i) => {
      requireNumber(p.name, `stages[${i}].duration`, s.durationMs, 0);
      requireNumber(p.name, `stages[${i}].target`, s.target, 0);
    });
    requireNumber(p.name, 'preAllocatedVus', p.preAllocatedVus, 0);
    requireNumber(p.name, 'maxVus', p.maxVus, 0);
    return p;
  }

  protected createSchedule(): ArrivalSchedule {
    return new ArrivalSchedule(this.phase.startRate, this.phase.stages, this.ctx.segment);
  }

  protected durationMs(): number {
    return stagesDurationMs(this.phase.stages);
  }
}
