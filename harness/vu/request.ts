/**
 * Issuing one request (a `ping` or a `send` step) on a connection: encode
 * into the connection's batch, count it, and register the expectation. Used
 * by VU flows and by constant-request-rate, which sends on its own clock.
 */
import { nowEpochMicros } from './clock.ts';
import { ErrorKind, type MetricsRecorder } from '../metrics/recorder.ts';
import type { TemplateContext } from '../scenario/templates.ts';
import type { VuConnection } from './connection.ts';
import type { RequestOwner } from './expect.ts';
import { Op, type RequestInstr } from './program.ts';

/** The request went out and waits for its response. */
export const AWAITING = 1;
/** The request went out and expects nothing (fire and forget). */
export const SENT = 0;
/** The request could not be encoded (counted as error `other`, warned once). */
export const FAILED = -1;
export type IssueResult = typeof AWAITING | typeof SENT | typeof FAILED;

/** What issuing needs besides the connection. */
export interface IssueEnv {
  readonly recorder: MetricsRecorder;
  warn(message: string): void;
}

/**
 * Sends `instr` on `conn` (which must be open and not blocked). The request
 * should have gone out at min(intendedAt, now) − lagMs (performance.now ms):
 * see {@link VuConnection.expect}.
 */
export function issueRequest(
  env: IssueEnv,
  conn: VuConnection,
  instr: RequestInstr,
  ctx: TemplateContext,
  owner: RequestOwner,
  intendedAt: number,
  lagMs: number,
): IssueResult {
  if (instr.op === Op.Ping) {
    const seq = conn.pingSeq;
    conn.pingSeq = (seq + 1) >>> 0;
    const values = conn.pingValues;
    values.clientTime = nowEpochMicros();
    values.seq = seq;
    let size: number;
    try {
      size = conn.writePacket(instr.codec, values);
    } catch (err) {
      return encodeFailed(env, instr, err);
    }
    env.recorder.requestSent(instr.reqIndex, size);
    const req = conn.expect(instr.expect, owner, instr.reqIndex, intendedAt, lagMs);
    req.expected[0] = seq;
    return AWAITING;
  }
  let values: Record<string, unknown>;
  let size: number;
  try {
    values = instr.values(ctx) as Record<string, unknown>;
    size = conn.writePacket(instr.codec, values);
  } catch (err) {
    return encodeFailed(env, instr, err);
  }
  env.recorder.requestSent(instr.reqIndex, size);
  const spec = instr.expect;
  if (spec === null) return SENT;
  const req = conn.expect(spec, owner, instr.reqIndex, intendedAt, lagMs);
  const matchValues = spec.matchValues;
  const expected = req.expected;
  if (expected.length !== matchValues.length) expected.length = matchValues.length;
  ctx.sent = values;
  for (let j = 0; j < matchValues.length; j++) expected[j] = matchValues[j]!(ctx);
  ctx.sent = null;
  return AWAITING;
}

function encodeFailed(env: IssueEnv, instr: RequestInstr, err: unknown): IssueResult {
  env.warn(`${instr.codec.name} could not be encoded: ${(err as Error).message}`);
  env.recorder.error(ErrorKind.Other, instr.reqIndex);
  return FAILED;
}
