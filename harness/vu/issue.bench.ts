/**
 * Issuing a PingReq as a VU does it: encoded into a connection's outbound
 * batch, through the catalogue's generic encoder and through the template
 * writer the harness uses (ping-template.ts), plus the batch's one copy per
 * turn (`take`).
 *
 *   npm run bench:micro -- --filter harness/vu
 *
 * Reported per packet. Reports only; ping-template.test.ts and
 * outbound-batch.test.ts assert that both encoders write the same bytes.
 */
import { builtinCatalogue } from '../../protocol/catalogue/index.ts';
import { OutboundBatch } from './outbound-batch.ts';
import { pingTemplateCodec } from './ping-template.ts';

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
  ];
}
