/**
 * TestClient: one connection (TCP, TLS, WebSocket) to a server speaking wire protocol v1 (or
 * any header + payload framing), with an async API for tests, the CLI and
 * simple tools.
 *
 *   socket 'data' ─▶ FrameDecoder ─▶ onFrame(view) ─┬▶ PongRes: pingMany slot / ping() by seq
 *                                                   ├▶ SessionConnectRes: handshake()
 *                                                   ├▶ DisconnectNotice: typed error, close
 *                                                   └▶ other: onPacket / packets() / expect()
 *
 * The socket lives in ClientConnection (client-connection.ts), which reports
 * to this client as its ConnectionListener; the client is also the decoder's
 * FrameSink and reads pongs straight from the decoder's view. Packets are
 * copied only when someone (expect, onPacket, packets()) will keep them.
 * Failures never throw into the event loop: they become typed errors
 * (errors.ts) that reject pending calls and resolve {@link TestClient.closed}.
 */
import {
  ConnectResult,
  FrameDecoder,
  type FrameSink,
  type HeaderLayout,
  PacketId,
  PING_REQ_SIZE,
  PONG_RES_SIZE,
  PROTOCOL_VERSION,
  type ProtocolError,
  type SessionConnectRes,
  V1_HEADER,
  decodeDisconnectNotice,
  decodeSessionConnectRes,
  encodeSessionConnectReq,
  maxSizeFieldValue,
  writePingReq,
} from '../../protocol/index.ts';
import {
  CLIENT_DEFAULTS,
  type ClientStats,
  type ClientTransport,
  type ConnectOptions,
  type ConnectTimings,
  type ExpectOptions,
  type HandshakeOptions,
  MAX_TIMEOUT_MS,
  type PingManyOptions,
  type PingManyResult,
  type PingOptions,
  type PingResult,
  type ReceivedPacket,
  type TestClientOptions,
  checkInteger,
  resolveDial,
} from './client-options.ts';
import { ClientConnection, type ConnectionListener } from './client-connection.ts';
import { ClientDisconnectedError, ClientError, ClientErrorCode, HandshakeRejectedError } from './errors.ts';
import { framePacket } from './frame-packet.ts';
import { PacketInbox } from './packet-inbox.ts';
import { type PacketListener, PacketTaps } from './packet-taps.ts';
import { PingRun, type PingRunHost } from './ping-run.ts';
import { PingWaiters } from './ping-waiters.ts';
import { Waiters } from './waiters.ts';

type State = 'idle' | 'connecting' | 'open' | 'closed';

