/**
 * A virtual user: one connection at a time, and an interpreter that walks
 * the compiled flow (onStart once, the iteration as often as its executor
 * asks, onStop once) as an event-driven state machine — no promise or
 * closure per step. Every wait (connect slot, connect, response, think,
 * drain, yield) parks the VU in a state; the event that ends the wait calls
 * back into {@link VirtualUser.advance}.
 *
 *            start()/runIteration()                       stop()
 *   IDLE ───────────────▶ RUNNING ──┬─▶ WAIT_SLOT ─▶ WAIT_CONNECT ─┐   ──▶ STOPPED
 *    ▲                      ▲  │    ├─▶ WAIT_RESPONSE ─────────────┤
 *    │  program done        │  │    ├─▶ WAIT_THINK / WAIT_DRAIN ───┤
 *    └──────────────────────┘  │    └─▶ WAIT_YIELD ────────────────┤
 *                              └───────────── resumed ◀────────────┘
 *
 * The VU is its own TemplateContext (vuId, iteration, vars, …), so compiled
 * templates read it directly.
 *
 * Session rule: before an iteration, a VU whose onStart has not completed,
 * or whose onStart connects but whose session was lost, re-runs onStart.
 * Feeder rule: a VU takes one row per feeder per iteration, on first use;
 * onStart run for an iteration uses that iteration's row, onStop the last one.
 * A failed step ends the iteration (its error is already counted); failed
 * iterations are not counted in `iterations`.
 */
import { nowMicros } from '../../protocol/packets.ts';
import { now as clockNow } from './clock.ts';
import { ErrorKind } from '../metrics/recorder.ts';
import type { TemplateContext } from '../scenario/templates.ts';
import { VuConnection, type ConnectionOwner } from './connection.ts';
import type { PendingRequest, RequestOwner } from './expect.ts';
import { Op, type Program } from './program.ts';
import { AWAITING, FAILED, issueRequest } from './request.ts';
import type { VuRuntime } from './runtime.ts';
import type { Timed } from './scheduler.ts';

/** What the executor hears from its VUs. */
export interface VuListener {
  /** An iteration ended (`ok` = every step succeeded). The VU is idle again. */
  onIterationEnd(vu: VirtualUser, ok: boolean): void;
  /** `start()` finished onStart (`ok` false: it failed; the next iteration retries it). */
  onStarted(vu: VirtualUser, ok: boolean): void;
  /** `stop()` finished: onStop ran and the connection is closed. */
  onStopped(vu: VirtualUser): void;
  /** The VU's open session ended without the flow asking (server close, error). */
  onSessionLost(vu: VirtualUser): void;
  /** The VU's connection drained after backpressure. */
  onWritable(vu: VirtualUser): void;
}

const IDLE = 0;
const RUNNING = 1;
const WAIT_SLOT = 2;
const WAIT_CONNECT = 3;
const WAIT_RESPONSE = 4;
const WAIT_THINK = 5;
const WAIT_DRAIN = 6;
const WAIT_YIELD = 7;
const STOPPED = 8;

const NO_PROGRAM = 0;
const START = 1;
const ITERATION = 2;
const STOP = 3;

type Row = Readonly<Record<string, string>>;

export class VirtualUser implements TemplateContext, Timed, ConnectionOwner, RequestOwner {
  // --- TemplateContext -----------------------------------------------------
  readonly vuId: number;
  iteration = 0;
  readonly vars: Record<string, unknown> = {};
  sent: Readonly<Record<string, unknown>> | null = null;
  readonly counters = new Map<string, number>();

  // --- Timed (owned by the scheduler) ---------------------------------------
  dueAt = 0;
  heapIndex = -1;

  private conn: VuConnection | null = null;
  private state = IDLE;
  private programKind = NO_PROGRAM;
  private program: Program | null = null;
  private pc = 0;
  private readonly loopCount: Int32Array;
  private readonly loopDeadline: Float64Array;
  /** Steps run since the VU last waited on I/O (see LoadOptions.syncStepBudget). */
  private syncSteps = 0;
  private iterationsStarted = 0;
  /** How late the current iteration started (open models), in ms; 0 in closed models. */
  private lagMs = 0;
  /** Intended start of the iteration waiting for onStart, or NaN. */
  private pendingIntended = NaN;
  private pendingIteration = false;
  private startDone = false;
  private readonly feederRows: (Row | undefined)[];
  private readonly feederEpochs: Int32Array;
  private rowEpoch = 0;

  constructor(
    private readonly rt: VuRuntime,
    vuId: number,
    private readonly listener: VuListener,
  ) {
    this.vuId = vuId;
    this.loopCount = new Int32Array(rt.flow.loopDepth);
    this.loopDeadline = new Float64Array(rt.flow.loopDepth);
    const feeders = rt.feeders.cursors.length;
    this.feederRows = new Array<Row | undefined>(feeders).fill(undefined);
    this.feederEpochs = new Int32Array(feeders).fill(-1);
    rt.initialVars(this);
  }

