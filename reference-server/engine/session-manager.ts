/**
 * The set of live sessions: id allocation, admission against the session
 * limit, lookup, and closing everything at shutdown.
 *
 * Two populations are tracked:
 *   admitted    counted against `maxSessions`
 *   rejecting   accepted while full; they wait (bounded by the handshake
 *               deadline and by `maxPendingRejections`) for their
 *               SessionConnectReq so it can be answered SERVER_FULL
 */
import type { DisconnectReason } from '../../protocol/index.ts';

/** What the manager needs from a session (Session implements it). */
export interface ManagedSession {
  readonly id: number;
  readonly overCapacity: boolean;
  disconnect(reason: DisconnectReason, text: string): void;
  destroy(): void;
}

/** Outcome of {@link SessionManager.admission} for a new connection. */
export const Admission = {
  /** Within the limit: a normal session. */
  Admit: 0,
  /** Full: keep it only to answer SERVER_FULL. */
  RejectLater: 1,
  /** Full and too many waiting rejections: close at once. */
  Refuse: 2,
} as const;
export type Admission = (typeof Admission)[keyof typeof Admission];

export class SessionManager<S extends ManagedSession = ManagedSession> {
  readonly maxSessions: number;
  readonly maxPendingRejections: number;
  private readonly byId = new Map<number, S>();
  /** Next id. A double counts exactly to 2^53, far beyond any process lifetime. */
  private nextId = 1;
  private admitted = 0;
  private rejecting = 0;

  constructor(maxSessions: number, maxPendingRejections: number) {
    this.maxSessions = maxSessions;
    this.maxPendingRejections = maxPendingRejections;
  }

  /** Admitted sessions open now (closing ones included until their socket closes). */
  get count(): number {
    return this.admitted;
  }

  /** Over-capacity connections waiting for their SERVER_FULL answer. */
  get pendingRejections(): number {
    return this.rejecting;
  }

  /** Every tracked session, admitted or not. */
  get size(): number {
    return this.byId.size;
  }

  /** Whether a new connection may become a session now. */
  admission(): Admission {
    if (this.admitted < this.maxSessions) return Admission.Admit;
    return this.rejecting < this.maxPendingRejections ? Admission.RejectLater : Admission.Refuse;
  }

  /** A fresh session id. */
  allocateId(): number {
    return this.nextId++;
  }

  add(session: S): void {
    if (this.byId.has(session.id)) throw new Error(`session id ${session.id} is already registered`);
    this.byId.set(session.id, session);
    if (session.overCapacity) this.rejecting++;
    else this.admitted++;
  }

  /** Removes a session; returns false when it was not tracked (already removed). */
  remove(session: S): boolean {
    if (this.byId.get(session.id) !== session) return false;
    this.byId.delete(session.id);
    if (session.overCapacity) this.rejecting--;
    else this.admitted--;
    return true;
  }

  get(id: number): S | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<S> {
    return this.byId.values();
  }

  /** Sends every session a DisconnectNotice with `reason` and starts closing it. */
  disconnectAll(reason: DisconnectReason, text: string): void {
    // Copy first: a disconnect may close synchronously and remove itself.
    for (const s of [...this.byId.values()]) s.disconnect(reason, text);
  }

  /** Destroys every remaining session's socket (shutdown deadline). */
  destroyAll(): void {
    for (const s of [...this.byId.values()]) s.destroy();
  }
}
