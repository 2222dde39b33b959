/**
 * Test helpers for harness/vu and harness/executors (not a test file):
 * a recorder that keeps every sample, a small `node:net` v1 server with
 * knobs for stalls, rejections and notices, and a WorkerContext builder.
 */
import { PLAIN_TCP, type ClientSecurity } from '../security/client-security.ts';
import { createServer, type Server, type Socket } from 'node:net';
import { builtinCatalogue } from '../../protocol/catalogue/index.ts';
import type { Catalogue } from '../../protocol/catalogue/index.ts';
import { FrameDecoder, type FrameSink } from '../../protocol/decoder.ts';
import { PacketId } from '../../protocol/packet-ids.ts';
import {
  PONG_RES_SIZE,
  decodeSessionConnectReq,
  encodeDisconnectNotice,
  encodePongRes,
  encodeSessionConnectRes,
  nowMicros,
  writePongFromPing,
} from '../../protocol/packets.ts';
import type { ErrorKind, MetricsRecorder } from '../metrics/recorder.ts';
import { parseScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Endpoint, ExecutionSegment, WorkerContext } from './types.ts';

/** A MetricsRecorder keeping every sample and count, for assertions. */
export class SampleRecorder implements MetricsRecorder {
  readonly names: string[] = [];
  readonly sent: number[] = [];
  readonly corrected: number[][] = [];
  readonly uncorrected: number[][] = [];
  /** performance.now() ms at which each response was recorded (parallel to `corrected`). */
  readonly receivedAt: number[][] = [];
  readonly errors = new Map<string, number>();
  readonly connectFailures = new Map<string, number>();
  bytesInTotal = 0;
  bytesOutTotal = 0;
  attempted = 0;
  established = 0;
  connectMicros: number[] = [];
  handshakeMicros: number[] = [];
  tlsMicros: number[] = [];
  sessionsOpen = 0;
  sessionsMax = 0;
  sessionsClosed = 0;
  iterations = 0;
  dropped = 0;

  requestIndex(name: string): number {
    let i = this.names.indexOf(name);
    if (i < 0) {
      i = this.names.push(name) - 1;
      this.sent.push(0);
      this.corrected.push([]);
      this.uncorrected.push([]);
      this.receivedAt.push([]);
    }
    return i;
  }
  requestSent(request: number, bytes: number): void {
    this.sent[request]!++;
    this.bytesOutTotal += bytes;
  }
  responseReceived(request: number, correctedMicros: number, uncorrectedMicros: number, bytes: number): void {
    this.corrected[request]!.push(correctedMicros);
    this.uncorrected[request]!.push(uncorrectedMicros);
    this.receivedAt[request]!.push(performance.now());
    this.bytesInTotal += bytes;
  }
  bytesIn(bytes: number): void {
    this.bytesInTotal += bytes;
  }
  bytesOut(bytes: number): void {
    this.bytesOutTotal += bytes;
  }
  error(kind: ErrorKind, _request: number): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }
  connectAttempted(): void {
    this.attempted++;
  }
  connectEstablished(micros: number): void {
    this.established++;
    this.connectMicros.push(micros);
  }
  connectFailed(kind: ErrorKind): void {
    this.connectFailures.set(kind, (this.connectFailures.get(kind) ?? 0) + 1);
  }
  tlsEstablished(micros: number): void {
    this.tlsMicros.push(micros);
  }

  sessionOpened(handshakeMicros: number): void {
    this.handshakeMicros.push(handshakeMicros);
    this.sessionsOpen++;
    this.sessionsMax = Math.max(this.sessionsMax, this.sessionsOpen);
  }
  sessionClosed(): void {
    this.sessionsOpen--;
    this.sessionsClosed++;
  }
  iterationCompleted(): void {
    this.iterations++;
  }
  iterationDropped(): void {
    this.dropped++;
  }

  /** Responses received for request `name`. */
  responses(name: string): number {
    const i = this.names.indexOf(name);
    return i < 0 ? 0 : this.corrected[i]!.length;
  }
  /** Requests sent for `name`. */
  requests(name: string): number {
    const i = this.names.indexOf(name);
    return i < 0 ? 0 : this.sent[i]!;
  }
  errorCount(kind: string): number {
    return this.errors.get(kind) ?? 0;
  }
  failureCount(kind: string): number {
    return this.connectFailures.get(kind) ?? 0;
  }
}

/** Knobs of {@link startV1Server}. */
export interface V1ServerOptions {
  /** SessionConnectRes result (0 = OK; null = never answer). Default 0. */
  handshakeResult?: number | null;
  /** After each PongRes also send one nobody asked for (seq + 1,000,000). */
  extraPong?: boolean;
  /** Do not read anything from clients (they hit backpressure). */
  neverRead?: boolean;
  /** Answer pings? Default true. */
  answerPings?: boolean;
  /** After the n-th ping (over all connections), stop reading for `ms` (a stall), once. */
  stallAfterPings?: { count: number; ms: number };
  /** Send this DisconnectNotice reason and close after the n-th ping. */
  noticeAfterPings?: { count: number; reason: number };
  /** Extra handler for packet ids the server does not know (default: ignored). */
  onOther?: (socket: Socket, buf: Buffer, offset: number, size: number, id: number) => void;
}

