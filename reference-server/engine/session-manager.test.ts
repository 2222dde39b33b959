import { describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../protocol/index.ts';
import { Admission, SessionManager, type ManagedSession } from './session-manager.ts';

class Fake implements ManagedSession {
  notices: number[] = [];
  destroyed = false;
  constructor(
    readonly id: number,
    readonly overCapacity = false,
    private readonly mgr?: SessionManager<Fake>,
  ) {}
  disconnect(reason: DisconnectReason): void {
    this.notices.push(reason);
    this.mgr?.remove(this); // closes synchronously: disconnectAll must iterate a copy
  }
  destroy(): void {
    this.destroyed = true;
  }
}

describe('SessionManager', () => {
  it('allocates increasing unique ids', () => {
    const m = new SessionManager(10, 1);
    const ids = Array.from({ length: 5 }, () => m.allocateId());
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });

  it('admits up to maxSessions, then rejects later, then refuses', () => {
    const m = new SessionManager<Fake>(2, 1);
    expect(m.admission()).toBe(Admission.Admit);
    m.add(new Fake(m.allocateId()));
    m.add(new Fake(m.allocateId()));
    expect(m.count).toBe(2);
    expect(m.admission()).toBe(Admission.RejectLater);
    const over = new Fake(m.allocateId(), true);
    m.add(over);
    expect(m.pendingRejections).toBe(1);
    expect(m.count).toBe(2);
    expect(m.admission()).toBe(Admission.Refuse);
    expect(m.remove(over)).toBe(true);
    expect(m.remove(over)).toBe(false);
    expect(m.pendingRejections).toBe(0);
    expect(m.admission()).toBe(Admission.RejectLater);
  });

  it('looks sessions up by id and rejects duplicates', () => {
    const m = new SessionManager<Fake>(5, 0);
    const s = new Fake(7);
    m.add(s);
    expect(m.get(7)).toBe(s);
    expect(m.get(8)).toBeUndefined();
    expect(() => m.add(new Fake(7))).toThrow(/already registered/);
  });

  it('disconnectAll reaches every session even when they remove themselves', () => {
    const m = new SessionManager<Fake>(5, 5);
    const all = [1, 2, 3].map((id) => new Fake(id, id === 3, m));
    for (const s of all) m.add(s);
    m.disconnectAll(DisconnectReason.ServerShutdown, 'bye');
    expect(all.map((s) => s.notices)).toEqual([[10], [10], [10]]);
    expect(m.size).toBe(0);
    expect(m.count).toBe(0);
    expect(m.pendingRejections).toBe(0);
  });

  it('destroyAll destroys every remaining session', () => {
    const m = new SessionManager<Fake>(5, 5);
    const all = [new Fake(1), new Fake(2, true)];
    for (const s of all) m.add(s);
    m.destroyAll();
    expect(all.every((s) => s.destroyed)).toBe(true);
  });
});
