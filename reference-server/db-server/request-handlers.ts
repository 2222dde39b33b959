/**
 * DBServer packet handlers: every Db*Req (0x1001–0x1007) is decoded, run
 * against the {@link Storage}, and answered with one DbRes carrying the same
 * requestId. Requests run concurrently (the handler does not wait for the
 * database before the next packet is read), so responses leave in the order
 * the database finishes them; the requestId lets the caller match them.
 *
 * A storage failure becomes a status (see status.ts), never a closed
 * connection: only a malformed packet (a protocol violation) closes the link.
 */
import { GameStatus } from '../../protocol/game-packets.ts';
import { DbResKind, decodeDbRequest, encodeDbResponse, dbError, type DbOp, type DbRequest, type DbResBody } from '../../protocol/db-packets.ts';
import type { PacketHandler, Session } from '../engine/index.ts';
import { statusOfError } from './status.ts';
import type { Storage } from './storage/index.ts';

/** Counters of the network side, by operation (the storage counts statements). */
export interface DbServerCounters {
  /** Requests received, by operation. */
  requests: Record<DbOp, number>;
  /** Requests answered with a status other than Ok, by operation. */
  failures: Record<DbOp, number>;
  /** Requests whose answer came after the caller's deadline (the caller has given up on it). */
  late: number;
  /** Requests in flight now. */
  inFlight: number;
  /** Answers dropped because the requesting connection had closed. */
  orphaned: number;
}

const OPS: readonly DbOp[] = ['createPlayer', 'getPlayer', 'updatePlayer', 'deletePlayer', 'transferGold', 'logSessions', 'stats'];

/** Fresh zeroed counters. */
export function newCounters(): DbServerCounters {
  const zero = (): Record<DbOp, number> => Object.fromEntries(OPS.map((o) => [o, 0])) as Record<DbOp, number>;
  return { requests: zero(), failures: zero(), late: 0, inFlight: 0, orphaned: 0 };
}

/** Extra data a stats request reports besides the storage's own stats. */
export type ServerSnapshot = () => Record<string, unknown>;

async function run(storage: Storage, req: DbRequest, server: ServerSnapshot): Promise<DbResBody> {
  switch (req.op) {
    case 'createPlayer':
      return { kind: DbResKind.Player, player: await storage.createPlayer({ idempotencyKey: req.idempotencyKey, name: req.name, level: req.level, gold: req.gold }) };
    case 'getPlayer': {
      const p = await storage.getPlayer(req.id);
      if (p === null) throw new NotFound(req.id);
      return { kind: DbResKind.Player, player: p };
    }
    case 'updatePlayer': {
      const { op: _op, ...input } = req;
      return { kind: DbResKind.Player, player: await storage.updatePlayer(input) };
    }
    case 'deletePlayer':
      return { kind: DbResKind.Deleted, playerId: (await storage.deletePlayer({ idempotencyKey: req.idempotencyKey, id: req.id })).id };
    case 'transferGold': {
      const { op: _op, ...input } = req;
      return { kind: DbResKind.Transfer, transfer: await storage.transferGold(input) };
    }
    case 'logSessions':
      return { kind: DbResKind.Accepted, count: (await storage.logSessions(req.entries)).accepted };
    case 'stats': {
      const stats = await storage.stats({ reset: req.reset });
      return { kind: DbResKind.Json, json: JSON.stringify({ storage: stats, server: server() }) };
    }
  }
}

/** getPlayer's "no such row" (the storage returns null rather than throwing). */
class NotFound extends Error {
  constructor(id: number) {
    super(`player ${id} does not exist`);
  }
}

/**
 * The handler for every Db request id. `clock` is ms (monotonic); a request
 * answered after its `deadlineMs` is still answered (the caller discards it)
 * and counted as late.
 */
export function createDbRequestHandler(storage: Storage, counters: DbServerCounters, server: ServerSnapshot, clock: () => number = performance.now.bind(performance)): PacketHandler {
  return function onDbRequest(session: Session, buf: Buffer, offset: number, size: number): void {
    // Throws MALFORMED_PAYLOAD for a bad packet: the engine closes the link (a peer bug, not a storage error).
    const env = decodeDbRequest(buf.readUInt16LE(offset + 2), buf, offset, size);
    const op = env.request.op;
    counters.requests[op]++;
    counters.inFlight++;
    const started = clock();
    run(storage, env.request, server).then(
      (body) => answer(session, counters, env.requestId, op, GameStatus.Ok, body, started, env.deadlineMs, clock),
      (err: unknown) => {
        const status = err instanceof NotFound ? GameStatus.NotFound : statusOfError(err);
        const message = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
        answer(session, counters, env.requestId, op, status, dbError(message), started, env.deadlineMs, clock);
      },
    );
  };
}

function answer(
  session: Session,
  counters: DbServerCounters,
  requestId: number,
  op: DbOp,
  status: number,
  body: DbResBody,
  started: number,
  deadlineMs: number,
  clock: () => number,
): void {
  counters.inFlight--;
  if (status !== GameStatus.Ok) counters.failures[op]++;
  if (deadlineMs > 0 && clock() - started > deadlineMs) counters.late++;
  if (!session.isOpen) {
    counters.orphaned++;
    return;
  }
  let packet: Buffer;
  try {
    packet = encodeDbResponse(requestId, status, body);
  } catch (err) {
    // A result that does not fit a packet (e.g. a huge stats document): answer Internal rather than throw in a callback.
    counters.failures[op]++;
    packet = encodeDbResponse(requestId, GameStatus.Internal, dbError(`response does not fit a packet: ${(err as Error).message}`));
  }
  session.send(packet);
}
