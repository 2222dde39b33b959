/**
 * `constant-arrival-rate` (open model): `rate` iterations per second for
 * `durationMs` — iteration k starts at k / rate — each on a VU from a pool of
 * `preAllocatedVus`, grown up to `maxVus`; beyond that, starts are dropped.
 */
import type { ConstantArrivalRatePhase, Phase } from '../scenario/types.ts';
import { requireNumber } from './errors.ts';
import { OpenModelExecutor } from './open-model.ts';
import { expectPhase } from './phase-executor.ts';
import { ArrivalSchedule } from './schedule.ts';

export class ConstantArrivalRateExecutor extends OpenModelExecutor<ConstantArrivalRatePhase> {
  protected checkPhase(phase: Phase): ConstantArrivalRatePhase {
    const p = expectPhase(phase, 'constant-arrival-rate');
    requireNumber(p.name, 'rate', p.rate, 0);
    requireNumber(p.name, 'duration', p.durationMs, 0);
    requireNumber(p.name, 'preAllocatedVus', p.preAllocatedVus, 0);
    requireNumber(p.name, 'maxVus', p.maxVus, 0);
    return p;
  }

  protected createSchedule(): ArrivalSchedule {
    return ArrivalSchedule.constant(this.phase.rate, this.phase.durationMs, this.ctx.segment);
  }

  protected durationMs(): number {
    return this.phase.durationMs;
  }
}
