/**
 * Everything the VUs of one phase run share, built once when the phase
 * starts: the compiled flow, the session packets, the worker's scheduler,
 * deadline sweeper and connection-rate limiter, feeders, and the count of
 * live sockets (a phase is over only when every socket it opened is closed).
 */
import type { Catalogue } from '../../protocol/catalogue/index.ts';
import type { MetricsRecorder } from '../metrics/recorder.ts';
import { compileValue, type CompiledValue, type TemplateContext } from '../scenario/templates.ts';
import type { Endpoint, WorkerContext } from '../executors/types.ts';
import type { ConnectionEnv, ConnectionStats } from './connection.ts';
import { ConnectLimiter } from './connect-limiter.ts';
import { VuError, VuErrorCode } from './errors.ts';
import { FeederSet } from './feeders.ts';
import { dedupeWarnings, type LoadOptions } from './options.ts';
import { compileProgram, type CompileEnv, type Program } from './program.ts';
import { Scheduler } from './scheduler.ts';
import { resolveSessionPackets, type SessionPackets } from './session-packets.ts';
import { DeadlineSweeper } from './sweeper.ts';
import type { ClientSecurity } from '../security/client-security.ts';
import { JwtMinter } from '../security/jwt-minter.ts';

/** The scenario flow, compiled. */
export interface CompiledFlow {
  readonly onStart: Program;
  readonly iteration: Program;
  readonly onStop: Program;
  /** Deepest loop nesting over the three programs. */
  readonly loopDepth: number;
}

/**
 * Feeder cursors live per worker for the whole run (keyed by the worker's
 * feeder rows object), so `unique` rows are never reused by a later phase.
 */
const feederSets = new WeakMap<object, FeederSet>();

/** One token minter per worker (keyed by its security settings), so VUs keep their tokens across phases. */
const minters = new WeakMap<ClientSecurity, JwtMinter>();

export class VuRuntime implements ConnectionEnv, CompileEnv {
  readonly catalogue: Catalogue;
  readonly recorder: MetricsRecorder;
  readonly scheduler = new Scheduler();
  readonly sweeper: DeadlineSweeper;
  readonly limiter: ConnectLimiter;
  readonly session: SessionPackets;
  readonly dial: ClientSecurity;
  readonly flow: CompiledFlow;
  readonly feeders: FeederSet;
  readonly options: LoadOptions;
  readonly stats: ConnectionStats = { backpressureStalls: 0 };
  readonly connectTimeoutMs: number;
  readonly closeGraceMs: number;
  readonly warn: (message: string) => void;

  private readonly endpoints: readonly Endpoint[];
  private readonly sourceAddresses: readonly string[];
  private readonly clientVersion: number;
  private readonly token: CompiledValue;
  private readonly minter: JwtMinter | null;
  private readonly variableNames: readonly string[];
  private readonly variableValues: readonly CompiledValue[];
  private liveSockets = 0;
  private closedWaiters: (() => void)[] = [];

  /**
   * @param startAt performance.now() ms of the phase start (the connect limiter's origin)
   * Throws {@link VuError} when the flow does not fit the catalogue or the endpoints are unusable.
   */
  constructor(ctx: WorkerContext, options: LoadOptions, startAt: number) {
    const scenario = ctx.scenario;
    this.catalogue = ctx.catalogue;
    this.recorder = ctx.recorder;
    this.options = options;
    this.warn = dedupeWarnings(options.warn);
    this.endpoints = checkEndpoints(ctx.endpoints);
    this.sourceAddresses = scenario.connect.sourceAddresses;
    if (!(scenario.connect.ratePerSec > 0)) {
      throw new VuError(VuErrorCode.INVALID_CONFIG, 'connect.rate', `must be > 0 connections per second, got ${scenario.connect.ratePerSec}`);
    }
    this.connectTimeoutMs = scenario.connect.timeoutMs;
    this.closeGraceMs = options.closeGraceMs;
    this.clientVersion = scenario.connect.clientVersion;
    this.token = compileValue(scenario.connect.token);
    this.dial = ctx.security;
    this.minter = ctx.security.auth === null ? null : mintersFor(ctx.security);
    this.variableNames = Object.keys(scenario.variables);
    this.variableValues = this.variableNames.map((n) => compileValue(scenario.variables[n]!));
    this.session = resolveSessionPackets(ctx.catalogue);
    const onStart = compileProgram(scenario.flow.onStart, this, 'flow.onStart');
    const iteration = compileProgram(scenario.flow.iteration, this, 'flow.iteration');
    const onStop = compileProgram(scenario.flow.onStop, this, 'flow.onStop');
    this.flow = {
      onStart,
      iteration,
      onStop,
      loopDepth: Math.max(onStart.loopDepth, iteration.loopDepth, onStop.loopDepth),
    };
    let feeders = feederSets.get(ctx.feeders);
    if (feeders === undefined) {
      feeders = new FeederSet(scenario.feeders, ctx.feeders, ctx.segment, this.warn);
      feederSets.set(ctx.feeders, feeders);
    }
    this.feeders = feeders;
    this.sweeper = new DeadlineSweeper(options.sweepIntervalMs);
    this.limiter = new ConnectLimiter(scenario.connect.ratePerSec, ctx.segment, startAt);
  }

