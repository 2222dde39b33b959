/**
 * `constant-request-rate` (open model over persistent connections, like
 * wrk2 -R): `connections` sessions stay open for the phase; together they
 * send `rate` requests per second. Connection j (global) sends every
 * connections/rate seconds, offset by j/rate, so the union of all
 * connections' schedules is one request every 1/rate s, evenly spread:
 *
 *   rate 4/s, 2 connections:  c0 ●───────●───────●    (every 500 ms)
 *                             c1 ────●───────●──────   (offset 250 ms)
 *
 * Each request has an intended send time on that grid. A connection may
 * pipeline up to `maxInFlightPerConnection` requests; when that many are
 * outstanding (or the socket is under backpressure) later requests wait and
 * go out as soon as a slot frees — still measured from their intended time,
 * so a stalled server shows up in the corrected latency (coordinated
 * omission), while the uncorrected one measures from the actual send.
 *
 * A connection's schedule starts when its session opens (intended times
 * before that are skipped, not owed); a lost session reconnects (onStart
 * again, rate-limited) and resumes on the grid.
 */
import type { ConstantRequestRatePhase, Phase } from '../scenario/types.ts';
import type { ErrorKind } from '../metrics/recorder.ts';
import type { PendingRequest, RequestOwner } from '../vu/expect.ts';
import { compileRequest, type RequestInstr } from '../vu/program.ts';
import type { VuRuntime } from '../vu/runtime.ts';
import { now as clockNow } from '../vu/clock.ts';
import { AWAITING, issueRequest } from '../vu/request.ts';
import type { Timed } from '../vu/scheduler.ts';
import { VirtualUser, type VuListener } from '../vu/virtual-user.ts';
import { ExecutorError, ExecutorErrorCode, requireNumber } from './errors.ts';
import { expectPhase, PhaseExecutor } from './phase-executor.ts';
import { globalId, perConnectionRate, shareOf } from './shares.ts';

/** One persistent connection and its send schedule. */
class RateConnection implements RequestOwner, Timed {
  dueAt = 0;
  heapIndex = -1;
  /** Requests outstanding on this connection. */
  inflight = 0;
  /** Requests issued so far (the template context's `vu.iteration`). */
  sent = 0;
  /** Sending is paused by the pipelining cap or backpressure. */
  private stalled = false;
  /** Index on the grid of the next request; its intended time is base + k·interval. */
  private k = 0;
  private running = false;

  constructor(
    private readonly owner: ConstantRequestRateExecutor,
    private readonly rt: VuRuntime,
    private readonly cap: number,
    readonly vu: VirtualUser,
    private readonly instr: RequestInstr,
    /** Intended time of grid slot 0 (performance.now ms). */
    private readonly base: number,
    private readonly intervalMs: number,
    /** No request is intended at or after this instant. */
    private readonly endAt: number,
  ) {}

  /** The session is open: send from the first grid slot not in the past. */
  resume(now: number): void {
    const k = Math.ceil((now - this.base) / this.intervalMs);
    if (k > this.k) this.k = k;
    this.running = true;
    this.pump(now);
  }

  /** The session ended or the phase stopped starting: no more sends. */
  pause(): void {
    this.running = false;
    this.stalled = false;
    this.rt.scheduler.cancel(this);
  }

  /** Scheduler: a grid slot is due. */
  onTimer(now: number): void {
    this.pump(now);
  }

  /** Sends every request due by `now` that the cap and backpressure allow; arms the next slot. */
  pump(now: number): void {
    if (!this.running) return;
    const conn = this.vu.connection;
    if (conn === null) return;
    const cap = this.cap;
    const rt = this.rt;
    let intended = this.base + this.k * this.intervalMs;
    while (intended <= now + 0.5 && intended < this.endAt) {
      if (this.inflight >= cap || conn.blocked) {
        this.stalled = true;
        return;
      }
      this.vu.iteration = this.sent++;
      if (issueRequest(rt, conn, this.instr, this.vu, this, intended, 0) === AWAITING) this.inflight++;
      this.k++;
      intended = this.base + this.k * this.intervalMs;
    }
    this.stalled = false;
    if (intended < this.endAt) rt.scheduler.schedule(this, intended);
  }

