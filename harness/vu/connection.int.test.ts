/**
 * VuConnection's send path against a real loopback socket: each turn's
 * batch is written as a view of the staging buffer (no copy), so a write
 * the kernel could not take at once must keep its bytes — the batch hands
 * its staging buffer to the socket and encodes the next turns elsewhere.
 * The server here does not read until many turns have been written, then
 * every byte it receives is compared with what was sent.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SampleRecorder } from '../executors/test-support.ts';
import { VuConnection, type ConnectionOwner } from './connection.ts';
import { DeadlineSweeper } from './sweeper.ts';
import { blobCatalogue, connectionEnv } from './test-env.ts';

const catalogue = blobCatalogue();
const blob = catalogue.byName('Blob')!;

let server: Server | null = null;
let conn: VuConnection | null = null;
const sweeper = new DeadlineSweeper(50);
afterEach(async () => {
  conn?.destroy();
  conn = null;
  sweeper.stop();
  await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
  server = null;
});

/** A server that reads nothing until `resume()`, then collects every byte of its one connection. */
async function pausedServer(): Promise<{ port: number; received: () => Buffer; resume: () => void; ended: Promise<void> }> {
  const chunks: Buffer[] = [];
  let peer: Socket | null = null;
  let endedResolve!: () => void;
  const ended = new Promise<void>((r) => (endedResolve = r));
  const s = createServer((socket) => {
    peer = socket;
    socket.pause();
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      socket.end();
      endedResolve();
    });
  });
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  return { port, received: () => Buffer.concat(chunks), resume: () => peer?.resume(), ended };
}

describe('VuConnection send path', () => {
  it('keeps every byte of writes the kernel could not take at once (staging buffer handed off)', async () => {
    const srv = await pausedServer();
    const recorder = new SampleRecorder();
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const env = connectionEnv(catalogue, recorder, sweeper);
    const stats = env.stats;
    const owner: ConnectionOwner = {
      onSessionOpen: () => opened(),
      onConnectFailed: () => {},
      onSessionLost: () => {},
      onWritable: () => {},
    };
    conn = new VuConnection(env, owner);
    conn.open({ host: '127.0.0.1', port: srv.port }, undefined, null);
    await open;
    // 250 turns of two 30 KB packets, each packet's bytes distinct: 15 MB, more than the
    // socket buffers hold while the server does not read, so later writes stay queued.
    const expected: Buffer[] = [];
    for (let turn = 0; turn < 250; turn++) {
      for (let k = 0; k < 2; k++) {
        const values = { text: String.fromCharCode(65 + ((turn * 2 + k) % 26)).repeat(30_000) + String(turn).padStart(6, '0') };
        conn.writePacket(blob, values);
        expected.push(blob.encode(values));
      }
      await new Promise((r) => setImmediate(r)); // the turn's flush runs on the next tick
    }
    expect(stats.backpressureStalls).toBeGreaterThanOrEqual(1);
    srv.resume();
    conn.close();
    await srv.ended;
    const got = srv.received();
    const want = Buffer.concat(expected);
    expect(got.length).toBe(want.length);
    expect(got.equals(want)).toBe(true);
  });
});
