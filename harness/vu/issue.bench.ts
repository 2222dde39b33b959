/**
 * Issuing a PingReq as a VU does it: encoded into a connection's outbound
 * batch, through the catalogue's generic encoder and through the template
 * writer the harness uses (ping-template.ts), plus the batch handed to the
 * write once per turn: a copy (`take`, before) or a view (`takeView`, now).
 * And the answer: 16 PongRes matched to 16 outstanding pings on a real
 * VuConnection (expect + onFrame, latencies recorded by a WorkerRecorder),
 * by the in-place u32 compare and by the general matcher (`matches`).
 *
 *   npm run bench:micro -- --filter harness/vu
 *
 * Reported per packet. Reports only; ping-template.test.ts and
 * outbound-batch.test.ts assert that both encoders write the same bytes.
 */
import { builtinCatalogue } from '../../protocol/catalogue/index.ts';
import { encodePongRes } from '../../protocol/packets.ts';
import { WorkerRecorder } from '../metrics/worker-recorder.ts';
import { VuConnection, type ConnectionOwner } from './connection.ts';
import type { ExpectSpec, RequestOwner } from './expect.ts';
import { OutboundBatch } from './outbound-batch.ts';
import { pingTemplateCodec } from './ping-template.ts';
import { compileRequest } from './program.ts';
import { connectionEnv } from './test-env.ts';

/** One benchmark case: `fn` performs `ops` operations. */
export interface MicroCase {
  name: string;
  ops: number;
  fn: () => void;
}

/** Packets per simulated turn (16 in flight answered by one read). */
const PER_TURN = 16;

/** The cases of this suite. */
export function issueCases(): MicroCase[] {
  const ping = builtinCatalogue().byName('PingReq')!;
  const fast = pingTemplateCodec(ping);
  const values = { clientTime: 1_764_000_000_000_000, seq: 0 };
  const generic = new OutboundBatch();
  const template = new OutboundBatch();
  const withTake = new OutboundBatch();
  const withView = new OutboundBatch();
  return [
    {
      name: 'PingReq into the batch, catalogue encoder',
      ops: PER_TURN * 64,
      fn: () => {
        for (let t = 0; t < 64; t++) {
          for (let i = 0; i < PER_TURN; i++) {
            values.seq = (values.seq + 1) >>> 0;
            generic.append(ping, values);
          }
          generic.clear();
        }
      },
    },
    {
      name: 'PingReq into the batch, template',
      ops: PER_TURN * 64,
      fn: () => {
        for (let t = 0; t < 64; t++) {
          for (let i = 0; i < PER_TURN; i++) {
            values.seq = (values.seq + 1) >>> 0;
            template.append(fast, values);
          }
          template.clear();
        }
      },
    },
    {
      name: 'PingReq into the batch, template, + take() per 16',
      ops: PER_TURN * 64,
      fn: () => {
        for (let t = 0; t < 64; t++) {
          for (let i = 0; i < PER_TURN; i++) {
            values.seq = (values.seq + 1) >>> 0;
            withTake.append(fast, values);
          }
          withTake.take();
        }
      },
    },
    {
      name: 'PingReq into the batch, template, + takeView() per 16',
      ops: PER_TURN * 64,
      fn: () => {
        for (let t = 0; t < 64; t++) {
          for (let i = 0; i < PER_TURN; i++) {
            values.seq = (values.seq + 1) >>> 0;
            withView.append(fast, values);
          }
          withView.takeView();
        }
      },
    },
    matchCase('PongRes matched: expect + onFrame, in-place u32 compare', false),
    matchCase('PongRes matched: expect + onFrame, general matcher (before)', true),
  ];
}

/** 16 pings outstanding on a connection, answered in order by one read's 16 PongRes frames. */
function matchCase(name: string, general: boolean): MicroCase {
  const catalogue = builtinCatalogue();
  const recorder = new WorkerRecorder(0);
  const env = connectionEnv(catalogue, recorder);
  const owner = {} as ConnectionOwner;
  const conn = new VuConnection(env, owner);
  const instr = compileRequest({ kind: 'ping', timeoutMs: 1000 }, { catalogue, recorder }, 'bench');
  const spec: ExpectSpec = general ? { ...instr.expect!, u32MatchAt: -1 } : instr.expect!;
  const requestOwner: RequestOwner = { onResponse() {}, onRequestFailed() {} };
  const pongId = catalogue.byName('PongRes')!.id;
  const frames = Buffer.concat(Array.from({ length: PER_TURN }, (_, seq) => encodePongRes({ clientTime: 1, serverTime: 2, seq })));
  const size = frames.length / PER_TURN;
  let turns = 0;
  return {
    name,
    ops: PER_TURN * 64,
    fn: () => {
      for (let t = 0; t < 64; t++) {
        for (let i = 0; i < PER_TURN; i++) conn.expect(spec, requestOwner, instr.reqIndex, Infinity, 0).expected[0] = i;
        for (let i = 0; i < PER_TURN; i++) conn.onFrame(frames, i * size, size, pongId);
      }
      if (++turns % 1000 === 0) recorder.takeDelta(0, 1, 0, false, null); // bounded counts
    },
  };
}
