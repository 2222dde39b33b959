/**
 * Load models (executors). The run infrastructure calls, per phase:
 *
 *   await createExecutor(phase.executor).run(phase, ctx)
 *
 * Semantics (k6 / wrk2), sharing across workers, timers and coordinated-
 * omission correction are documented in docs/load-models.md.
 */
import type { ExecutorType } from '../scenario/types.ts';
import type { LoadOptions } from '../vu/options.ts';
import { ConstantArrivalRateExecutor } from './constant-arrival-rate.ts';
import { ConstantRequestRateExecutor } from './constant-request-rate.ts';
import { ConstantVusExecutor } from './constant-vus.ts';
import { ExecutorError, ExecutorErrorCode } from './errors.ts';
import type { ExecutorStats } from './phase-executor.ts';
import type { Executor } from './types.ts';
import { RampingArrivalRateExecutor } from './ramping-arrival-rate.ts';
import { RampingVusExecutor } from './ramping-vus.ts';

export type { Executor, WorkerContext, ExecutionSegment, Endpoint } from './types.ts';
export type { ExecutorStats } from './phase-executor.ts';
export { ExecutorError, ExecutorErrorCode } from './errors.ts';
export { DEFAULT_LOAD_OPTIONS, type LoadOptions } from '../vu/options.ts';
export { VuError, VuErrorCode } from '../vu/errors.ts';

/** An executor as created here: the Executor contract plus its own stats. */
export interface LoadExecutor extends Executor {
  /** Figures the recorder has no method for; final once `run` resolved. */
  readonly stats: ExecutorStats;
}

const FACTORIES: Readonly<Record<ExecutorType, new (options?: Partial<LoadOptions>) => LoadExecutor>> = {
  'constant-vus': ConstantVusExecutor,
  'ramping-vus': RampingVusExecutor,
  'constant-arrival-rate': ConstantArrivalRateExecutor,
  'ramping-arrival-rate': RampingArrivalRateExecutor,
  'constant-request-rate': ConstantRequestRateExecutor,
};

/** The executor type strings, as written in scenarios. */
export const EXECUTOR_TYPES: readonly ExecutorType[] = Object.keys(FACTORIES) as ExecutorType[];

/**
 * Returns a fresh executor for ONE run of one phase of load model `type`.
 * `options` tunes the load generator itself (sweep interval, pipelining
 * cap, …; defaults in {@link DEFAULT_LOAD_OPTIONS}). Throws
 * {@link ExecutorError} `NMT_EXEC_UNKNOWN_TYPE` for an unknown type and
 * `VuError` `NMT_VU_INVALID_CONFIG` for an out-of-range option.
 *
 * The returned executor's `stats` (see ExecutorStats) hold figures the
 * recorder has no method for, e.g. backpressure stalls.
 */
export function createExecutor(type: ExecutorType, options: Partial<LoadOptions> = {}): LoadExecutor {
  const Factory = Object.hasOwn(FACTORIES, type) ? FACTORIES[type] : undefined;
  if (Factory === undefined) {
    throw new ExecutorError(
      ExecutorErrorCode.UNKNOWN_TYPE,
      `unknown executor type '${String(type)}' (allowed: ${EXECUTOR_TYPES.join(', ')})`,
    );
  }
  return new Factory(options);
}