  /** TemplateContext: µs since the Unix epoch. */
  nowMicros(): number {
    return nowMicros();
  }

  /** TemplateContext: this iteration's row of feeder `name` (taken on first use). */
  feederRow(name: string): Row | undefined {
    const i = this.rt.feeders.indexOf(name);
    if (i < 0) return undefined;
    if (this.feederEpochs[i] !== this.rowEpoch) {
      this.feederEpochs[i] = this.rowEpoch;
      this.feederRows[i] = this.rt.feeders.cursors[i]!.take(Math.random);
    }
    return this.feederRows[i];
  }

  /** True when the VU can take work (start, an iteration, stop). */
  get idle(): boolean {
    return this.state === IDLE;
  }

  get stopped(): boolean {
    return this.state === STOPPED;
  }

  /** The open connection, or null. */
  get connection(): VuConnection | null {
    return this.conn !== null && this.conn.isOpen ? this.conn : null;
  }

  /** Runs onStart; `listener.onStarted` follows. Only when idle. */
  start(): void {
    if (this.state !== IDLE) return;
    this.pendingIteration = false;
    this.run(START, this.rt.flow.onStart);
  }

  /**
   * Runs one iteration (after onStart when needed); `listener.onIterationEnd`
   * follows. `intendedAt` (performance.now ms) is the scheduled start in open
   * models — latencies are corrected by how late the iteration began — and
   * null in closed models. Only when idle.
   */
  runIteration(intendedAt: number | null): void {
    if (this.state !== IDLE) return;
    // New feeder rows for this iteration — before onStart, so a session
    // (re)opened for it logs in with the iteration's row.
    if (this.iterationsStarted > 0) this.rowEpoch++;
    if (!this.startDone || (this.rt.flow.onStart.connects && this.connection === null)) {
      this.pendingIteration = true;
      this.pendingIntended = intendedAt ?? NaN;
      this.run(START, this.rt.flow.onStart);
      return;
    }
    this.beginIteration(intendedAt ?? NaN);
  }

  /**
   * While onStart runs (after `start()`), queues one iteration to follow it
   * instead of `listener.onStarted`. Returns false when the VU is not in that
   * situation (the caller must find another VU).
   */
  queueIteration(intendedAt: number): boolean {
    if (this.programKind !== START || this.pendingIteration || this.state === STOPPED) return false;
    this.pendingIteration = true;
    this.pendingIntended = intendedAt;
    return true;
  }

  /**
   * Runs onStop (when the session is open, or onStop needs no session), then
   * closes the connection; `listener.onStopped` follows. Only when idle.
   */
  stop(): void {
    if (this.state !== IDLE) return;
    if (this.connection !== null || !this.rt.flow.onStop.sends) this.run(STOP, this.rt.flow.onStop);
    else this.finish();
  }

  /** Hard stop at any point: timers cancelled, socket destroyed, no listener call. */
  abort(): void {
    if (this.state === STOPPED) return;
    this.state = STOPPED;
    this.program = null;
    this.rt.scheduler.cancel(this);
    this.conn?.destroy();
    this.conn = null;
  }

  private beginIteration(intendedAt: number): void {
    this.iteration = this.iterationsStarted++;
    const late = clockNow() - intendedAt;
    this.lagMs = late > 0 ? late : 0; // NaN (closed model) compares false → 0
    this.run(ITERATION, this.rt.flow.iteration);
  }

  private run(kind: number, program: Program): void {
    this.programKind = kind;
    this.program = program;
    this.pc = 0;
    this.state = RUNNING;
    this.advance();
  }

