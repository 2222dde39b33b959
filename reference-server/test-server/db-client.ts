/**
 * TestServer's client of DBServer: a few persistent links, many concurrent
 * requests multiplexed on them by requestId (responses may come back in any
 * order), request deadlines, and reconnect with exponential backoff.
 *
 *              request() ──▶ pick a ready link (round robin) ──▶ write Db*Req (corked per turn)
 *   pending: Map<requestId, {link, deadline, resolve}>  ◀── DbRes by requestId
 *   one sweep timer per client ──▶ expired entries resolve Timeout
 *   link closed ──▶ its entries resolve DbUnavailable; reconnect after backoff
 *
 * `request()` never rejects: every failure is a {@link DbResponse} with a
 * status (DbUnavailable when no link is up, Timeout past the deadline,
 * Overloaded past maxInFlight), so a handler always has an answer for its
 * client — never a hang and never an exception in the event loop. For writes
 * the outcome of a Timeout or a lost link is unknown; the client retries with
 * the same idempotency key, which DBServer applies at most once.
 */
import { Socket, isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import {
  ConnectResult,
  FrameDecoder,
  PROTOCOL_VERSION,
  PacketId,
  decodeSessionConnectRes,
  encodePingReq,
  encodeSessionConnectReq,
  nowMicros,
  type FrameSink,
  type ProtocolError,
} from '../../protocol/index.ts';
import { DB_REQUEST_ID_OFFSET, decodeDbResponse, encodeDbRequest, dbError, type DbRequest, type DbResponse } from '../../protocol/db-packets.ts';
import { GameStatus } from '../../protocol/game-packets.ts';
import { silentLogger } from '../engine/index.ts';

/** Settings of {@link DbClient}; every one has a default in {@link DB_CLIENT_DEFAULTS}. */
export interface DbClientOptions {
  host: string;
  port: number;
  /** Persistent links to DBServer. */
  connections?: number;
  /** Deadline of one request, ms; past it the caller gets Timeout. */
  requestTimeoutMs?: number;
  /** TCP connect + handshake deadline of one link, ms. */
  connectTimeoutMs?: number;
  /** First reconnect delay, ms; doubles per failed attempt up to reconnectMaxMs. */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** Requests in flight at most, all links; more get Overloaded at once. */
  maxInFlight?: number;
  /** A PingReq on each link this often, ms, so a dead peer is noticed while idle (0 = never). */
  pingIntervalMs?: number;
  /**
   * Dial DBServer over TLS 1.3: `ca` it must chain to, and this TestServer's
   * own certificate and key when DBServer runs with --tls-client-auth.
   * Absent/null = plain TCP.
   */
  tls?: DbLinkTls | null;
  logger?: Logger;
}

/** TLS settings of the links to DBServer (PEM contents, not paths). */
export interface DbLinkTls {
  ca: string | Buffer;
  cert?: string | Buffer | null;
  key?: string | Buffer | null;
  /** Name DBServer's certificate must carry (default: the host, or none for an IP address). */
  servername?: string | null;
}

export const DB_CLIENT_DEFAULTS = Object.freeze({
  connections: 2,
  requestTimeoutMs: 5000,
  connectTimeoutMs: 1000,
  reconnectInitialMs: 50,
  reconnectMaxMs: 2000,
  maxInFlight: 10_000,
  pingIntervalMs: 5000,
});

/** Counters for /metrics and tests. */
export interface DbClientStats {
  linksUp: number;
  inFlight: number;
  sent: number;
  answered: number;
  timeouts: number;
  unavailable: number;
  overloaded: number;
  reconnects: number;
}

interface Pending {
  link: DbLink;
  deadline: number;
  resolve: (res: DbResponse) => void;
}

const LinkState = { Connecting: 0, Handshaking: 1, Ready: 2, Closed: 3 } as const;
type LinkState = (typeof LinkState)[keyof typeof LinkState];

/** One persistent link. Socket events are methods (no closure per packet). */
class DbLink implements FrameSink {
  state: LinkState = LinkState.Connecting;
  private readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private corked = false;
  private connectTimer: NodeJS.Timeout | null;

  constructor(
    private readonly client: DbClient,
    readonly index: number,
  ) {
    this.decoder = new FrameDecoder(this);
    const tls = client.options.tls;
    this.socket = tls == null ? new Socket() : tlsConnect(tlsLinkOptions(client.options.host, client.options.port, tls));
    this.socket.setNoDelay(true);
    this.socket.on(tls == null ? 'connect' : 'secureConnect', () => this.onConnect());
    this.socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    this.socket.on('error', (err) => this.close(`socket error: ${err.message}`));
    this.socket.on('close', () => this.close('connection closed by DBServer'));
    this.connectTimer = setTimeout(() => this.close(`no handshake within ${client.options.connectTimeoutMs} ms`), client.options.connectTimeoutMs);
    if (tls == null) this.socket.connect(client.options.port, client.options.host);
  }

  private onConnect(): void {
    this.state = LinkState.Handshaking;
    this.socket.write(encodeSessionConnectReq({ clientVersion: PROTOCOL_VERSION, token: '' }));
  }

  /** Queues one packet; writes made in the same event-loop turn leave in one syscall. */
  write(packet: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncorkLink, this);
    }
    this.socket.write(packet);
  }

  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }

  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    try {
      if (id === PacketId.DbRes) {
        this.client.onResponse(decodeDbResponse(buf, offset, size), buf.readUInt32LE(offset + DB_REQUEST_ID_OFFSET));
      } else if (id === PacketId.SessionConnectRes && this.state === LinkState.Handshaking) {
        const res = decodeSessionConnectRes(buf, offset, size);
        if (res.result !== ConnectResult.Ok) {
          this.close(`DBServer refused the handshake (result ${res.result})`);
          return;
        }
        if (this.connectTimer !== null) clearTimeout(this.connectTimer);
        this.connectTimer = null;
        this.state = LinkState.Ready;
        this.client.onLinkReady(this);
      }
      // PongRes and DisconnectNotice need no action: the close event follows a notice.
    } catch (err) {
      this.close(`bad packet from DBServer: ${(err as Error).message}`);
    }
  }

  onFrameError(err: ProtocolError): void {
    this.close(`framing error from DBServer: ${err.message}`);
  }

  ping(): void {
    if (this.state === LinkState.Ready) this.write(encodePingReq({ clientTime: nowMicros(), seq: 0 }));
  }

  close(reason: string): void {
    if (this.state === LinkState.Closed) return;
    const wasReady = this.state === LinkState.Ready;
    this.state = LinkState.Closed;
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.decoder.stop();
    this.socket.destroy();
    this.client.onLinkClosed(this, reason, wasReady);
  }
}