/** A running {@link startV1Server}. */
export interface V1Server {
  readonly port: number;
  readonly endpoint: Endpoint;
  /** Connections accepted so far / open now / most open at once. */
  readonly stats: { accepted: number; open: number; maxOpen: number; pings: number; handshakes: number };
  /** performance.now() ms of every accept. */
  readonly acceptTimes: number[];
  /** Client addresses seen. */
  readonly remoteAddresses: Set<string>;
  /** Tokens received in SessionConnectReq. */
  readonly tokens: string[];
  /** performance.now() ms when the stall began and ended (NaN before). */
  readonly stall: { from: number; to: number };
  close(): Promise<void>;
}

const CONN_SERVER = Symbol('server');

class ServerSession implements FrameSink {
  readonly decoder: FrameDecoder;
  constructor(
    readonly socket: Socket,
    readonly owner: V1ServerImpl,
  ) {
    this.decoder = new FrameDecoder(this);
  }
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    this.owner.frame(this.socket, buf, offset, size, id);
  }
  onFrameError(): void {
    this.socket.destroy();
  }
}

class V1ServerImpl implements V1Server {
  port = 0;
  readonly stats = { accepted: 0, open: 0, maxOpen: 0, pings: 0, handshakes: 0 };
  readonly stall = { from: NaN, to: NaN };
  readonly acceptTimes: number[] = [];
  readonly remoteAddresses = new Set<string>();
  readonly tokens: string[] = [];
  private stalling = false;
  private readonly sockets = new Set<Socket>();
  readonly server: Server;

  constructor(private readonly options: V1ServerOptions) {
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get endpoint(): Endpoint {
    return { host: '127.0.0.1', port: this.port };
  }

  private accept(socket: Socket): void {
    this.stats.accepted++;
    this.acceptTimes.push(performance.now());
    this.remoteAddresses.add(socket.remoteAddress ?? '?');
    this.stats.open++;
    this.stats.maxOpen = Math.max(this.stats.maxOpen, this.stats.open);
    this.sockets.add(socket);
    const session = new ServerSession(socket, this);
    (socket as Socket & { [CONN_SERVER]?: ServerSession })[CONN_SERVER] = session;
    socket.on('data', (chunk: Buffer) => session.decoder.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.stats.open--;
      this.sockets.delete(socket);
    });
    if (this.stalling || this.options.neverRead === true) socket.pause();
  }

  frame(socket: Socket, buf: Buffer, offset: number, size: number, id: number): void {
    const o = this.options;
    switch (id) {
      case PacketId.SessionConnectReq: {
        this.stats.handshakes++;
        this.tokens.push(decodeSessionConnectReq(buf, offset, size).token);
        const result = o.handshakeResult === undefined ? 0 : o.handshakeResult;
        if (result === null) return;
        socket.write(encodeSessionConnectRes({ result, sessionId: this.stats.accepted, serverTime: nowMicros() }));
        if (result !== 0) socket.end(encodeDisconnectNotice({ reason: 12, text: 'handshake rejected' }));
        return;
      }
      case PacketId.PingReq: {
        const n = ++this.stats.pings;
        if (o.noticeAfterPings !== undefined && n === o.noticeAfterPings.count) {
          socket.end(encodeDisconnectNotice({ reason: o.noticeAfterPings.reason, text: 'test notice' }));
          return;
        }
        if (o.answerPings !== false) {
          const out = Buffer.allocUnsafe(PONG_RES_SIZE);
          writePongFromPing(out, 0, buf, offset, nowMicros());
          socket.write(out);
          if (o.extraPong === true) {
            socket.write(encodePongRes({ clientTime: 0, serverTime: 0, seq: buf.readUInt32LE(offset + 12) + 1_000_000 }));
          }
        }
        if (o.stallAfterPings !== undefined && n === o.stallAfterPings.count) this.startStall(o.stallAfterPings.ms);
        return;
      }
      default:
        o.onOther?.(socket, buf, offset, size, id);
    }
  }

  /** Stops reading every connection for `ms`: requests queue in the kernel, nothing is answered. */
  private startStall(ms: number): void {
    this.stalling = true;
    this.stall.from = performance.now();
    for (const s of this.sockets) s.pause();
    setTimeout(() => {
      this.stalling = false;
      this.stall.to = performance.now();
      for (const s of this.sockets) s.resume();
    }, ms);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts a v1 server on 127.0.0.1, port 0. */
export async function startV1Server(options: V1ServerOptions = {}): Promise<V1Server> {
  const impl = new V1ServerImpl(options);
  await new Promise<void>((resolve, reject) => {
    impl.server.once('error', reject);
    impl.server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = impl.server.address();
  impl.port = typeof address === 'object' && address !== null ? address.port : 0;
  return impl;
}

/** Parses a scenario from YAML text (the real loader, so tests use real defaults). */
export function scenario(yaml: string): Scenario {
  return parseScenario(yaml, '/tmp/nmt-executor-test.yaml');
}

/** Builds a WorkerContext for one worker. */
export function workerContext(opts: {
  scenario: Scenario;
  endpoints: Endpoint[];
  recorder: MetricsRecorder;
  segment?: ExecutionSegment;
  signal?: AbortSignal;
  catalogue?: Catalogue;
  feeders?: WorkerContext['feeders'];
  security?: ClientSecurity;
}): WorkerContext {
  return {
    security: opts.security ?? PLAIN_TCP,
    scenario: opts.scenario,
    catalogue: opts.catalogue ?? builtinCatalogue(),
    endpoints: opts.endpoints,
    segment: opts.segment ?? { index: 0, count: 1 },
    recorder: opts.recorder,
    signal: opts.signal ?? new AbortController().signal,
    feeders: opts.feeders ?? {},
  };
}

/** Percentile (0–100) of unsorted values (sorts a copy). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
