/**
 * Packet handlers keyed by packet id (the seed's MessageHandler).
 *
 * The IO layer frames and dispatches; handlers hold the logic. Lookup is one
 * array index: the table has an entry for all 65,536 ids, unknown ones
 * pointing at a shared sentinel, so the hot path never meets a hole or a
 * Map and the session decides "unknown" with the same comparison that
 * checks the phase.
 *
 * A handler receives a *view*: `buf[offset .. offset + size)` is the whole
 * packet, header included, valid only during the call. It answers by
 * reserving space in the session's batch (`session.reserve`) and writing in
 * place. It may return a promise (an authenticator that awaits); a rejection
 * is handled like a throw.
 *
 * Authorization lives here too, declared once per packet id: an entry
 * registered with `{ role: 'admin' }` runs only for sessions whose
 * `session.role` is exactly that role. The session enforces it in its single
 * dispatch path (never in handlers); an unauthorized request closes the
 * session with DisconnectReason.Forbidden (see docs/security.md).
 */
import { ProtocolError, DisconnectReason, packetName } from '../../protocol/index.ts';
import { ServerError, ServerErrorCode, SessionViolation } from './errors.ts';
import type { Session } from './session.ts';

/** Handles one packet. See the module comment for the contract. */
export type PacketHandler = (session: Session, buf: Buffer, offset: number, size: number) => void | PromiseLike<void>;

/**
 * When a handler may run. Values line up with the session states they
 * accept, so the hot path compares the entry's phase with the session state.
 */
export const HandlerPhase = {
  /** No handler: the id is unknown (sentinel only). */
  Unknown: -1,
  /** In any state before closing (for example a keep-alive). */
  Any: 0,
  /** Only before the session is connected, and only once: the handshake packet. */
  Handshake: 1,
  /** Only once the session is connected (the default). */
  Connected: 2,
} as const;
export type HandlerPhase = (typeof HandlerPhase)[keyof typeof HandlerPhase];

/** One registered handler. */
export interface HandlerEntry {
  readonly id: number;
  readonly fn: PacketHandler;
  readonly phase: HandlerPhase;
  /** Packet name for logs. */
  readonly name: string;
  /** Role a session must hold for this handler to run, or null (any connected session). */
  readonly role: string | null;
}

export interface RegisterOptions {
  /** Default {@link HandlerPhase.Connected}. */
  phase?: HandlerPhase;
  /** Default: the protocol's name for the id, or its hex. */
  name?: string;
  /**
   * Only sessions whose `role` equals this may send the packet; others are
   * closed with Forbidden. Default none. Not allowed with phase Handshake
   * (no identity exists before the handshake).
   */
  role?: string;
}

function unknownHandler(): void {
  // Never called: the session rejects the Unknown phase before dispatching.
}

const UNKNOWN_ENTRY: HandlerEntry = Object.freeze({ id: -1, fn: unknownHandler, phase: HandlerPhase.Unknown, name: 'unknown', role: null });

/** Number of packet ids (u16). */
export const PACKET_ID_SPACE = 0x10000;

export class HandlerRegistry {
  /** Indexed by packet id; every slot is an entry (the sentinel when unknown). Read by the session per packet. */
  readonly entries: readonly HandlerEntry[];
  private readonly table: HandlerEntry[];
  private readonly known: number[] = [];

  constructor() {
    // Array.from builds a packed array, unlike new Array(n) which stays holey.
    this.table = Array.from({ length: PACKET_ID_SPACE }, () => UNKNOWN_ENTRY);
    this.entries = this.table;
  }

  /**
   * Registers `fn` for `id`. Throws NMT_SERVER_HANDLER_CONFLICT for a
   * duplicate, an id outside 0..65535, or a role on a handshake handler.
   */
  register(id: number, fn: PacketHandler, options: RegisterOptions = {}): this {
    if (!Number.isInteger(id) || id < 0 || id >= PACKET_ID_SPACE) {
      throw new ServerError(ServerErrorCode.HANDLER_CONFLICT, `packet id ${id} is outside 0..65535`);
    }
    const existing = this.table[id]!;
    if (existing !== UNKNOWN_ENTRY) {
      throw new ServerError(
        ServerErrorCode.HANDLER_CONFLICT,
        `packet id 0x${id.toString(16).padStart(4, '0')} already has a handler (${existing.name}); register each id once`,
      );
    }
    const phase = options.phase ?? HandlerPhase.Connected;
    const role = options.role ?? null;
    if (role !== null && (typeof role !== 'string' || role === '')) {
      throw new ServerError(ServerErrorCode.HANDLER_CONFLICT, `packet id 0x${id.toString(16).padStart(4, '0')}: role must be a non-empty string`);
    }
    if (role !== null && phase === HandlerPhase.Handshake) {
      throw new ServerError(
        ServerErrorCode.HANDLER_CONFLICT,
        `packet id 0x${id.toString(16).padStart(4, '0')}: a handshake handler cannot require role "${role}" (the session has no identity yet)`,
      );
    }
    this.table[id] = Object.freeze({ id, fn, phase, name: options.name ?? packetName(id), role });
    this.known.push(id);
    return this;
  }

  /** The entry for `id`, or undefined when none is registered. */
  get(id: number): HandlerEntry | undefined {
    const e = this.table[id];
    return e === undefined || e === UNKNOWN_ENTRY ? undefined : e;
  }

  /** Registered ids, in registration order. */
  ids(): readonly number[] {
    return this.known;
  }
}

/** What to do with a handler's exception. */
export interface HandlerFailure {
  /** Reason sent in the DisconnectNotice. */
  reason: DisconnectReason;
  /** Text sent in the DisconnectNotice (short; internal details stay in the log). */
  text: string;
  /** True for a bug in the server (counted and logged as an error), false for a peer violation. */
  internal: boolean;
}

/**
 * Classifies a handler exception: a ProtocolError or SessionViolation is the
 * peer's fault and closes with its reason; anything else is our bug and
 * closes only this session with InternalError.
 */
export function classifyHandlerError(err: unknown): HandlerFailure {
  if (err instanceof ProtocolError || err instanceof SessionViolation) {
    return { reason: err.reason, text: err.message, internal: false };
  }
  return { reason: DisconnectReason.InternalError, text: 'internal server error', internal: true };
}