function uncorkLink(link: DbLink): void {
  link.uncork();
}

/** See the module comment. */
export class DbClient {
  readonly options: Required<Omit<DbClientOptions, 'logger'>>;
  private readonly log: Logger;
  private readonly links: (DbLink | null)[];
  private readonly backoff: number[];
  private readonly reconnectTimers: (NodeJS.Timeout | null)[];
  private readonly pending = new Map<number, Pending>();
  private readonly ready: DbLink[] = [];
  private nextId = 1;
  private rr = 0;
  private closed = false;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout | null;
  private readyWaiters: (() => void)[] = [];
  readonly stats: DbClientStats = { linksUp: 0, inFlight: 0, sent: 0, answered: 0, timeouts: 0, unavailable: 0, overloaded: 0, reconnects: 0 };

  constructor(options: DbClientOptions) {
    this.options = { ...DB_CLIENT_DEFAULTS, ...stripUndefined(options) } as Required<Omit<DbClientOptions, 'logger'>>;
    this.log = options.logger ?? silentLogger();
    const n = this.options.connections;
    this.links = Array.from({ length: n }, () => null);
    this.backoff = Array.from({ length: n }, () => this.options.reconnectInitialMs);
    this.reconnectTimers = Array.from({ length: n }, () => null);
    // One timer for every deadline: a quarter of the timeout keeps expiry within 25 % late.
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(10, Math.min(250, Math.floor(this.options.requestTimeoutMs / 4))));
    this.sweepTimer.unref();
    this.pingTimer = this.options.pingIntervalMs > 0 ? setInterval(() => this.pingAll(), this.options.pingIntervalMs) : null;
    this.pingTimer?.unref();
    for (let i = 0; i < n; i++) this.links[i] = new DbLink(this, i);
  }

  /** Links handshaken and usable now. */
  get linksUp(): number {
    return this.ready.length;
  }

  /** Resolves once at least one link is up, or after `timeoutMs` (returns whether one is up). */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.ready.length > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.ready.length > 0), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(t);
        resolve(this.ready.length > 0);
      });
    });
  }

  /** Sends one request; resolves with DBServer's answer or a locally made failure status. Never rejects. */
  request(req: DbRequest, timeoutMs = this.options.requestTimeoutMs): Promise<DbResponse> {
    if (this.closed) return Promise.resolve(local(GameStatus.DbUnavailable, 'DB client is closed'));
    if (this.ready.length === 0) {
      this.stats.unavailable++;
      return Promise.resolve(local(GameStatus.DbUnavailable, `DBServer ${this.options.host}:${this.options.port} is not reachable (reconnecting)`));
    }
    if (this.pending.size >= this.options.maxInFlight) {
      this.stats.overloaded++;
      return Promise.resolve(local(GameStatus.Overloaded, `${this.options.maxInFlight} DB requests already in flight`));
    }
    let packet: Buffer;
    const requestId = this.allocId();
    try {
      packet = encodeDbRequest(requestId, timeoutMs, req);
    } catch (err) {
      return Promise.resolve(local(GameStatus.Invalid, (err as Error).message));
    }
    const link = this.ready[this.rr++ % this.ready.length]!;
    return new Promise<DbResponse>((resolve) => {
      this.pending.set(requestId, { link, deadline: performance.now() + timeoutMs, resolve });
      this.stats.sent++;
      this.stats.inFlight = this.pending.size;
      link.write(packet);
    });
  }

  private allocId(): number {
    // u32 wrap-around; skip ids still pending (only possible with ~4 billion requests in flight).
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId === 0xffff_ffff ? 1 : this.nextId + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  /** @internal */
  onResponse(res: DbResponse, requestId: number): void {
    const p = this.pending.get(requestId);
    // Unknown id: answered after its deadline (already resolved Timeout); drop it.
    if (p === undefined) return;
    this.pending.delete(requestId);
    this.stats.answered++;
    this.stats.inFlight = this.pending.size;
    p.resolve(res);
  }

  /** @internal */
  onLinkReady(link: DbLink): void {
    this.backoff[link.index] = this.options.reconnectInitialMs;
    this.ready.push(link);
    this.stats.linksUp = this.ready.length;
    this.log.info({ link: link.index, host: this.options.host, port: this.options.port }, 'DBServer link up');
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  /** @internal */
  onLinkClosed(link: DbLink, reason: string, wasReady: boolean): void {
    const i = this.ready.indexOf(link);
    if (i >= 0) this.ready.splice(i, 1);
    this.stats.linksUp = this.ready.length;
    for (const [id, p] of this.pending) {
      if (p.link !== link) continue;
      this.pending.delete(id);
      this.stats.unavailable++;
      p.resolve(local(GameStatus.DbUnavailable, `link to DBServer lost (${reason}); the outcome is unknown, retry with the same idempotency key`));
    }
    this.stats.inFlight = this.pending.size;
    if (this.closed) return;
    if (wasReady) this.log.warn({ link: link.index, reason }, 'DBServer link down; reconnecting');
    const delay = this.backoff[link.index]!;
    this.backoff[link.index] = Math.min(delay * 2, this.options.reconnectMaxMs);
    this.reconnectTimers[link.index] = setTimeout(() => {
      this.reconnectTimers[link.index] = null;
      if (this.closed) return;
      this.stats.reconnects++;
      this.links[link.index] = new DbLink(this, link.index);
    }, delay);
  }

  private sweep(): void {
    if (this.pending.size === 0) return;
    const now = performance.now();
    for (const [id, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(id);
      this.stats.timeouts++;
      p.resolve(local(GameStatus.Timeout, 'DBServer did not answer within the deadline; the outcome is unknown, retry with the same idempotency key'));
    }
    this.stats.inFlight = this.pending.size;
  }

  private pingAll(): void {
    for (const l of this.ready) l.ping();
  }

  /** Closes every link; requests in flight resolve DbUnavailable. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    for (const t of this.reconnectTimers) if (t !== null) clearTimeout(t);
    for (const l of this.links) l?.close('DB client closed');
    for (const w of this.readyWaiters) w();
    this.readyWaiters = [];
  }
}

function local(status: number, message: string): DbResponse {
  return { version: 0, requestId: 0, status, body: dbError(message) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** tls.connect options of a link: TLS 1.3, the DBServer's CA, our client certificate when given. */
function tlsLinkOptions(host: string, port: number, tls: DbLinkTls): ConnectionOptions {
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  return {
    host,
    port,
    ca: tls.ca,
    ...(tls.cert == null || tls.key == null ? {} : { cert: tls.cert, key: tls.key }),
    ...(servername === undefined ? {} : { servername }),
    minVersion: 'TLSv1.3',
  };
}
