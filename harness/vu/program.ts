/**
 * Flow steps compiled once into a flat program the VU interpreter walks with
 * a program counter. Everything that can be decided before traffic is decided
 * here: codecs looked up, templates compiled, request names interned in the
 * recorder, loops turned into jumps:
 *
 *   [ping, loop{count:3, steps:[send, think]}, set]
 *
 *   0 PING
 *   1 LOOP     depth 0, count 3, exit → 5   (skips the body when count is 0)
 *   2 SEND
 *   3 THINK
 *   4 END_LOOP depth 0, body → 2   (jumps back while the loop goes on)
 *   5 SET
 */
import type { Catalogue, PacketCodec } from '../../protocol/catalogue/index.ts';
import type { MetricsRecorder } from '../metrics/recorder.ts';
import { compileValue, type CompiledValue } from '../scenario/templates.ts';
import type { Step } from '../scenario/types.ts';
import { VuError, VuErrorCode } from './errors.ts';
import { compileExpect, readerFor, u32Match, type ExpectSpec } from './expect.ts';
import { pingTemplateCodec } from './ping-template.ts';
import { thinkSampler, type ThinkSampler } from './think.ts';

export const Op = {
  Connect: 0,
  Disconnect: 1,
  Ping: 2,
  Send: 3,
  Think: 4,
  Loop: 5,
  EndLoop: 6,
  Set: 7,
} as const;

export interface ConnectInstr {
  readonly op: typeof Op.Connect;
}
export interface DisconnectInstr {
  readonly op: typeof Op.Disconnect;
}
/** A PingReq matched to its PongRes by `seq`. */
export interface PingInstr {
  readonly op: typeof Op.Ping;
  readonly reqIndex: number;
  /** PingReq; written from a preallocated template when it has the usual shape (ping-template.ts). */
  readonly codec: PacketCodec;
  readonly expect: ExpectSpec;
}
export interface SendInstr {
  readonly op: typeof Op.Send;
  readonly reqIndex: number;
  readonly codec: PacketCodec;
  /** Yields the packet's field values (an object). */
  readonly values: CompiledValue;
  /** null = fire and forget. */
  readonly expect: ExpectSpec | null;
}
export interface ThinkInstr {
  readonly op: typeof Op.Think;
  readonly sample: ThinkSampler;
}
export interface LoopInstr {
  readonly op: typeof Op.Loop;
  readonly depth: number;
  readonly count: number | null;
  readonly durationMs: number | null;
  /** Index after the matching END_LOOP. */
  exit: number;
}
export interface EndLoopInstr {
  readonly op: typeof Op.EndLoop;
  readonly depth: number;
  readonly count: number | null;
  readonly durationMs: number | null;
  /** Index of the first body instruction. */
  readonly body: number;
}
export interface SetInstr {
  readonly op: typeof Op.Set;
  readonly names: readonly string[];
  readonly values: readonly CompiledValue[];
}

export type RequestInstr = PingInstr | SendInstr;
export type Instr = ConnectInstr | DisconnectInstr | PingInstr | SendInstr | ThinkInstr | LoopInstr | EndLoopInstr | SetInstr;

export interface Program {
  readonly instrs: readonly Instr[];
  /** Deepest loop nesting (sizes the VU's loop stacks). */
  readonly loopDepth: number;
  /** True when the program contains a connect step. */
  readonly connects: boolean;
  /** True when the program sends anything (needs an open session). */
  readonly sends: boolean;
}

/** What compiling needs: the catalogue, the recorder (to intern request names), the default timeout. */
export interface CompileEnv {
  readonly catalogue: Catalogue;
  readonly recorder: MetricsRecorder;
}

