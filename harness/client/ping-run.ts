/**
 * A pipelined ping run: keeps up to `inFlight` PingReq outstanding, matches
 * each PongRes to its ping by `seq` (answers may come back in any order) and
 * records the round-trip time.
 *
 * Outstanding pings live in a slot table indexed by `seq & mask`, sized to
 * twice the pipelining depth so a free slot is always close:
 *
 *   slot:     0      1      2      3     …  mask
 *   used:     1      0      1      0
 *   seq:     40      —     42      —          (seq & mask === slot)
 *   sentAt:  t40     —     t42     —          performance.now() at send
 *
 * A pong reads `seq` straight from the decoder's view, finds its slot in
 * O(1) and frees it; nothing is allocated per ping except the bytes in the
 * shared {@link WriteBatch}. Pings sent while handling one received chunk are
 * flushed with one write when the client calls {@link PingRun.flush}.
 * One watchdog timer per run (not one per ping) detects a stalled server.
 */
import { PONG_SEQ, PONG_SERVER_TIME, PING_REQ_SIZE, readU64, writePingReq } from '../../protocol/index.ts';
import {
  CLIENT_DEFAULTS,
  MAX_TIMEOUT_MS,
  checkInteger,
  type PingManyOptions,
  type PingManyResult,
  type RttListener,
} from './client-options.ts';
import { ClientError, ClientErrorCode } from './errors.ts';
import { WriteBatch } from './write-batch.ts';

/** What a run needs from its client. */
export interface PingRunHost {
  /** Next sequence number of the connection (u32, wrapping). */
  allocSeq(): number;
  /** Writes `packets` packets in `bytes`; false when the socket buffer is full (wait for `onDrain`). */
  writeOut(bytes: Buffer, packets: number): boolean;
  /** The server endpoint, for messages. */
  endpoint(): string;
  /** The run finished (resolved or failed); stop routing pongs to it. */
  runEnded(run: PingRun): void;
}

/** Largest pipelining depth; the slot table is twice this. */
export const MAX_IN_FLIGHT = 65_536;

export class PingRun {
  private readonly host: PingRunHost;
  private readonly count: number;
  private readonly inFlight: number;
  private readonly intervalMs: number;
  private readonly stallTimeoutMs: number;
  private readonly onRtt: RttListener | undefined;
  private readonly rtts: Float64Array;
  private readonly mask: number;
  private readonly used: Uint8Array;
  private readonly slotSeq: Uint32Array;
  private readonly sentAt: Float64Array;
  private readonly batch = new WriteBatch();
  private sent = 0;
  private received = 0;
  private outstanding = 0;
  private batchedPackets = 0;
  /** Pings the pacing timer allowed but the window did not (interval mode only). */
  private credits = 0;
  private blocked = false;
  private done = false;
  private startedAt = 0;
  private lastProgress = 0;
  private pacer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private resolve!: (result: PingManyResult) => void;
  private reject!: (err: Error) => void;
  /** Settles when the run ends. */
  readonly promise: Promise<PingManyResult>;

