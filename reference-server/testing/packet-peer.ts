/**
 * The transport-independent half of every test peer: it decodes what the
 * server sends with the protocol's FrameDecoder, queues packets, and lets a
 * test wait for a packet or for the close — every wait bounded by a timeout.
 * Never throws into the event loop: socket errors are recorded
 * (`socketError`) and the close ends the waits.
 *
 *   PacketPeer            decoding, queue, bounded waits, handshake/ping helpers
 *   ├── SocketPeer        over a net.Socket: data/error/close wiring, write/end/destroy
 *   │   ├── RawPeer       plain TCP, arbitrary bytes (raw-peer.ts)
 *   │   └── TlsPeer       TLS (transport-peers.ts)
 *   └── WsPeer            WebSocket messages (transport-peers.ts)
 */
import type net from 'node:net';
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

/** Default bound of every wait and connect, in ms. */
export const DEFAULT_TIMEOUT_MS = 5000;

export abstract class PacketPeer implements FrameSink {
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
  /** Resolves when the connection closed. */
  readonly closedPromise: Promise<void>;
  private readonly decoder = new FrameDecoder(this);
  private readonly waiters: Waiter[] = [];
  private resolveClosed!: () => void;

  protected constructor() {
    this.closedPromise = new Promise<void>((r) => {
      this.resolveClosed = r;
    });
  }

  /** Sends bytes (over WebSocket: one binary message). Resolves once handed to the socket (or it failed). */
  abstract write(bytes: Buffer): Promise<void>;
  /** Closes gracefully (TCP: FIN; TLS: close_notify + FIN; WebSocket: close frame 1000). */
  abstract end(): void;
  /** Closes at once. */
  abstract destroy(): void;

  /** Subclasses feed received bytes here. */
  protected deliver(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.decoder.push(chunk);
  }

  /** Subclasses call this when the connection is gone: rejects the waits, resolves `closedPromise`. */
  protected markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`connection closed before ${w.id === null ? 'a packet' : packetName(w.id)} arrived (received: ${this.describeReceived()})`));
    }
    this.resolveClosed();
  }

  /** @internal FrameSink */
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    this.received.push(id);
    if (!this.retainPackets && this.waiters.length === 0) return;
    const packet = { id, bytes: Buffer.from(buf.subarray(offset, offset + size)) };
    const i = this.waiters.findIndex((w) => w.id === null || w.id === id);
    if (i < 0) {
      this.queue.push(packet);
      return;
    }
    const [w] = this.waiters.splice(i, 1);
    clearTimeout(w!.timer);
    w!.resolve(packet);
  }

  /** @internal FrameSink */
  onFrameError(err: ProtocolError): void {
    this.decodeError = err;
  }

  private describeReceived(): string {
    return this.received.map(packetName).join(', ') || 'nothing';
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
          reject(new Error(`no ${id === null ? 'packet' : packetName(id)} within ${timeoutMs} ms (received: ${this.describeReceived()})`));
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

  /** Resolves true when the connection closed within `timeoutMs`, false otherwise. */
  async waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const closed = await Promise.race([this.closedPromise.then(() => true), timeout]);
    clearTimeout(timer);
    return closed;
  }
}

/** A peer over a `net.Socket` (plain TCP, or TLS: a TLSSocket is a net.Socket). */
export abstract class SocketPeer<S extends net.Socket = net.Socket> extends PacketPeer {
  readonly socket: S;

  protected constructor(socket: S) {
    super();
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.deliver(chunk));
    socket.on('error', (err) => {
      this.socketError ??= err;
    });
    socket.once('close', () => this.markClosed());
  }

  /** Writes bytes; resolves once handed to the OS (or the socket failed). */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Closes our side gracefully. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
