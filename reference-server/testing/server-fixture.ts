/**
 * Helpers for integration tests: a quiet in-process TestServer on port 0,
 * bounded polling, and tracking of raw peers so every test cleans up.
 */
import { startTestServer, type RunningTestServer, type TestServerOptions } from '../test-server/app.ts';
import { RawPeer } from './raw-peer.ts';

/** Starts a TestServer on 127.0.0.1:0 with logging off unless asked for. */
export function startQuietServer(options: TestServerOptions = {}): Promise<RunningTestServer> {
  return startTestServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...options });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Opens raw peers and destroys all of them on `destroyAll()` (call it in afterEach). */
export class PeerPool {
  private readonly peers: RawPeer[] = [];

  async connect(port: number, options: { keepOpen?: boolean } = {}): Promise<RawPeer> {
    const peer = await RawPeer.connect(port, options);
    this.peers.push(peer);
    return peer;
  }

  /** Connects and completes the handshake; throws unless the result is OK. */
  async connected(port: number): Promise<RawPeer> {
    const peer = await this.connect(port);
    const res = await peer.handshake();
    if (res.result !== 0) throw new Error(`handshake refused with result ${res.result}`);
    return peer;
  }

  destroyAll(): void {
    for (const p of this.peers.splice(0)) p.destroy();
  }
}