  /** Runs instructions until one waits or the program ends. */
  private advance(): void {
    const rt = this.rt;
    const instrs = this.program!.instrs;
    for (;;) {
      if (this.pc >= instrs.length) {
        this.programDone(true);
        return;
      }
      if (++this.syncSteps > rt.options.syncStepBudget) {
        this.syncSteps = 0;
        this.state = WAIT_YIELD;
        setImmediate(resumeAfterYield, this);
        return;
      }
      const ins = instrs[this.pc]!;
      switch (ins.op) {
        case Op.Connect: {
          if (this.connection !== null) {
            this.pc++;
            break;
          }
          this.conn = null;
          const now = performance.now();
          const slot = rt.limiter.reserve(now);
          if (slot > now + 0.5) {
            this.state = WAIT_SLOT;
            rt.scheduler.schedule(this, slot);
          } else {
            this.openConnection();
          }
          return;
        }
        case Op.Disconnect:
          this.conn?.close();
          this.conn = null;
          this.pc++;
          break;
        case Op.Ping:
        case Op.Send: {
          const conn = this.connection;
          if (conn === null) {
            rt.recorder.error(ErrorKind.Closed, ins.reqIndex);
            this.programDone(false);
            return;
          }
          if (conn.blocked) {
            this.state = WAIT_DRAIN;
            return;
          }
          const result = issueRequest(rt, conn, ins, this, this, Infinity, this.lagMs);
          if (result === AWAITING) {
            this.state = WAIT_RESPONSE;
            return;
          }
          if (result === FAILED) {
            this.programDone(false);
            return;
          }
          this.pc++;
          break;
        }
        case Op.Think: {
          const ms = ins.sample(Math.random);
          this.pc++;
          if (ms > 0) {
            this.state = WAIT_THINK;
            rt.scheduler.schedule(this, performance.now() + ms);
            return;
          }
          break;
        }
        case Op.Loop: {
          const d = ins.depth;
          this.loopCount[d] = 0;
          this.loopDeadline[d] = ins.durationMs === null ? Infinity : performance.now() + ins.durationMs;
          this.pc = ins.count === 0 || ins.durationMs === 0 ? ins.exit : this.pc + 1;
          break;
        }
        case Op.EndLoop: {
          const d = ins.depth;
          const n = ++this.loopCount[d]!;
          const done =
            (ins.count !== null && n >= ins.count) || (ins.durationMs !== null && performance.now() >= this.loopDeadline[d]!);
          this.pc = done ? this.pc + 1 : ins.body;
          break;
        }
        case Op.Set:
          for (let i = 0; i < ins.names.length; i++) this.vars[ins.names[i]!] = ins.values[i]!(this);
          this.pc++;
          break;
      }
    }
  }

  /** Continues after an asynchronous wait. */
  private resume(): void {
    this.state = RUNNING;
    this.syncSteps = 0;
    this.advance();
  }

  private openConnection(): void {
    this.state = WAIT_CONNECT;
    const conn = new VuConnection(this.rt, this);
    this.conn = conn;
    conn.open(this.rt.endpoint(this.vuId), this.rt.localAddress(this.vuId), this.rt.handshakeValues(this));
  }

  private programDone(ok: boolean): void {
    const kind = this.programKind;
    this.programKind = NO_PROGRAM;
    this.program = null;
    this.state = IDLE;
    switch (kind) {
      case START:
        if (ok) this.startDone = true;
        if (!this.pendingIteration) {
          this.listener.onStarted(this, ok);
        } else if (ok) {
          this.pendingIteration = false;
          this.beginIteration(this.pendingIntended);
        } else {
          this.pendingIteration = false;
          this.listener.onIterationEnd(this, false);
        }
        return;
      case ITERATION:
        if (ok) this.rt.recorder.iterationCompleted();
        this.listener.onIterationEnd(this, ok);
        return;
      case STOP:
        this.finish();
        return;
    }
  }

  private finish(): void {
    this.conn?.close();
    this.conn = null;
    this.state = STOPPED;
    this.listener.onStopped(this);
  }

  // --- Timed ------------------------------------------------------------------

  /** Scheduler: a connect slot or a think time is due. */
  onTimer(): void {
    if (this.state === WAIT_SLOT) this.openConnection();
    else if (this.state === WAIT_THINK) this.resume();
  }

  /** @internal setImmediate after the sync-step budget ran out. */
  resumeFromYield(): void {
    if (this.state === WAIT_YIELD) this.resume();
  }

  // --- ConnectionOwner --------------------------------------------------------

  onSessionOpen(conn: VuConnection): void {
    if (conn !== this.conn || this.state !== WAIT_CONNECT) return;
    this.pc++;
    this.resume();
  }

  onConnectFailed(conn: VuConnection): void {
    if (conn !== this.conn) return;
    this.conn = null;
    if (this.state === WAIT_CONNECT) this.programDone(false);
  }

  onSessionLost(conn: VuConnection): void {
    if (conn !== this.conn) return;
    this.conn = null;
    if (this.state === WAIT_DRAIN) this.programDone(false);
    if (this.state !== STOPPED) this.listener.onSessionLost(this);
  }

  onWritable(conn: VuConnection): void {
    if (conn !== this.conn) return;
    if (this.state === WAIT_DRAIN) this.resume();
    else this.listener.onWritable(this);
  }

  // --- RequestOwner -----------------------------------------------------------

  onResponse(req: PendingRequest, buf: Buffer, offset: number, size: number, decoded: Record<string, unknown> | null): void {
    if (this.state !== WAIT_RESPONSE) return;
    const spec = req.spec!;
    const names = spec.captureNames;
    if (names.length > 0) {
      let fields = decoded;
      for (let j = 0; j < names.length; j++) {
        const reader = spec.captureReaders[j]!;
        if (reader !== null) {
          this.vars[names[j]!] = reader(buf, offset);
        } else {
          fields ??= spec.responseCodec.decode(buf, offset, size);
          this.vars[names[j]!] = fields[spec.captureFields[j]!];
        }
      }
    }
    this.pc++;
    this.resume();
  }

  onRequestFailed(): void {
    if (this.state === WAIT_RESPONSE) this.programDone(false);
  }
}

function resumeAfterYield(vu: VirtualUser): void {
  vu.resumeFromYield();
}
