/**
 * Catalogue codecs against the hand-written v1 codecs, and a variable-size
 * foreign packet. Reports only; the tests assert correctness.
 *
 *   npx tsx protocol/catalogue/catalogue.bench.ts
 */
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { PING_REQ_SIZE, decodePongRes, encodePongRes, writePingReq } from '../packets.ts';
import { builtinCatalogue, loadCatalogue } from './index.ts';

const v1 = builtinCatalogue();
const ping = v1.byName('PingReq')!;
const pong = v1.byName('PongRes')!;
const pongFrame = encodePongRes({ clientTime: 1_700_000_000_000_000, serverTime: 1_700_000_000_000_500, seq: 42 });
const seqOf = pong.fieldReader('seq')!;
const out = Buffer.allocUnsafe(4096);
const values = { clientTime: 1_700_000_000_000_000, seq: 42 };

const kraken = loadCatalogue(fileURLToPath(new URL('../../fixtures/catalogues/foreign-example.yaml', import.meta.url)));
const inventory = kraken.byName('InventoryRes')!;
const inventoryValues = {
  ownerId: 77,
  items: Array.from({ length: 10 }, (_, i) => ({ slot: i, itemId: 1000 + i, count: 1, bound: false, name: `item ${i}` })),
  hotbar: [1, 2, 3],
};
const inventoryFrame = inventory.encode(inventoryValues);

const bench = new Bench({ time: 500 });
bench
  .add('PingReq: hand-written writePingReq', () => {
    writePingReq(out, 0, values.clientTime, values.seq);
  })
  .add('PingReq: catalogue encodeInto', () => {
    ping.encodeInto(out, 0, values);
  })
  .add('PingReq: catalogue encode (allocates)', () => {
    ping.encode(values);
  })
  .add('PongRes: hand-written decodePongRes', () => {
    decodePongRes(pongFrame, 0, pongFrame.length);
  })
  .add('PongRes: catalogue decode', () => {
    pong.decode(pongFrame, 0, pongFrame.length);
  })
  .add('PongRes: catalogue fieldReader(seq)', () => {
    seqOf(pongFrame, 0);
  })
  .add('InventoryRes (10 items): catalogue encodeInto', () => {
    inventory.encodeInto(out, 0, inventoryValues);
  })
  .add('InventoryRes (10 items): catalogue decode', () => {
    inventory.decode(inventoryFrame, 0, inventoryFrame.length);
  });

await bench.run();
console.table(bench.table());
console.log(`(PingReq is ${PING_REQ_SIZE} bytes; timings on a shared machine are noisy)`);
