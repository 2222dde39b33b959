/**
 * VuConnection's response matching without a socket: frames handed to
 * `onFrame` as the decoder would, against requests registered with `expect`.
 * Covers the in-place u32 compare (a ping's seq) and its fallbacks.
 */
import { describe, expect, it } from 'vitest';
import { builtinCatalogue } from '../../protocol/catalogue/index.ts';
import { encodePongRes } from '../../protocol/packets.ts';
import { SampleRecorder } from '../executors/test-support.ts';
import { VuConnection, type ConnectionOwner } from './connection.ts';
import { compileExpect, type PendingRequest, type RequestOwner } from './expect.ts';
import { compileRequest } from './program.ts';
import { connectionEnv } from './test-env.ts';

const catalogue = builtinCatalogue();
const pongId = catalogue.byName('PongRes')!.id;

function setup() {
  const recorder = new SampleRecorder();
  const env = connectionEnv(catalogue, recorder);
  const conn = new VuConnection(env, {} as ConnectionOwner);
  const answered: unknown[] = [];
  const owner: RequestOwner = {
    onResponse: (req: PendingRequest) => void answered.push(req.expected[0]),
    onRequestFailed: () => {},
  };
  const ping = compileRequest({ kind: 'ping', timeoutMs: 1000 }, { catalogue, recorder }, 'flow');
  return { conn, recorder, answered, owner, ping };
}

function pong(seq: number): Buffer {
  return encodePongRes({ clientTime: 1, serverTime: 2, seq });
}

describe('VuConnection response matching', () => {
  it('compares a ping seq in place and completes the request it answers, in any order', () => {
    const { conn, recorder, answered, owner, ping } = setup();
    expect(ping.expect!.u32MatchAt).toBeGreaterThan(0);
    for (const seq of [1, 2, 0xffff_fffe]) conn.expect(ping.expect!, owner, ping.reqIndex, Infinity, 0).expected[0] = seq;
    for (const seq of [2, 0xffff_fffe, 7, 1]) {
      const f = pong(seq);
      conn.onFrame(f, 0, f.length, pongId);
    }
    expect(answered).toEqual([2, 0xffff_fffe, 1]);
    expect(conn.inflight).toBe(0);
    // seq 7 was waited for by nobody: unexpected.
    expect(recorder.errorCount('unexpected')).toBe(1);
    expect(recorder.responses('PingReq')).toBe(3);
  });

  it('gives the oldest of two requests waiting for the same value the answer', () => {
    const { conn, answered, owner, ping } = setup();
    const a = conn.expect(ping.expect!, owner, ping.reqIndex, Infinity, 0);
    a.expected[0] = 5;
    const b = conn.expect(ping.expect!, owner, ping.reqIndex, Infinity, 0);
    b.expected[0] = 5;
    const f = pong(5);
    conn.onFrame(f, 0, f.length, pongId);
    expect(answered).toEqual([5]);
    expect(conn.inflight).toBe(1);
  });

  it('matches a template value given as text ("7") through the general comparison', () => {
    const { conn, answered, owner, ping } = setup();
    const spec = compileExpect({ packet: 'PongRes', match: { seq: '{{ vars.x }}' }, capture: {}, timeoutMs: 100 }, catalogue, 'e');
    expect(spec.u32MatchAt).toBe(ping.expect!.u32MatchAt);
    conn.expect(spec, owner, ping.reqIndex, Infinity, 0).expected[0] = '7';
    conn.expect(spec, owner, ping.reqIndex, Infinity, 0).expected[0] = 8n;
    for (const seq of [8, 7]) {
      const f = pong(seq);
      conn.onFrame(f, 0, f.length, pongId);
    }
    expect(answered).toEqual([8n, '7']);
  });
});
