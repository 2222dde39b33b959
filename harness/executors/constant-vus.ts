/**
 * `constant-vus` (closed model): `vus` VUs loop the iteration for
 * `durationMs`, then finish within `gracefulStopMs`.
 */
import type { ConstantVusPhase, Phase } from '../scenario/types.ts';
import { ClosedModelExecutor } from './closed-model.ts';
import { requireNumber } from './errors.ts';
import { expectPhase } from './phase-executor.ts';
import { shareOf } from './shares.ts';

export class ConstantVusExecutor extends ClosedModelExecutor<ConstantVusPhase> {
  protected checkPhase(phase: Phase): ConstantVusPhase {
    const p = expectPhase(phase, 'constant-vus');
    requireNumber(p.name, 'vus', p.vus, 0);
    requireNumber(p.name, 'duration', p.durationMs, 0);
    return p;
  }

  protected begin(): void {
    this.setTarget(shareOf(this.phase.vus, this.ctx.segment));
  }

  protected durationMs(): number {
    return this.phase.durationMs;
  }
}
