/**
 * Encode and decode cost of every v1 packet type, both styles: the
 * allocating `encodeX`/`decodeX` (clients, tests, cold paths) and the
 * in-place writers the hot paths use (`writePingReq`, `writePongFromPing`),
 * plus the catalogue's compiled codecs that the harness uses for PingReq/PongRes.
 *
 *   npm run bench:micro -- --filter packets
 *
 * Each case does `ops` operations per call (reported per operation).
 * Reports only; protocol/*.test.ts assert correctness.
 */
import { builtinCatalogue } from './catalogue/index.ts';
import {
  decodeDisconnectNotice,
  decodePingReq,
  decodePongRes,
  decodeSessionConnectReq,
  decodeSessionConnectRes,
  encodeDisconnectNotice,
  encodePingReq,
  encodePongRes,
  encodeSessionConnectReq,
  encodeSessionConnectRes,
  nowMicros,
  writePingReq,
  writePongFromPing,
  writeSessionConnectRes,
} from './packets.ts';

/** One benchmark case: `fn` performs `ops` operations. */
export interface MicroCase {
  name: string;
  ops: number;
  fn: () => void;
}

const OPS = 1000;

/** The cases of this suite (fresh state per call). */
export function packetCases(): MicroCase[] {
  const out = Buffer.allocUnsafe(64 * 1024);
  const connectReq = encodeSessionConnectReq({ clientVersion: 1, token: 'eyJhbGciOiJIUzI1NiJ9.e30.abc' });
  const connectRes = encodeSessionConnectRes({ result: 0, sessionId: 42, serverTime: 1_700_000_000_000_000 });
  const ping = encodePingReq({ clientTime: 1_700_000_000_000_000, seq: 7 });
  const pong = encodePongRes({ clientTime: 1_700_000_000_000_000, serverTime: 1_700_000_000_000_500, seq: 7 });
  const notice = encodeDisconnectNotice({ reason: 7, text: 'idle for 60 s' });
  const catalogue = builtinCatalogue();
  const pingCodec = catalogue.byName('PingReq')!;
  const pongCodec = catalogue.byName('PongRes')!;
  const pingValues = { clientTime: 1_700_000_000_000_000, seq: 7 };
  const seqOf = pongCodec.fieldReader('seq')!;
  let sink = 0;
  const loop = (name: string, body: (i: number) => void): MicroCase => ({
    name,
    ops: OPS,
    fn: () => {
      for (let i = 0; i < OPS; i++) body(i);
    },
  });
  const cases = [
    loop('SessionConnectReq encode (token 28 B)', () => void encodeSessionConnectReq({ clientVersion: 1, token: 'eyJhbGciOiJIUzI1NiJ9.e30.abc' })),
    loop('SessionConnectReq decode', () => void decodeSessionConnectReq(connectReq, 0, connectReq.length)),
    loop('SessionConnectRes write in place', (i) => void writeSessionConnectRes(out, (i & 1023) * 32, { result: 0, sessionId: i, serverTime: 1_700_000_000_000_000 })),
    loop('SessionConnectRes decode', () => void decodeSessionConnectRes(connectRes, 0, connectRes.length)),
    loop('PingReq encode (allocates)', (i) => void encodePingReq({ clientTime: 1_700_000_000_000_000, seq: i })),
    loop('PingReq write in place', (i) => void writePingReq(out, (i & 1023) * 16, 1_700_000_000_000_000, i)),
    loop('PingReq decode', () => void decodePingReq(ping, 0, ping.length)),
    loop('PongRes encode (allocates)', (i) => void encodePongRes({ clientTime: 1, serverTime: 2, seq: i })),
    loop('PongRes writePongFromPing (server hot path)', (i) => void writePongFromPing(out, (i & 1023) * 24, ping, 0, 1_700_000_000_000_500)),
    loop('PongRes decode', () => void decodePongRes(pong, 0, pong.length)),
    loop('DisconnectNotice encode', () => void encodeDisconnectNotice({ reason: 7, text: 'idle for 60 s' })),
    loop('DisconnectNotice decode', () => void decodeDisconnectNotice(notice, 0, notice.length)),
    loop('catalogue PingReq encodeInto (harness hot path)', (i) => {
      pingValues.seq = i;
      pingCodec.encodeInto(out, (i & 1023) * 16, pingValues);
    }),
    loop('catalogue PongRes fieldReader(seq) (harness match)', () => {
      sink += seqOf(pong, 0) as number;
    }),
    loop('catalogue PongRes decode', () => void pongCodec.decode(pong, 0, pong.length)),
    loop('nowMicros (server time of every pong)', () => {
      sink += nowMicros();
    }),
  ];
  // Keeps `sink` observable so reads are not optimised away.
  if (sink === -1) console.log(sink);
  return cases;
}
