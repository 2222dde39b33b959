/**
 * A raw-socket peer for server tests: writes arbitrary bytes (well-formed
 * packets, garbage, one byte at a time), decodes what the server sends with
 * the protocol's FrameDecoder, and lets a test wait for a packet or for the
 * close — every wait bounded by a timeout. Never throws into the event loop:
 * socket errors are recorded (`socketError`) and end the waits.
 */
import net from 'node:net';
import {
  FrameDecoder,
  PacketId,
  decodeDisconnectNotice,
  decodePongRes,
  decodeSessionConnectRes,
  encodePingReq,
  encodeSessionConnectReq,
  packetName,
  type DisconnectNotice,
  type FrameSink,
  type PongRes,
  type ProtocolError,
  type SessionConnectRes,
} from '../../protocol/index.ts';

/** A packet the server sent (a copy: header and payload). */
export interface ReceivedPacket {
  id: number;
  bytes: Buffer;
}

interface Waiter {
  id: number | null;
  resolve: (p: ReceivedPacket) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 5000;

export class RawPeer implements FrameSink {
  readonly socket: net.Socket;
  /** Packets received and not yet taken by `expect`. */
  readonly queue: ReceivedPacket[] = [];
  /** Every packet id received, in order (for assertions on sequences). */
  readonly received: number[] = [];
  /** When false, packets are only recorded in `received`, not queued for `expect` (floods). */
  retainPackets = true;
  bytesReceived = 0;
  /** A framing error in what the server sent (would be a server bug). */
  decodeError: ProtocolError | null = null;
  socketError: Error | null = null;
  closed = false;
  /** Resolves when the socket closed. */
  readonly closedPromise: Promise<void>;
  private readonly decoder = new FrameDecoder(this);
  private readonly waiters: Waiter[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      this.decoder.push(chunk);
    });
    socket.on('error', (err) => {
      this.socketError ??= err;
    });
    this.closedPromise = new Promise<void>((resolve) => {
      socket.once('close', () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error(`connection closed before ${w.id === null ? 'a packet' : packetName(w.id)} arrived (received: ${this.received.map(packetName).join(', ') || 'nothing'})`));
        }
        resolve();
      });
    });
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

  /** @internal FrameSink */
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    this.received.push(id);
    if (!this.retainPackets && this.waiters.length === 0) return;
    const packet = { id, bytes: Buffer.from(buf.subarray(offset, offset + size)) };
    const i = this.waiters.findIndex((w) => w.id === null || w.id === id);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w!.timer);
      w!.resolve(packet);
    } else {
      this.queue.push(packet);
    }
  }

  /** @internal FrameSink */
  onFrameError(err: ProtocolError): void {
    this.decodeError = err;
  }

  /** Writes bytes; resolves once handed to the OS (or the socket failed). */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(bytes, () => resolve());
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

  sendHandshake(clientVersion = 1, token = ''): Promise<void> {
    return this.write(encodeSessionConnectReq({ clientVersion, token }));
  }

  /** Sends SessionConnectReq and waits for SessionConnectRes. */
  async handshake(clientVersion = 1, token = '', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SessionConnectRes> {
    await this.sendHandshake(clientVersion, token);
    const p = await this.expect(PacketId.SessionConnectRes, timeoutMs);
    return decodeSessionConnectRes(p.bytes, 0, p.bytes.length);
  }

  sendPing(seq: number, clientTime = 1): Promise<void> {
    return this.write(encodePingReq({ clientTime, seq }));
  }

  /** Sends a PingReq and waits for its PongRes. */
  async ping(seq: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PongRes> {
    await this.sendPing(seq, 1000 + seq);
    const p = await this.expect(PacketId.PongRes, timeoutMs);
    return decodePongRes(p.bytes, 0, p.bytes.length);
  }

  /** Next packet with `id` (or any packet when null): from the queue, else the next to arrive. */
  expect(id: number | null, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ReceivedPacket> {
    const i = this.queue.findIndex((p) => id === null || p.id === id);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    if (this.closed) return Promise.reject(new Error(`connection already closed; no ${id === null ? 'packet' : packetName(id)} pending`));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        id,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(new Error(`no ${id === null ? 'packet' : packetName(id)} within ${timeoutMs} ms (received: ${this.received.map(packetName).join(', ') || 'nothing'})`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Waits for a DisconnectNotice and decodes it. */
  async expectNotice(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DisconnectNotice> {
    const p = await this.expect(PacketId.DisconnectNotice, timeoutMs);
    return decodeDisconnectNotice(p.bytes, 0, p.bytes.length);
  }

  /** Resolves true when the server closed the connection within `timeoutMs`, false otherwise. */
  async waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const closed = await Promise.race([this.closedPromise.then(() => true), timeout]);
    clearTimeout(timer);
    return closed;
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

  /** Closes our side gracefully. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
