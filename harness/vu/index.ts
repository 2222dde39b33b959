/**
 * Virtual users: connections, the flow interpreter and the per-worker timing
 * machinery the executors build on. See docs/load-models.md.
 */
export { VirtualUser, type VuListener } from './virtual-user.ts';
export { VuRuntime, type CompiledFlow } from './runtime.ts';
export { VuConnection, type ConnectionEnv, type ConnectionOwner, type ConnectionStats } from './connection.ts';
export { compileProgram, compileRequest, Op, type Program, type RequestInstr } from './program.ts';
export { compileExpect, sameValue, PendingRequest, type ExpectSpec, type RequestOwner } from './expect.ts';
export { Scheduler, type Timed } from './scheduler.ts';
export { DeadlineSweeper, type Sweepable } from './sweeper.ts';
export { ConnectLimiter } from './connect-limiter.ts';
export { FeederCursor, FeederSet } from './feeders.ts';
export { thinkSampler, type ThinkSampler } from './think.ts';
export { noticeErrorKind, handshakeErrorKind, connectErrorKind } from './session-packets.ts';
export { DEFAULT_LOAD_OPTIONS, resolveLoadOptions, type LoadOptions } from './options.ts';
export { VuError, VuErrorCode } from './errors.ts';
