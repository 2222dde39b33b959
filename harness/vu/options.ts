/**
 * Tunables of the load generator, with their defaults in one place. None of
 * them is a scenario field: they are limits of the generator itself, set by
 * the runner (or tests) through `createExecutor(type, options)`.
 */
import { VuError, VuErrorCode } from './errors.ts';

export interface LoadOptions {
  /**
   * How often the per-worker sweep checks request, connect and close
   * deadlines (ms). A timeout fires up to this much late; one coarse sweep
   * replaces a timer per request. Default 20.
   */
  sweepIntervalMs: number;
  /**
   * constant-request-rate: requests one connection may have outstanding
   * before further sends wait (and are measured from their intended time
   * when they go out). Bounds memory when the server stalls. Default 64.
   */
  maxInFlightPerConnection: number;
  /** After we end a connection (FIN), how long the peer has to close before we destroy it (ms). Default 1000. */
  closeGraceMs: number;
  /**
   * Steps a VU may run back to back without waiting on I/O before it yields
   * to the event loop (a flow of only `set` / fire-and-forget steps must not
   * starve sockets and timers). Default 256.
   */
  syncStepBudget: number;
  /** Largest burst of late arrivals one scheduler firing starts for an open-model phase. Default 10,000. */
  maxArrivalBurst: number;
  /** Receives one-line warnings (feeder exhausted, encode failures); each distinct text is reported once. */
  warn: (message: string) => void;
}

/** The defaults of {@link LoadOptions}. */
export const DEFAULT_LOAD_OPTIONS: Readonly<LoadOptions> = Object.freeze({
  sweepIntervalMs: 20,
  maxInFlightPerConnection: 64,
  closeGraceMs: 1000,
  syncStepBudget: 256,
  maxArrivalBurst: 10_000,
  warn: (message: string) => {
    process.stderr.write(`[harness] warning: ${message}\n`);
  },
});

/** Most distinct warnings reported per phase; later ones are counted, not printed. */
const MAX_DISTINCT_WARNINGS = 50;

/** Merges `partial` over the defaults and checks every number; throws {@link VuError} INVALID_CONFIG. */
export function resolveLoadOptions(partial: Partial<LoadOptions> = {}): LoadOptions {
  const o: LoadOptions = { ...DEFAULT_LOAD_OPTIONS, ...partial };
  const checks: [keyof LoadOptions, number, number][] = [
    ['sweepIntervalMs', 1, 1000],
    ['maxInFlightPerConnection', 1, 65_536],
    ['closeGraceMs', 0, 60_000],
    ['syncStepBudget', 1, 1_000_000],
    ['maxArrivalBurst', 1, 10_000_000],
  ];
  for (const [key, min, max] of checks) {
    const v = o[key] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new VuError(VuErrorCode.INVALID_CONFIG, `options.${key}`, `must be a number in [${min}, ${max}], got ${String(v)}`);
    }
  }
  return o;
}

/** Wraps a warn function so each distinct message is reported once, at most {@link MAX_DISTINCT_WARNINGS}. */
export function dedupeWarnings(warn: (message: string) => void): (message: string) => void {
  const seen = new Set<string>();
  let suppressed = 0;
  return (message: string) => {
    if (seen.has(message)) return;
    if (seen.size >= MAX_DISTINCT_WARNINGS) {
      if (suppressed++ === 0) warn(`more than ${MAX_DISTINCT_WARNINGS} distinct warnings; further ones are not shown`);
      return;
    }
    seen.add(message);
    warn(message);
  };
}
