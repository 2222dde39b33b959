/**
 * A tiny scriptable v1 server for the client's tests (node:net, loopback,
 * port 0). Not a reference server: it answers the handshake and pings and
 * lets a test misbehave on purpose — reorder pongs, withhold them, dribble
 * bytes one at a time, send a DisconnectNotice, reset the socket.
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  ConnectResult,
  DisconnectReason,
  FrameDecoder,
  type FrameSink,
  PacketId,
  PONG_RES_SIZE,
  type ProtocolError,
  encodeDisconnectNotice,
  encodeSessionConnectRes,
  nowMicros,
  writePongFromPing,
} from '../../protocol/index.ts';

/** How the server answers PingReq. */
export type PongMode =
  /** Answer each ping at once. */
  | 'echo'
  /** Hold pongs until `reverseBatch` are held, then send them newest first. */
  | 'reverse'
  /** Never answer. */
  | 'none';

export interface FakeServerOptions {
  /** `result` of SessionConnectRes. Default OK; otherwise a HandshakeRejected notice and a close follow. */
  connectResult?: number;
  sessionId?: number;
  pongMode?: PongMode;
  /** Pongs held per batch in 'reverse' mode. Default 4. */
  reverseBatch?: number;
  /** Write every outgoing byte separately, `splitDelayMs` apart (exercises reassembly). Default false. */
  splitBytes?: boolean;
  /** Gap between dribbled bytes. Default 1 ms. */
  splitDelayMs?: number;
}

/** One accepted connection. */
export class FakeConnection implements FrameSink {
  /** Every packet received other than SessionConnectReq and PingReq: id and payload copy. */
  readonly received: { id: number; payload: Buffer }[] = [];
  pingsReceived = 0;
  private readonly held: Buffer[] = [];
  private readonly decoder: FrameDecoder;
  private dribble: Buffer[] = [];
  private dribbling = false;

  constructor(
    readonly socket: Socket,
    private readonly options: FakeServerOptions,
  ) {
    this.decoder = new FrameDecoder(this);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    // Tests close clients abruptly on purpose; a reset must not fail the test run.
    socket.on('error', () => {});
  }

  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    if (id === PacketId.SessionConnectReq) {
      const result = this.options.connectResult ?? ConnectResult.Ok;
      this.write(encodeSessionConnectRes({ result, sessionId: this.options.sessionId ?? 42, serverTime: nowMicros() }));
      if (result !== ConnectResult.Ok) this.notice(DisconnectReason.HandshakeRejected, 'handshake rejected');
      return;
    }
    if (id === PacketId.PingReq) {
      this.pingsReceived++;
      const mode = this.options.pongMode ?? 'echo';
      if (mode === 'none') return;
      const pong = Buffer.allocUnsafe(PONG_RES_SIZE);
      writePongFromPing(pong, 0, buf, offset, nowMicros());
      if (mode === 'echo') return this.write(pong);
      this.held.push(pong);
      if (this.held.length >= (this.options.reverseBatch ?? 4)) this.flushHeld();
      return;
    }
    this.received.push({ id, payload: Buffer.from(buf.subarray(offset + 4, offset + size)) });
  }

  onFrameError(_err: ProtocolError): void {
    this.socket.destroy();
  }

  /** Sends held pongs newest first. */
  flushHeld(): void {
    const out = this.held.splice(0).reverse();
    this.write(Buffer.concat(out));
  }

  /** Sends bytes (dribbled one at a time when `splitBytes` is on). */
  write(bytes: Buffer): void {
    if (this.options.splitBytes !== true) {
      this.socket.write(bytes);
      return;
    }
    for (let i = 0; i < bytes.length; i++) this.dribble.push(bytes.subarray(i, i + 1));
    if (!this.dribbling) this.dribbleNext();
  }

  /** Sends a DisconnectNotice, then ends the connection. */
  notice(reason: number, text: string): void {
    this.write(encodeDisconnectNotice({ reason, text }));
    this.endAfterWrites();
  }

  private endAfterWrites(): void {
    if (this.dribbling) setTimeout(() => this.endAfterWrites(), 5);
    else this.socket.end();
  }

  private dribbleNext(): void {
    const next = this.dribble.shift();
    if (next === undefined || this.socket.destroyed) {
      this.dribbling = false;
      return;
    }
    this.dribbling = true;
    this.socket.write(next);
    setTimeout(() => this.dribbleNext(), this.options.splitDelayMs ?? 1);
  }
}

export interface FakeServer {
  readonly port: number;
  readonly connections: FakeConnection[];
  /** Resolves with the n-th accepted connection (0-based). */
  connection(index: number): Promise<FakeConnection>;
  close(): Promise<void>;
}

/** Starts a fake server on 127.0.0.1, port 0. */
export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const connections: FakeConnection[] = [];
  const waiting: { index: number; resolve: (c: FakeConnection) => void }[] = [];
  const server: Server = createServer((socket) => {
    const conn = new FakeConnection(socket, options);
    connections.push(conn);
    for (const w of waiting.filter((x) => x.index === connections.length - 1)) w.resolve(conn);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server: no TCP address');
  return {
    port: address.port,
    connections,
    connection(index: number): Promise<FakeConnection> {
      const c = connections[index];
      if (c !== undefined) return Promise.resolve(c);
      return new Promise((resolve) => waiting.push({ index, resolve }));
    },
    close(): Promise<void> {
      for (const c of connections) c.socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
