/**
 * A raw-socket peer for server tests: writes arbitrary bytes (well-formed
 * packets, garbage, one byte at a time), decodes what the server sends, and
 * lets a test wait for a packet or for the close — every wait bounded by a
 * timeout (the waits and decoding are {@link PacketPeer}'s). Never throws
 * into the event loop: socket errors are recorded (`socketError`) and end
 * the waits.
 */
import net from 'node:net';
import { DEFAULT_TIMEOUT_MS, SocketPeer } from './packet-peer.ts';

export type { ReceivedPacket } from './packet-peer.ts';

export class RawPeer extends SocketPeer {
  private constructor(socket: net.Socket) {
    super(socket);
  }

  /**
   * Connects to `host`:`port` (tests use loopback only). By default the peer
   * closes its side when the server does, like a normal client; with
   * `keepOpen` it keeps its side open (a peer that ignores the server's FIN).
   */
  static connect(port: number, options: { host?: string; timeoutMs?: number; keepOpen?: boolean } = {}): Promise<RawPeer> {
    const host = options.host ?? '127.0.0.1';
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, noDelay: true, allowHalfOpen: options.keepOpen === true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RawPeer(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Writes `bytes` one byte every `delayMs`, stopping early when the connection closes. Returns bytes written. */
  async writeSlowly(bytes: Buffer, delayMs: number): Promise<number> {
    let n = 0;
    for (; n < bytes.length && !this.closed && this.socket.writable; n++) {
      await this.write(bytes.subarray(n, n + 1));
      await new Promise((r) => setTimeout(r, delayMs));
    }
    return n;
  }

  /**
   * Waits until the server ended its side (FIN seen) or closed, within
   * `timeoutMs`. Useful with allowHalfOpen peers that keep their side open.
   */
  async waitEnded(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    if (this.closed || this.socket.readableEnded) return true;
    return new Promise<boolean>((resolve) => {
      const done = (v: boolean): void => {
        clearTimeout(timer);
        this.socket.off('end', onEnd);
        this.socket.off('close', onEnd);
        resolve(v);
      };
      const onEnd = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.socket.once('end', onEnd);
      this.socket.once('close', onEnd);
    });
  }

  /** Resolves when our socket can take more writes, or closed, or after `maxMs`. */
  waitWritable(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Stops reading (simulates a peer that never reads). */
  stopReading(): void {
    this.socket.pause();
  }

}
