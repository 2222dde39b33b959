/**
 * The contract between the run infrastructure (coordinator and worker
 * processes, harness/runner) and the load models (harness/executors).
 *
 *   coordinator ──fork──▶ worker i of n ──▶ for each phase: executor.run(phase, ctx)
 *                                              │ emits samples
 *                                              ▼
 *                                        MetricsRecorder ──1 s deltas──▶ coordinator
 *
 * Each worker computes its own share of a phase from `segment` (like k6
 * execution segments): e.g. VUs / rates split so that the sum over all
 * workers equals the scenario's figure exactly.
 */
import type { ClientSecurity } from '../security/client-security.ts';
import type { Catalogue } from '../../protocol/catalogue/index.ts';
import type { MetricsRecorder } from '../metrics/recorder.ts';
import type { Phase, Scenario } from '../scenario/types.ts';

export interface Endpoint {
  host: string;
  port: number;
}

export interface ExecutionSegment {
  /** This worker's index, 0-based. */
  index: number;
  /** Number of workers. */
  count: number;
}

export interface WorkerContext {
  scenario: Scenario;
  catalogue: Catalogue;
  /** Servers to drive; VUs are spread over them round-robin by global VU id. */
  endpoints: Endpoint[];
  /** Transport, TLS material and JWT signing key, resolved by the coordinator. */
  security: ClientSecurity;
  segment: ExecutionSegment;
  recorder: MetricsRecorder;
  /** Aborted on Ctrl-C, abortOnFail, or a coordinator error: stop starting work, finish within gracefulStop. */
  signal: AbortSignal;
  /** Feeder rows by feeder name (loaded once per worker). */
  feeders: Readonly<Record<string, readonly Record<string, string>[]>>;
}

/** A load model. One instance per phase run; `run` resolves when the phase (and its graceful stop) is over. */
export interface Executor {
  run(phase: Phase, ctx: WorkerContext): Promise<void>;
}