  /** The server global VU `vuId` talks to (round-robin over endpoints). */
  endpoint(vuId: number): Endpoint {
    return this.endpoints[vuId % this.endpoints.length]!;
  }

  /** The local address VU `vuId` connects from (round-robin), or undefined for the OS default. */
  localAddress(vuId: number): string | undefined {
    const n = this.sourceAddresses.length;
    return n === 0 ? undefined : this.sourceAddresses[vuId % n];
  }

  /** SessionConnectReq values for a VU, or null when the catalogue has no handshake. */
  handshakeValues(ctx: TemplateContext): Record<string, unknown> | null {
    if (this.session.connectReq === null) return null;
    if (this.minter !== null) return { clientVersion: this.clientVersion, token: this.minter.tokenFor(ctx) };
    const token = this.token(ctx);
    return { clientVersion: this.clientVersion, token: token === undefined || token === null ? '' : token };
  }

  /** A VU's initial `vars`: the scenario variables, evaluated in order (later ones may use earlier ones). */
  initialVars(ctx: TemplateContext & { vars: Record<string, unknown> }): void {
    for (let i = 0; i < this.variableNames.length; i++) {
      ctx.vars[this.variableNames[i]!] = this.variableValues[i]!(ctx);
    }
  }

  /** ConnectionEnv: a socket was created. */
  socketOpened(): void {
    this.liveSockets++;
  }

  /** ConnectionEnv: a socket fully closed. */
  socketClosed(): void {
    this.liveSockets--;
    if (this.liveSockets === 0 && this.closedWaiters.length > 0) {
      const waiters = this.closedWaiters;
      this.closedWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Sockets opened and not yet closed. */
  get openSockets(): number {
    return this.liveSockets;
  }

  /** Resolves once every socket is closed, or after `timeoutMs` (returns false then). */
  whenSocketsClosed(timeoutMs: number): Promise<boolean> {
    if (this.liveSockets === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.closedWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Stops the scheduler and the sweeper (end of phase). */
  dispose(): void {
    this.scheduler.stop();
    this.sweeper.stop();
  }
}

function checkEndpoints(endpoints: readonly Endpoint[]): readonly Endpoint[] {
  if (endpoints.length === 0) {
    throw new VuError(VuErrorCode.INVALID_CONFIG, 'endpoints', 'no server endpoint to connect to (the runner passed an empty list)');
  }
  endpoints.forEach((e, i) => {
    if (typeof e.host !== 'string' || e.host === '' || !Number.isInteger(e.port) || e.port < 1 || e.port > 65_535) {
      throw new VuError(VuErrorCode.INVALID_CONFIG, `endpoints[${i}]`, `invalid endpoint ${JSON.stringify(e)} (need a host and a port 1–65535)`);
    }
  });
  return endpoints;
}

function mintersFor(security: ClientSecurity): JwtMinter {
  let minter = minters.get(security);
  if (minter === undefined) {
    minter = new JwtMinter(security.auth!);
    minters.set(security, minter);
  }
  return minter;
}