  /**
   * Capacity freed (response, failure, drain): send what is owed. The VU
   * clock is the instant of the socket read being handled (one clock read per
   * read, not one per response: 2.9 % of the harness at 16 in flight), or the
   * live clock outside a read (a drain, a sweep).
   */
  private freed(): void {
    if (this.stalled) this.pump(clockNow());
    this.owner.connectionProgress(this);
  }

  onResponse(_req: PendingRequest): void {
    this.inflight--;
    this.freed();
  }

  onRequestFailed(_req: PendingRequest, _kind: ErrorKind): void {
    this.inflight--;
    this.freed();
  }

  onWritable(): void {
    this.freed();
  }
}

export class ConstantRequestRateExecutor extends PhaseExecutor<ConstantRequestRatePhase> implements VuListener {
  private readonly byVu = new Map<VirtualUser, RateConnection>();

  protected checkPhase(phase: Phase): ConstantRequestRatePhase {
    const p = expectPhase(phase, 'constant-request-rate');
    requireNumber(p.name, 'connections', p.connections, 1);
    requireNumber(p.name, 'rate', p.rate, 0);
    requireNumber(p.name, 'duration', p.durationMs, 0);
    return p;
  }

  protected begin(): void {
    const phase = this.phase;
    const segment = this.ctx.segment;
    if (!this.rt.flow.onStart.connects) {
      throw new ExecutorError(
        ExecutorErrorCode.INVALID_PHASE,
        `phase '${phase.name}': constant-request-rate holds connections, so flow.onStart must contain a connect step`,
      );
    }
    const cap = this.options.maxInFlightPerConnection;
    const instr = compileRequest(phase.request, this.rt, `phases.${phase.name}.request`);
    const perConn = perConnectionRate(phase.rate, phase.connections);
    const intervalMs = perConn > 0 ? 1000 / perConn : Infinity;
    const endAt = this.startAt + phase.durationMs;
    const local = shareOf(phase.connections, segment);
    for (let i = 0; i < local; i++) {
      const j = globalId(i, segment);
      const vu = new VirtualUser(this.rt, j, this);
      // Connection j's grid is offset by j/rate: all grids interleave evenly.
      const base = this.startAt + (phase.rate > 0 ? (j * 1000) / phase.rate : 0);
      this.byVu.set(vu, new RateConnection(this, this.rt, cap, vu, instr, base, intervalMs, endAt));
      this.live.add(vu);
      vu.start();
    }
  }

  protected durationMs(): number {
    return this.phase.durationMs;
  }

  protected stopStarting(): void {
    for (const rc of this.byVu.values()) {
      rc.pause();
      this.connectionProgress(rc);
    }
  }

  /** A connection's outstanding count changed: once stopping and drained, stop its VU. @internal */
  connectionProgress(rc: RateConnection): void {
    if (this.stopping && rc.inflight === 0 && rc.vu.idle) rc.vu.stop();
  }

  onStarted(vu: VirtualUser, ok: boolean): void {
    const rc = this.byVu.get(vu);
    if (rc === undefined) return;
    if (this.stopping) {
      vu.stop();
      return;
    }
    // A failed connect retries at once; the connect rate limit spaces the attempts.
    if (ok && vu.connection !== null) rc.resume(performance.now());
    else vu.start();
  }

  onSessionLost(vu: VirtualUser): void {
    const rc = this.byVu.get(vu);
    if (rc === undefined) return;
    rc.pause();
    if (this.stopping) {
      this.connectionProgress(rc);
      return;
    }
    if (vu.idle) vu.start();
  }

  onWritable(vu: VirtualUser): void {
    this.byVu.get(vu)?.onWritable();
  }

  onIterationEnd(vu: VirtualUser): void {
    // Not used: requests are sent by the connection's schedule, not by iterations.
    if (this.stopping) vu.stop();
  }

  onStopped(vu: VirtualUser): void {
    this.live.delete(vu);
    this.checkDone();
  }
}