  /** Validates the options (throws NMT_CLIENT_INVALID_ARGUMENT); call {@link start} to begin. */
  constructor(host: PingRunHost, count: number, options: PingManyOptions = {}) {
    this.host = host;
    this.count = checkInteger('pingMany count', count, 0, 0, 0xffff_ffff);
    this.inFlight = checkInteger('inFlight', options.inFlight, CLIENT_DEFAULTS.inFlight, 1, MAX_IN_FLIGHT);
    this.intervalMs = checkInteger('intervalMs', options.intervalMs, CLIENT_DEFAULTS.intervalMs, 0, MAX_TIMEOUT_MS);
    this.stallTimeoutMs = checkInteger(
      'stallTimeoutMs',
      options.stallTimeoutMs,
      CLIENT_DEFAULTS.stallTimeoutMs,
      1,
      MAX_TIMEOUT_MS,
    );
    this.onRtt = options.onRtt;
    this.rtts = new Float64Array(options.keepRtts === false ? 0 : this.count);
    let size = 2;
    while (size < this.inFlight * 2) size *= 2;
    this.mask = size - 1;
    this.used = new Uint8Array(size);
    this.slotSeq = new Uint32Array(size);
    this.sentAt = new Float64Array(size);
    this.promise = new Promise<PingManyResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Pings sent so far. */
  get sentCount(): number {
    return this.sent;
  }

  /** Pongs matched so far. */
  get receivedCount(): number {
    return this.received;
  }

  /** Sends the first window of pings and arms the timers. */
  start(): Promise<PingManyResult> {
    this.startedAt = performance.now();
    this.lastProgress = this.startedAt;
    if (this.count === 0) {
      this.finish();
      return this.promise;
    }
    if (this.intervalMs > 0) {
      this.credits = 1;
      this.pacer = setInterval(pacerTick, this.intervalMs, this);
    }
    const period = Math.min(1_000, Math.max(10, Math.floor(this.stallTimeoutMs / 4)));
    this.watchdog = setInterval(watchdogTick, period, this);
    this.pump();
    this.flush();
    return this.promise;
  }

  /**
   * Handles a PongRes at `buf[offset..]` (size already checked). Returns false
   * when its seq is not one of this run's outstanding pings.
   */
  onPong(buf: Buffer, offset: number): boolean {
    if (this.done) return false;
    const seq = buf.readUInt32LE(offset + PONG_SEQ);
    const slot = seq & this.mask;
    if (this.used[slot] === 0 || this.slotSeq[slot] !== seq) return false;
    this.used[slot] = 0;
    this.outstanding--;
    const now = performance.now();
    const rtt = (now - this.sentAt[slot]!) * 1000;
    this.lastProgress = now;
    if (this.rtts.length !== 0) this.rtts[this.received] = rtt;
    this.received++;
    if (this.onRtt !== undefined) {
      try {
        this.onRtt(rtt, seq, readU64(buf, offset + PONG_SERVER_TIME));
      } catch (err) {
        // The listener is user code: its failure ends the run, never the socket's data handler.
        const message = 'pingMany: the onRtt listener threw';
        this.fail(new ClientError(ClientErrorCode.LISTENER_ERROR, message, { cause: err }));
        return true;
      }
      if (this.done) return true;
    }
    if (this.received === this.count) this.finish();
    else this.pump();
    return true;
  }

  /** Writes the pings batched since the last flush in one socket write. */
  flush(): void {
    const bytes = this.batch.take();
    if (bytes === null) return;
    const packets = this.batchedPackets;
    this.batchedPackets = 0;
    if (!this.host.writeOut(bytes, packets)) this.blocked = true;
  }

  /** The socket drained: resume sending. */
  onDrain(): void {
    if (!this.blocked || this.done) return;
    this.blocked = false;
    this.pump();
    this.flush();
  }

  /** Ends the run with `err` (connection closed, stall, listener failure). */
  fail(err: Error): void {
    if (this.done) return;
    this.end();
    this.reject(err);
  }

  /** Pacing tick: allow one more ping. */
  tick(): void {
    if (this.done) return;
    if (this.credits < this.inFlight) this.credits++;
    this.pump();
    this.flush();
  }

  /** Watchdog tick: fail when pings are outstanding and nothing came back for too long. */
  checkStall(): void {
    if (this.done || this.outstanding === 0) return;
    const silentMs = performance.now() - this.lastProgress;
    if (silentMs <= this.stallTimeoutMs) return;
    this.fail(
      new ClientError(
        ClientErrorCode.TIMEOUT,
        `pingMany: no PongRes from ${this.host.endpoint()} for ${Math.round(silentMs)} ms with ` +
          `${this.outstanding} ping(s) outstanding (${this.received}/${this.count} answered): ` +
          'is the server answering pings? (stallTimeoutMs sets this limit)',
      ),
    );
  }

  /** Sends pings while the window, the pacing and the socket allow. */
  private pump(): void {
    const paced = this.intervalMs > 0;
    while (this.outstanding < this.inFlight && this.sent < this.count && !this.blocked) {
      if (paced) {
        if (this.credits === 0) return;
        this.credits--;
      }
      this.sendOne();
    }
  }

  private sendOne(): void {
    let seq = this.host.allocSeq();
    // A slot can still be taken by a ping of the same window; the next seq lands on another slot.
    while (this.used[seq & this.mask] === 1) seq = this.host.allocSeq();
    const slot = seq & this.mask;
    const now = performance.now();
    const offset = this.batch.reserve(PING_REQ_SIZE);
    writePingReq(this.batch.buf, offset, Math.round((performance.timeOrigin + now) * 1000), seq);
    this.used[slot] = 1;
    this.slotSeq[slot] = seq;
    this.sentAt[slot] = now;
    this.outstanding++;
    this.sent++;
    this.batchedPackets++;
  }

  private finish(): void {
    if (this.done) return;
    const elapsedMs = this.count === 0 ? 0 : this.lastProgress - this.startedAt;
    this.end();
    this.resolve({ count: this.received, rttMicros: this.rtts, elapsedMs });
  }

  private end(): void {
    this.done = true;
    if (this.pacer !== null) clearInterval(this.pacer);
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.pacer = null;
    this.watchdog = null;
    this.host.runEnded(this);
  }
}

// Module-level timer callbacks: the run is passed as an argument, no closure per run.
function pacerTick(run: PingRun): void {
  run.tick();
}

function watchdogTick(run: PingRun): void {
  run.checkStall();
}
