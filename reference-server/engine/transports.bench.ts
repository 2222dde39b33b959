/**
 * Compares the transports in one run, on loopback: handshakes per second
 * (connect, TLS/WebSocket handshake, SessionConnectReq/Res, close) and ping
 * round trips per second (pipelined pings over a few connections), for
 * tcp, tls, ws and wss against a bare engine running in a child process
 * (so server and client do not share one event loop). It reports; it
 * asserts nothing.
 *
 *   npx tsx reference-server/engine/transports.bench.ts [seconds-per-case]
 *
 * Needs `openssl` for the throw-away certificates (tls and wss are skipped
 * without it). Numbers are only comparable within one run on one machine.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from '../../fixtures/tls/make-certs.ts';
import { encodePingReq } from '../../protocol/index.ts';
import type { ServerEngine } from './server-engine.ts';
import { createTransport, type TransportKind } from './transport-factory.ts';
import { RawPeer, TlsPeer, WsPeer, startPingEngine, type PacketPeer } from '../testing/transport-peers.ts';

const SELF = fileURLToPath(import.meta.url);
const SECONDS = Number(process.argv[2] === '--serve' ? 0 : (process.argv[2] ?? 3));
const CONNECTIONS = 4;
const PIPELINE = 32;
const HANDSHAKE_CONCURRENCY = 8;

interface Row {
  kind: TransportKind;
  handshakesPerSec: number;
  handshakeP50Ms: number;
  pingsPerSec: number;
}

let certs: TestCertificates | null = null;
let clientContext: tls.SecureContext | undefined;

async function connect(kind: TransportKind, port: number): Promise<PacketPeer> {
  switch (kind) {
    case 'tcp':
      return RawPeer.connect(port);
    case 'tls':
      // One client context for all connections: building it (parsing the CA) per connect would dominate.
      clientContext ??= tls.createSecureContext({ ca: certs!.read(certs!.caCert) });
      return TlsPeer.connect(port, { secureContext: clientContext });
    case 'ws':
      return WsPeer.connect(`ws://127.0.0.1:${port}/`);
    case 'wss':
      return WsPeer.connect(`wss://localhost:${port}/`, { ca: certs!.read(certs!.caCert) });
  }
}

async function handshakes(kind: TransportKind, port: number): Promise<{ perSec: number; p50: number }> {
  const times: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: HANDSHAKE_CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const peer = await connect(kind, port);
        await peer.handshake();
        times.push(performance.now() - t0);
        peer.end();
        await peer.waitClosed(5000);
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { perSec: times.length / SECONDS, p50: times[Math.floor(times.length / 2)] ?? 0 };
}

async function pings(kind: TransportKind, port: number): Promise<number> {
  let total = 0;
  const end = performance.now() + SECONDS * 1000;
  const batch = Buffer.concat(Array.from({ length: PIPELINE }, (_, i) => encodePingReq({ clientTime: 1, seq: i })));
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const peer = await connect(kind, port);
      await peer.handshake();
      while (performance.now() < end) {
        await peer.write(batch);
        for (let i = 0; i < PIPELINE; i++) await peer.expect(0x0004, 10_000);
        total += PIPELINE;
      }
      peer.destroy();
    }),
  );
  return total / SECONDS;
}

/** Child mode: serve `kind` on 127.0.0.1:0, print the port, run until SIGTERM. */
async function serve(kind: TransportKind, certDir: string): Promise<void> {
  const c = certDir === '-' ? null : makeTestCertificatesView(certDir);
  const tls = kind === 'tls' || kind === 'wss' ? { cert: c!.read(c!.serverCert), key: c!.read(c!.serverKey) } : null;
  const engine: ServerEngine = await startPingEngine({ transport: createTransport({ kind, tls }), limits: { rateLimitPerSecond: 0, maxSessions: 100_000 } });
  process.stdout.write(`${JSON.stringify({ port: engine.address!.port })}\n`);
  process.once('SIGTERM', () => void engine.shutdown({ deadlineMs: 1000 }).then(() => process.exit(0)));
}

/** The files makeTestCertificates wrote into `dir` (the child reads, never generates). */
function makeTestCertificatesView(dir: string): Pick<TestCertificates, 'serverCert' | 'serverKey' | 'read'> {
  return { serverCert: `${dir}/server.crt`, serverKey: `${dir}/server.key`, read: (p) => Buffer.from(readFileSync(p)) };
}

async function measure(kind: TransportKind): Promise<Row> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--serve', kind, certs?.dir ?? '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind} server did not start within 20 s`)), 20_000);
      child.stdout!.once('data', (d: Buffer) => {
        clearTimeout(timer);
        resolve((JSON.parse(d.toString()) as { port: number }).port);
      });
      child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
    });
    const h = await handshakes(kind, port);
    const p = await pings(kind, port);
    return { kind, handshakesPerSec: h.perSec, handshakeP50Ms: h.p50, pingsPerSec: p };
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] as TransportKind, process.argv[4] ?? '-');
} else {
  certs = hasOpenssl() ? makeTestCertificates() : null;
  const kinds: TransportKind[] = certs === null ? ['tcp', 'ws'] : ['tcp', 'tls', 'ws', 'wss'];
  const rows: Row[] = [];
  try {
    for (const kind of kinds) rows.push(await measure(kind));
  } finally {
    certs?.remove();
  }
  report(rows);
}

function report(rows: Row[]): void {
  console.log(`transports on loopback (server in a child process), ${SECONDS} s per case, ${HANDSHAKE_CONCURRENCY} concurrent handshakers, ${CONNECTIONS} × ${PIPELINE} pipelined pings`);
  console.table(
  rows.map((r) => ({
    transport: r.kind,
    'handshakes/s': Math.round(r.handshakesPerSec),
    'handshake p50 ms': Number(r.handshakeP50Ms.toFixed(2)),
    'pings/s': Math.round(r.pingsPerSec),
  })),
  );
}