/** `host:port`, with IPv6 hosts in brackets. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class TestClient implements FrameSink, ConnectionListener {
  /** Counters, updated in place. */
  readonly stats: ClientStats = {
    chunksIn: 0,
    bytesIn: 0,
    packetsIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    unmatchedPongs: 0,
    inboxDropped: 0,
  };
  /** Resolves once the client is closed: null after `close()`, else the error that ended it. Never rejects. */
  readonly closed: Promise<ClientError | null>;
  /** The server's `host:port` once `connect` was called. */
  endpoint = '';
  /** The transport of `connect` (tcp until then). */
  transport: ClientTransport = 'tcp';
  /** Session id from the last successful handshake, else null. */
  sessionId: number | null = null;

  private readonly layout: HeaderLayout;
  private readonly v1: boolean;
  private readonly requestTimeoutMs: number;
  private readonly closeGraceMs: number;
  private readonly decoder: FrameDecoder;
  private readonly inbox: PacketInbox;
  private readonly runHost: PingRunHost;
  private readonly connecting = new Waiters<void>();
  private readonly handshakes = new Waiters<SessionConnectRes>();
  private readonly drains = new Waiters<void>();
  private readonly pings = new PingWaiters();
  private state: State = 'idle';
  private connection: ClientConnection | null = null;
  private closeError: ClientError | null = null;
  private resolveClosed!: (err: ClientError | null) => void;
  private run: PingRun | null = null;
  private seq = 0;
  private readonly taps = new PacketTaps();

  /** Validates the options (throws NMT_CLIENT_INVALID_ARGUMENT); no I/O until {@link connect}. */
  constructor(options: TestClientOptions = {}) {
    const layout = options.layout ?? V1_HEADER;
    this.layout = layout;
    this.v1 = layout === V1_HEADER;
    const layoutMax = maxSizeFieldValue(layout) + (layout.sizeIncludesHeader ? 0 : layout.headerSize);
    const d = CLIENT_DEFAULTS;
    const maxPacketSize = checkInteger('maxPacketSize', options.maxPacketSize, layoutMax, layout.headerSize, layoutMax);
    const requestTimeoutMs = options.requestTimeoutMs;
    this.requestTimeoutMs = checkInteger('requestTimeoutMs', requestTimeoutMs, d.requestTimeoutMs, 1, MAX_TIMEOUT_MS);
    this.closeGraceMs = checkInteger('closeGraceMs', options.closeGraceMs, d.closeGraceMs, 0, MAX_TIMEOUT_MS);
    const inboxLimit = checkInteger('inboxLimit', options.inboxLimit, d.inboxLimit, 0, 1_000_000);
    this.decoder = new FrameDecoder(this, { layout, maxPacketSize });
    this.inbox = new PacketInbox(inboxLimit);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // One adapter per client (not per run or ping) keeps the run's needs off the public API.
    this.runHost = {
      allocSeq: () => this.allocSeq(),
      writeOut: (bytes, packets) => this.write(bytes, packets),
      endpoint: () => this.endpoint,
      runEnded: (run) => {
        if (this.run === run) this.run = null;
      },
    };
  }

  /** True between a successful `connect` and the end of the connection. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** How long connecting took (TCP, TLS handshake, ready); null until connected. */
  get connectTimings(): ConnectTimings | null {
    return this.connection === null ? null : this.connection.timings;
  }

  /**
   * Opens the connection over `options.transport` (default tcp). Rejects with
   * NMT_CLIENT_CONNECT_REFUSED / _TIMEOUT / _FAILED, NMT_CLIENT_TLS_FAILED or
   * NMT_CLIENT_WS_UPGRADE_FAILED.
   */
  async connect(options: ConnectOptions): Promise<void> {
    if (this.state !== 'idle') {
      throw new ClientError(
        ClientErrorCode.INVALID_STATE,
        `connect: this client was already used (${this.state}); create one TestClient per connection`,
      );
    }
    if (typeof options.host !== 'string' || options.host === '') {
      throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, 'connect: host must be a non-empty string');
    }
    const port = checkInteger('connect port', options.port, 0, 1, 65_535);
    const defaultMs = CLIENT_DEFAULTS.connectTimeoutMs;
    const timeoutMs = checkInteger('connect timeoutMs', options.timeoutMs, defaultMs, 1, MAX_TIMEOUT_MS);
    const dial = resolveDial(options);
    this.endpoint = formatEndpoint(options.host, port);
    this.transport = dial.transport;
    const connection = new ClientConnection(this, this.endpoint, this.closeGraceMs);
    try {
      connection.open({ host: options.host, port, localAddress: options.localAddress, timeoutMs, ...dial });
    } catch (err) {
      // A malformed local address fails synchronously; the client still ends the usual way.
      this.finish(err as ClientError);
      throw err;
    }
    this.connection = connection;
    this.state = 'connecting';
    // The connection's own timer bounds the wait; it reports a timeout through onClosed.
    return this.connecting.add(null, () => this.timeout('connect', timeoutMs));
  }

  /** Sends SessionConnectReq, waits for SessionConnectRes; rejects with HandshakeRejectedError when not OK. */
  async handshake(options: HandshakeOptions = {}): Promise<SessionConnectRes> {
    this.requireOpen('handshake', true);
    const clientVersion = checkInteger('clientVersion', options.clientVersion, PROTOCOL_VERSION, 0, 0xffff_ffff);
    const timeoutMs = checkInteger('handshake timeoutMs', options.timeoutMs, this.requestTimeoutMs, 1, MAX_TIMEOUT_MS);
    if (this.handshakes.size !== 0) {
      throw new ClientError(
        ClientErrorCode.INVALID_STATE,
        'handshake: another handshake is still waiting for its answer',
      );
    }
    let req: Buffer;
    try {
      req = encodeSessionConnectReq({ clientVersion, token: options.token ?? '' });
    } catch (err) {
      const message = `handshake: ${(err as Error).message}`;
      throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, message, { cause: err });
    }
    const answer = this.handshakes.add(timeoutMs, () => this.timeout('SessionConnectRes', timeoutMs));
    this.write(req, 1);
    return answer;
  }

  /** One ping; resolves with the RTT in µs when its PongRes (matched by seq) arrives. */
  async ping(options: PingOptions = {}): Promise<PingResult> {
    this.requireOpen('ping', true);
    const timeoutMs = checkInteger('ping timeoutMs', options.timeoutMs, this.requestTimeoutMs, 1, MAX_TIMEOUT_MS);
    const seq = this.allocSeq();
    const buf = Buffer.allocUnsafe(PING_REQ_SIZE);
    const sentAt = performance.now();
    writePingReq(buf, 0, Math.round((performance.timeOrigin + sentAt) * 1000), seq);
    const result = this.pings.add(seq, sentAt, timeoutMs, () => this.timeout(`PongRes for seq ${seq}`, timeoutMs));
    this.write(buf, 1);
    return result;
  }

  /** Sends `count` pings keeping up to `inFlight` outstanding (see PingManyOptions). One run at a time. */
  async pingMany(count: number, options: PingManyOptions = {}): Promise<PingManyResult> {
    this.requireOpen('pingMany', true);
    if (this.run !== null) {
      throw new ClientError(ClientErrorCode.INVALID_STATE, 'pingMany: a run is already in progress on this client');
    }
    const run = new PingRun(this.runHost, count, options);
    this.run = run;
    return run.start();
  }

  /** Frames `payload` with the client's header layout and sends it. False when the socket buffer is full. */
  send(id: number, payload: Uint8Array = EMPTY): boolean {
    this.requireOpen('send', false);
    return this.write(framePacket(this.layout, id, payload), 1);
  }

  /** Sends bytes as they are (any framing, even a broken one). False when the socket buffer is full. */
  sendRaw(bytes: Uint8Array): boolean {
    this.requireOpen('sendRaw', false);
    return this.write(bytes, 0);
  }

  /** Resolves when the socket's send buffer has drained (at once if it is not full). */
  async waitForDrain(): Promise<void> {
    this.requireOpen('waitForDrain', false);
    if (!this.connection!.needsDrain) return;
    return this.drains.add(null, () => this.timeout('drain', 0));
  }

  /**
   * The next packet with `id` that the client did not take itself (pongs of
   * its pings, the handshake answer): one that already arrived, else the next
   * to come. Packets that arrived before the connection closed can still be taken.
   */
  async expect(id: number, options: ExpectOptions = {}): Promise<ReceivedPacket> {
    const timeoutMs = checkInteger('expect timeoutMs', options.timeoutMs, this.requestTimeoutMs, 1, MAX_TIMEOUT_MS);
    if (this.state === 'idle') this.requireOpen('expect', false);
    return this.inbox.take(id, timeoutMs, options.match, this.endpoint);
  }

  /** Calls `listener` with every received packet (a copy shared by all consumers). Returns the unsubscribe function. */
  onPacket(listener: PacketListener): () => void {
    return this.taps.listen(listener);
  }

  /**
   * Every packet received from now on, as an async iterator; it ends when the
   * client closes (throwing the close error, if any). Falling `queueLimit`
   * packets behind ends it with NMT_CLIENT_QUEUE_OVERFLOW.
   */
  packets(options: { queueLimit?: number } = {}): AsyncIterableIterator<ReceivedPacket> {
    const limit = checkInteger('queueLimit', options.queueLimit, CLIENT_DEFAULTS.streamQueueLimit, 1, 10_000_000);
    return this.taps.stream(limit);
  }

  /**
   * Sends FIN and resolves once the socket is closed (destroyed after
   * `closeGraceMs` if the server lingers). Pending calls reject with NMT_CLIENT_CLOSED.
   */
  async close(): Promise<void> {
    if (this.state !== 'closed') {
      this.finish(null);
      this.connection?.end();
    }
    return this.connection === null ? undefined : this.connection.closed;
  }

  /** Internal (FrameSink, called by the decoder): one packet, as a view valid during the call only. */
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    this.stats.packetsIn++;
    const tapped = this.taps.active;
    if (this.v1) {
      if (id === PacketId.PongRes) {
        if (size !== PONG_RES_SIZE) return this.protocolFailure(`PongRes of ${size} bytes, expected ${PONG_RES_SIZE}`);
        const run = this.run;
        if ((run !== null && run.onPong(buf, offset)) || (this.pings.size !== 0 && this.pings.settle(buf, offset))) {
          if (tapped) this.publish(this.copy(buf, offset, size, id));
          return;
        }
        this.stats.unmatchedPongs++;
      } else if (id === PacketId.SessionConnectRes && this.handshakes.size !== 0) {
        return this.settleHandshake(buf, offset, size, tapped);
      } else if (id === PacketId.DisconnectNotice) {
        return this.onDisconnectNotice(buf, offset, size);
      }
    }
    if (!tapped && !this.inbox.wantsPackets) return;
    const packet = this.copy(buf, offset, size, id);
    if (tapped) this.publish(packet);
    this.inbox.deliver(packet);
    this.stats.inboxDropped = this.inbox.dropped;
  }

  /** Internal (FrameSink): the server broke the framing; the decoder has stopped. */
  onFrameError(err: ProtocolError): void {
    this.protocolFailure(`${err.message} (${err.code})`, err);
  }

  /** Internal (ConnectionListener, called by the connection): the TCP connection is up. */
  onOpen(): void {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.connecting.resolveAll(undefined);
  }

  /** Internal (ConnectionListener): received bytes. */
  onData(chunk: Buffer): void {
    this.stats.chunksIn++;
    this.stats.bytesIn += chunk.length;
    this.decoder.push(chunk);
    // Pings sent while this chunk's pongs were handled leave in one write.
    if (this.run !== null) this.run.flush();
  }

  private settleHandshake(buf: Buffer, offset: number, size: number, tapped: boolean): void {
    let res: SessionConnectRes;
    try {
      res = decodeSessionConnectRes(buf, offset, size);
    } catch (err) {
      return this.protocolFailure((err as Error).message, err);
    }
    if (tapped) this.publish(this.copy(buf, offset, size, PacketId.SessionConnectRes));
    if (res.result === ConnectResult.Ok) {
      this.sessionId = res.sessionId;
      this.handshakes.resolveFirst(res);
    } else {
      this.handshakes.rejectFirst(new HandshakeRejectedError(this.endpoint, res.result));
    }
  }

  private onDisconnectNotice(buf: Buffer, offset: number, size: number): void {
    let notice;
    try {
      notice = decodeDisconnectNotice(buf, offset, size);
    } catch (err) {
      return this.protocolFailure((err as Error).message, err);
    }
    const packet = this.copy(buf, offset, size, PacketId.DisconnectNotice);
    if (this.taps.active) this.publish(packet);
    // An expect(DisconnectNotice) gets the packet; everything else pending gets the typed error.
    this.inbox.deliver(packet);
    this.stats.inboxDropped = this.inbox.dropped;
    this.finish(new ClientDisconnectedError(this.endpoint, notice.reason, notice.text));
    this.connection!.end();
  }

  private protocolFailure(detail: string, cause?: unknown): void {
    this.finish(
      new ClientError(
        ClientErrorCode.PROTOCOL_ERROR,
        `server ${this.endpoint} broke the wire format: ${detail}; ` +
          'is it speaking this protocol (header layout, version)?',
        { cause },
      ),
    );
    this.connection!.destroy();
  }

  /** Copies a packet's payload out of the chunk so it may outlive the call. */
  private copy(buf: Buffer, offset: number, size: number, id: number): ReceivedPacket {
    return { id, payload: Buffer.from(buf.subarray(offset + this.layout.headerSize, offset + size)) };
  }

  /** Hands a packet to the taps; a throwing listener ends the client. */
  private publish(packet: ReceivedPacket): void {
    const err = this.taps.publish(packet);
    if (err === null) return;
    this.finish(err);
    this.connection!.end();
  }

  private write(bytes: Uint8Array, packets: number): boolean {
    this.stats.packetsOut += packets;
    this.stats.bytesOut += bytes.length;
    return this.connection!.write(bytes);
  }

  private allocSeq(): number {
    const seq = this.seq;
    this.seq = (seq + 1) >>> 0;
    return seq;
  }

  private timeout(what: string, ms: number): ClientError {
    const message = `no ${what} from ${this.endpoint} within ${ms} ms: is the server answering?`;
    return new ClientError(ClientErrorCode.TIMEOUT, message);
  }

  private requireOpen(what: string, needV1: boolean): void {
    if (this.state === 'closed') {
      const why = this.closeError === null ? 'close() was called' : this.closeError.message;
      throw new ClientError(ClientErrorCode.CLOSED, `${what}: the connection to ${this.endpoint} is closed (${why})`, {
        cause: this.closeError ?? undefined,
      });
    }
    if (this.state !== 'open') {
      const message = `${what}: the client is not connected; await connect() first`;
      throw new ClientError(ClientErrorCode.INVALID_STATE, message);
    }
    if (needV1 && !this.v1) {
      const message = `${what} needs wire protocol v1 framing; with a custom layout use send() and expect()`;
      throw new ClientError(ClientErrorCode.INVALID_STATE, message);
    }
  }

  /** Internal (ConnectionListener): the send buffer drained. */
  onDrain(): void {
    this.drains.resolveAll(undefined);
    if (this.run !== null) this.run.onDrain();
  }

  /** Internal (ConnectionListener): the socket closed (a no-op when the client already finished). */
  onClosed(err: ClientError | null): void {
    this.finish(
      err ??
        new ClientError(
          ClientErrorCode.CLOSED_BY_PEER,
          `server ${this.endpoint} closed the connection without a DisconnectNotice: check the server's log`,
        ),
    );
  }

  /** Ends the client once: rejects everything pending, ends streams, resolves `closed`. */
  private finish(err: ClientError | null): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeError = err;
    this.decoder.stop();
    const failure =
      err ??
      new ClientError(
        ClientErrorCode.CLOSED,
        `the client to ${this.endpoint || '(not connected)'} was closed by close() while the call was pending`,
      );
    this.connecting.rejectAll(failure);
    this.handshakes.rejectAll(failure);
    this.drains.rejectAll(failure);
    this.pings.rejectAll(failure);
    this.run?.fail(failure);
    this.inbox.fail(failure);
    this.taps.end(err);
    this.resolveClosed(err);
  }
}

const EMPTY = new Uint8Array(0);
