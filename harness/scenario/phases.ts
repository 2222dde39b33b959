/**
 * Phases: raw (schema-valid) YAML → {@link Phase}, with defaults (names
 * `phase-<n>`, gracefulStop, startVus/startRate, maxVus = preAllocatedVus,
 * request = ping) and the checks the schema cannot express: unique names,
 * maxVus ≥ preAllocatedVus, ramps that last longer than zero.
 */
import type { CheckContext } from './check-context.ts';
import { DEFAULTS } from './defaults.ts';
import { normaliseSend, normaliseStep } from './steps.ts';
import type { Phase, Stage } from './types.ts';
import { parseCount, parseDurationMs } from './units.ts';
import type { DocPath } from './yaml-source.ts';

type Raw = Record<string, unknown>;

const num = (v: unknown): number => parseCount(v) as number;
const ms = (v: unknown): number => parseDurationMs(v) as number;

export function normalisePhases(raw: readonly unknown[], ctx: CheckContext): Phase[] {
  const phases = raw.map((p, i) => normalisePhase(p as Raw, i, ['phases', i], ctx));
  const firstIndex = new Map<string, number>();
  phases.forEach((p, i) => {
    const prev = firstIndex.get(p.name);
    if (prev === undefined) firstIndex.set(p.name, i);
    else {
      const explicit = (raw[i] as Raw).name !== undefined;
      ctx.issue(['phases', i, ...(explicit ? ['name'] : [])], `phase name '${p.name}' is already used by phases[${prev}] (phase names must be unique)`);
    }
  });
  return phases;
}

function normalisePhase(p: Raw, index: number, path: DocPath, ctx: CheckContext): Phase {
  const base = {
    name: (p.name as string | undefined) ?? `${DEFAULTS.phase.namePrefix}${index + 1}`,
    gracefulStopMs: p.gracefulStop === undefined ? DEFAULTS.phase.gracefulStopMs : ms(p.gracefulStop),
  };
  const executor = p.executor as Phase['executor'];
  switch (executor) {
    case 'constant-vus':
      return { ...base, executor, vus: num(p.vus), durationMs: ms(p.duration) };
    case 'ramping-vus':
      return {
        ...base,
        executor,
        startVus: p.startVus === undefined ? DEFAULTS.phase.startVus : num(p.startVus),
        stages: stages(p.stages, path, ctx),
      };
    case 'constant-arrival-rate': {
      const pool = vuPool(p, path, ctx);
      return { ...base, executor, rate: num(p.rate), durationMs: ms(p.duration), ...pool };
    }
    case 'ramping-arrival-rate': {
      const pool = vuPool(p, path, ctx);
      return {
        ...base,
        executor,
        startRate: p.startRate === undefined ? DEFAULTS.phase.startRate : num(p.startRate),
        stages: stages(p.stages, path, ctx),
        ...pool,
      };
    }
    case 'constant-request-rate': {
      const request = p.request === undefined ? DEFAULTS.phase.request : p.request;
      const reqPath = [...path, 'request'];
      const step =
        typeof request === 'object' && request !== null && 'send' in request
          ? normaliseSend(request as Raw, reqPath, ctx)
          : (normaliseStep(request, reqPath, ctx) as Extract<Phase, { executor: 'constant-request-rate' }>['request']);
      const connections = num(p.connections);
      const rate = num(p.rate);
      return { ...base, executor, connections, rate, durationMs: ms(p.duration), request: step };
    }
  }
}

function vuPool(p: Raw, path: DocPath, ctx: CheckContext): { preAllocatedVus: number; maxVus: number } {
  const preAllocatedVus = num(p.preAllocatedVus);
  const maxVus = p.maxVus === undefined ? preAllocatedVus : num(p.maxVus);
  if (maxVus < preAllocatedVus) {
    ctx.issue([...path, 'maxVus'], `maxVus (${maxVus}) must be ≥ preAllocatedVus (${preAllocatedVus}); omit it to use preAllocatedVus`);
  }
  return { preAllocatedVus, maxVus };
}

function stages(raw: unknown, path: DocPath, ctx: CheckContext): Stage[] {
  const list = (raw as Raw[]).map((s) => ({ durationMs: ms(s.duration), target: num(s.target) }));
  if (list.length > 0 && list.every((s) => s.durationMs === 0)) {
    ctx.issue([...path, 'stages'], 'the stages last 0 in total; give at least one stage a duration > 0');
  }
  return list;
}

/** How long a phase runs (without its graceful stop), in milliseconds. */
export function phaseDurationMs(phase: Phase): number {
  return 'stages' in phase ? phase.stages.reduce((sum, s) => sum + s.durationMs, 0) : phase.durationMs;
}