/** Compiles a list of steps; `path` names it in errors (e.g. `flow.iteration`). */
export function compileProgram(steps: readonly Step[], env: CompileEnv, path: string): Program {
  const instrs: Instr[] = [];
  let maxDepth = 0;
  let connects = false;
  let sends = false;
  const emit = (list: readonly Step[], depth: number, base: string): void => {
    list.forEach((step, i) => {
      const here = `${base}[${i}]`;
      switch (step.kind) {
        case 'connect':
          connects = true;
          instrs.push({ op: Op.Connect });
          return;
        case 'disconnect':
          instrs.push({ op: Op.Disconnect });
          return;
        case 'ping':
        case 'send':
          sends = true;
          instrs.push(compileRequest(step, env, here));
          return;
        case 'think':
          instrs.push({ op: Op.Think, sample: thinkSampler(step.think) });
          return;
        case 'set': {
          const names = Object.keys(step.vars);
          instrs.push({ op: Op.Set, names, values: names.map((n) => compileValue(step.vars[n]!)) });
          return;
        }
        case 'loop': {
          if (step.count === null && step.durationMs === null) {
            throw new VuError(VuErrorCode.INVALID_STEP, here, 'a loop needs a count or a duration');
          }
          maxDepth = Math.max(maxDepth, depth + 1);
          const loop: LoopInstr = { op: Op.Loop, depth, count: step.count, durationMs: step.durationMs, exit: -1 };
          instrs.push(loop);
          const body = instrs.length;
          emit(step.steps, depth + 1, `${here}.steps`);
          instrs.push({ op: Op.EndLoop, depth, count: step.count, durationMs: step.durationMs, body });
          loop.exit = instrs.length;
          return;
        }
      }
    });
  };
  emit(steps, 0, path);
  return { instrs, loopDepth: maxDepth, connects, sends };
}

/** Compiles a ping or send step (also the request of constant-request-rate). */
export function compileRequest(
  step: Extract<Step, { kind: 'ping' } | { kind: 'send' }>,
  env: CompileEnv,
  path: string,
): RequestInstr {
  const catalogue = env.catalogue;
  if (step.kind === 'ping') {
    const ping = catalogue.byName('PingReq');
    const pong = catalogue.byName('PongRes');
    if (ping === undefined || pong === undefined) {
      throw new VuError(
        VuErrorCode.UNKNOWN_PACKET,
        path,
        `a ping step needs packets PingReq and PongRes, which catalogue ${catalogue.name} does not define (use a send step instead)`,
      );
    }
    readerFor(ping, 'clientTime', `${path} (PingReq.clientTime)`);
    readerFor(ping, 'seq', `${path} (PingReq.seq)`);
    const seqReader = readerFor(pong, 'seq', `${path} (PongRes.seq)`);
    const u32 = seqReader === null ? null : u32Match(pong, 'seq', seqReader);
    const expect: ExpectSpec = {
      responseCodec: pong,
      responseId: pong.id,
      matchFields: ['seq'],
      matchReaders: [seqReader],
      matchValues: [],
      captureNames: [],
      captureFields: [],
      captureReaders: [],
      needsDecode: seqReader === null,
      u32MatchAt: u32 === null ? -1 : u32.at,
      u32MatchLittleEndian: u32 !== null && u32.littleEndian,
      timeoutMs: step.timeoutMs,
    };
    return { op: Op.Ping, reqIndex: env.recorder.requestIndex(ping.name), codec: pingTemplateCodec(ping), expect };
  }
  const codec = catalogue.byName(step.packet);
  if (codec === undefined) {
    throw new VuError(VuErrorCode.UNKNOWN_PACKET, `${path}.packet`, `unknown packet '${step.packet}' (not in catalogue ${catalogue.name})`);
  }
  if (codec.direction === 'server') {
    throw new VuError(
      VuErrorCode.INVALID_STEP,
      `${path}.packet`,
      `packet '${step.packet}' is declared direction: server (server → client); a client cannot send it`,
    );
  }
  return {
    op: Op.Send,
    reqIndex: env.recorder.requestIndex(step.name),
    codec,
    values: compileValue(step.values),
    expect: step.expect === null ? null : compileExpect(step.expect, catalogue, `${path}.expect`),
  };
}
