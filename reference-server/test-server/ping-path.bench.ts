/**
 * Per-packet cost of the TestServer ping path through the engine, without
 * sockets: chunk → decoder → registry → onPingReq → batch → one flush.
 * Run: npx tsx reference-server/test-server/ping-path.bench.ts
 * Reports; asserts nothing (benchmarks report, tests assert).
 */
import { Bench } from 'tinybench';
import { encodePingReq, encodeSessionConnectReq } from '../../protocol/index.ts';
import { Session } from '../engine/index.ts';
import { FakeConnection, createTestHost } from '../testing/fakes.ts';
import { registerTestServerHandlers } from './app.ts';

function setup(pingsPerChunk: number) {
  const host = createTestHost({ rateLimitPerSecond: 0 });
  registerTestServerHandlers(host.registry);
  const conn = new FakeConnection();
  // Drop written batches: we measure the server side only.
  conn.write = () => true;
  const session = new Session(host, conn, 1);
  session.open();
  conn.events!.onData(encodeSessionConnectReq({ clientVersion: 1, token: '' }));
  host.flusher.flushNow();
  const chunk = Buffer.concat(Array.from({ length: pingsPerChunk }, (_, i) => encodePingReq({ clientTime: 123, seq: i })));
  return { host, conn, chunk };
}

const bench = new Bench({ time: 1000 });
for (const n of [1, 16, 256]) {
  const { host, conn, chunk } = setup(n);
  bench.add(`${n} ping(s) per chunk`, () => {
    conn.events!.onData(chunk);
    host.flusher.flushNow();
  });
}
await bench.run();
console.table(
  bench.tasks.map((t) => {
    const n = Number(t.name.split(' ')[0]);
    const r = t.result;
    const hz = 'throughput' in r ? r.throughput.mean : 0;
    return { task: t.name, 'chunks/s': Math.round(hz), 'pings/s': Math.round(hz * n), 'ns/ping': Math.round(1e9 / (hz * n)) };
  }),
);
