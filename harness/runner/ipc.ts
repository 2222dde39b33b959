/**
 * Messages between the coordinator and its worker processes (Node IPC,
 * JSON-serialised). One run, as a sequence:
 *
 *   coordinator                         worker i
 *      │── init {scenario, endpoints} ──▶│ loads scenario, catalogue, feeders
 *      │◀──────────── ready ─────────────│   (or init-failed {message})
 *      │   …all workers ready (barrier)…
 *      │── start {startWallMs} ─────────▶│ waits for the common start instant
 *      │◀──── phase {index, start} ──────│
 *      │◀──── delta (every second, at phase boundaries) ──│
 *      │◀──── phase {index, end} ────────│
 *      │── stop {reason, graceMs} ──────▶│ (Ctrl-C, abortOnFail, another worker failed)
 *      │◀──── delta (final) ─────────────│
 *      │◀──────────── done ──────────────│ then exits 0
 *
 * A worker that hits an unexpected error sends `fatal` and exits 1.
 */
import type { ClientSecurity } from '../security/client-security.ts';
import type { MetricsDelta } from '../metrics/delta.ts';
import type { Endpoint } from '../executors/types.ts';
import type { ScenarioOverrides } from '../scenario/load.ts';

export interface InitMessage {
  type: 'init';
  worker: number;
  workers: number;
  /** Absolute path of the scenario file; each worker loads it itself. */
  scenarioPath: string;
  overrides: ScenarioOverrides;
  endpoints: Endpoint[];
  /** Transport, TLS material and JWT key (harness/security/prepare.ts). */
  security: ClientSecurity;
}

export interface StartMessage {
  type: 'start';
  /** Common start instant (Date.now() clock): phase 0 starts then in every worker. */
  startWallMs: number;
}

/** Why a run is being stopped early. */
export type StopReason = 'interrupt' | 'threshold' | 'error';

export interface StopMessage {
  type: 'stop';
  reason: StopReason;
  /** In-flight work may take this long to finish before the worker gives up on it. */
  graceMs: number;
}

export type CoordinatorMessage = InitMessage | StartMessage | StopMessage;

export interface ReadyMessage {
  type: 'ready';
}

export interface InitFailedMessage {
  type: 'init-failed';
  message: string;
  code: string | null;
}

export interface PhaseMessage {
  type: 'phase';
  index: number;
  event: 'start' | 'end';
  /** ms since the common start. */
  atMs: number;
}

export interface DeltaMessage {
  type: 'delta';
  delta: MetricsDelta;
}

export interface WarningMessage {
  type: 'warning';
  message: string;
}

export interface DoneMessage {
  type: 'done';
}

export interface FatalMessage {
  type: 'fatal';
  message: string;
  stack: string | null;
}

export type WorkerMessage =
  | ReadyMessage
  | InitFailedMessage
  | PhaseMessage
  | DeltaMessage
  | WarningMessage
  | DoneMessage
  | FatalMessage;

const WORKER_TYPES = new Set(['ready', 'init-failed', 'phase', 'delta', 'warning', 'done', 'fatal']);
const COORDINATOR_TYPES = new Set(['init', 'start', 'stop']);

/** True for an object with a known worker → coordinator `type` (fields are checked by the receiver). */
export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && WORKER_TYPES.has((m as { type?: unknown }).type as string);
}

/** True for an object with a known coordinator → worker `type`. */
export function isCoordinatorMessage(m: unknown): m is CoordinatorMessage {
  return typeof m === 'object' && m !== null && COORDINATOR_TYPES.has((m as { type?: unknown }).type as string);
}
