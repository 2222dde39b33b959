import { afterEach, describe, expect, it } from 'vitest';
import { DbResKind, type DbRequest, type DbResponse } from '../../protocol/db-packets.ts';
import { GameStatus } from '../../protocol/game-packets.ts';
import type { DbClient } from './db-client.ts';
import { SessionLogForwarder } from './db-session-log.ts';

/** A DbClient stand-in answering logSessions with the given statuses in turn (then Ok). */
function fakeDb(statuses: number[]): { db: DbClient; batches: DbRequest[] } {
  const batches: DbRequest[] = [];
  const db = {
    request(req: DbRequest): Promise<DbResponse> {
      batches.push(req);
      const status = statuses.shift() ?? GameStatus.Ok;
      return Promise.resolve({ version: 1, requestId: 0, status, body: { kind: DbResKind.Accepted, count: 0 } });
    },
  } as unknown as DbClient;
  return { db, batches };
}

const forwarders: SessionLogForwarder[] = [];
afterEach(() => {
  for (const f of forwarders.splice(0)) f.close();
});

function forwarder(db: DbClient, options: ConstructorParameters<typeof SessionLogForwarder>[1] = {}): SessionLogForwarder {
  const f = new SessionLogForwarder(db, { flushIntervalMs: 60_000, ...options });
  forwarders.push(f);
  return f;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SessionLogForwarder', () => {
  it('sends queued entries as one batch with unique keys', async () => {
    const { db, batches } = fakeDb([]);
    const f = forwarder(db);
    f.connected(1, '127.0.0.1:5000');
    f.connected(2, '127.0.0.1:5001');
    f.flush();
    await tick();
    expect(batches).toHaveLength(1);
    const b = batches[0] as Extract<DbRequest, { op: 'logSessions' }>;
    expect(b.entries.map((e) => [e.sessionId, e.event, e.detail])).toEqual([
      [1, 'connect', '127.0.0.1:5000'],
      [2, 'connect', '127.0.0.1:5001'],
    ]);
    expect(new Set(b.entries.map((e) => e.key)).size).toBe(2);
    expect(f.stats.stored).toBe(2);
  });

  it('retries a failed batch with the same keys', async () => {
    const { db, batches } = fakeDb([GameStatus.DbUnavailable]);
    const f = forwarder(db);
    f.connected(7, 'x');
    f.flush();
    await tick();
    expect(f.pending).toBe(1);
    f.flush();
    await tick();
    const [first, second] = batches as Extract<DbRequest, { op: 'logSessions' }>[];
    expect(second!.entries[0]!.key).toBe(first!.entries[0]!.key);
    expect(f.stats).toMatchObject({ stored: 1, failedBatches: 1, dropped: 0 });
  });

  it('drops a batch DBServer refuses as Invalid instead of retrying it forever', async () => {
    const { db } = fakeDb([GameStatus.Invalid]);
    const f = forwarder(db);
    f.connected(1, 'x');
    f.flush();
    await tick();
    expect(f.pending).toBe(0);
    expect(f.stats.dropped).toBe(1);
  });

  it('flushes at maxBatch and keeps at most maxPending entries', async () => {
    const { db, batches } = fakeDb([]);
    const f = forwarder(db, { maxBatch: 3, maxPending: 4 });
    for (let i = 0; i < 3; i++) f.connected(i, 'x');
    expect(batches).toHaveLength(1); // the third entry triggered a flush
    for (let i = 3; i < 10; i++) f.connected(i, 'x'); // one batch in flight: these queue, bounded
    expect(f.pending).toBeLessThanOrEqual(4);
    expect(f.stats.dropped).toBeGreaterThan(0);
  });
});
