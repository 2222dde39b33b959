/**
 * TestServer's game data handlers (0x0100–0x01FF): each client request is
 * forwarded to DBServer through the {@link DbClient} and answered with the
 * matching response carrying the client's `seq` and a {@link GameStatus}.
 *
 * Without a database (`--db` not given) every request is answered at once
 * with NoDatabase: a clear answer, not a dropped packet or a closed session.
 * The 16-byte idempotency key of a write becomes the storage key as 32 hex
 * characters, so a client's retry with the same key maps to the same
 * stored result whichever TestServer it reaches.
 */
import { PacketId } from '../../protocol/index.ts';
import { DbResKind, type DbRequest, type DbResponse } from '../../protocol/db-packets.ts';
import {
  GameStatus,
  decodeCreatePlayerReq,
  decodeDeletePlayerReq,
  decodeGetPlayerReq,
  decodeTransferGoldReq,
  decodeUpdatePlayerReq,
  encodeDeletePlayerRes,
  encodePlayerRes,
  encodeTransferGoldRes,
  type PlayerResId,
} from '../../protocol/game-packets.ts';
import type { HandlerRegistry, PacketHandler, Session } from '../engine/index.ts';
import type { DbClient } from './db-client.ts';

/** The storage idempotency key of a 16-byte wire key. */
export function storageKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}

function sendIfOpen(session: Session, packet: Buffer): void {
  // The client may have left while the database worked; its answer is dropped.
  if (session.isOpen) session.send(packet);
}

const NO_DB: DbResponse = Object.freeze({ version: 0, requestId: 0, status: GameStatus.NoDatabase, body: { kind: DbResKind.Error, message: 'no database configured' } });

function forward(db: DbClient | null, req: DbRequest): Promise<DbResponse> {
  return db === null ? Promise.resolve(NO_DB) : db.request(req);
}

function playerHandler(db: DbClient | null, resId: PlayerResId, toRequest: (buf: Buffer, offset: number, size: number) => { seq: number; req: DbRequest }): PacketHandler {
  return function onPlayerReq(session: Session, buf: Buffer, offset: number, size: number): void {
    // A malformed packet throws ProtocolError here: the engine closes the session with MalformedPayload.
    const { seq, req } = toRequest(buf, offset, size);
    void forward(db, req).then((res) => {
      const player = res.status === GameStatus.Ok && res.body.kind === DbResKind.Player ? res.body.player : null;
      sendIfOpen(session, encodePlayerRes(resId, { seq, status: player === null && res.status === GameStatus.Ok ? GameStatus.Internal : res.status, player }));
    });
  };
}

/**
 * Registers the five game data requests on `registry`, forwarding to `db`
 * (null = answer NoDatabase).
 */
export function registerDbHandlers(registry: HandlerRegistry, db: DbClient | null): void {
  registry
    .register(
      PacketId.CreatePlayerReq,
      playerHandler(db, PacketId.CreatePlayerRes, (b, o, s) => {
        const r = decodeCreatePlayerReq(b, o, s);
        return { seq: r.seq, req: { op: 'createPlayer', idempotencyKey: storageKey(r.key), name: r.name, level: r.level, gold: r.gold } };
      }),
    )
    .register(
      PacketId.GetPlayerReq,
      playerHandler(db, PacketId.GetPlayerRes, (b, o, s) => {
        const r = decodeGetPlayerReq(b, o, s);
        return { seq: r.seq, req: { op: 'getPlayer', id: r.playerId } };
      }),
    )
    .register(
      PacketId.UpdatePlayerReq,
      playerHandler(db, PacketId.UpdatePlayerRes, (b, o, s) => {
        const { seq, key, playerId, ...fields } = decodeUpdatePlayerReq(b, o, s);
        return { seq, req: { op: 'updatePlayer', idempotencyKey: storageKey(key), id: playerId, ...fields } };
      }),
    )
    .register(PacketId.DeletePlayerReq, function onDeletePlayerReq(session: Session, buf: Buffer, offset: number, size: number): void {
      const r = decodeDeletePlayerReq(buf, offset, size);
      void forward(db, { op: 'deletePlayer', idempotencyKey: storageKey(r.key), id: r.playerId }).then((res) => {
        sendIfOpen(session, encodeDeletePlayerRes({ seq: r.seq, status: res.status, playerId: res.status === GameStatus.Ok ? r.playerId : 0 }));
      });
    })
    .register(PacketId.TransferGoldReq, function onTransferGoldReq(session: Session, buf: Buffer, offset: number, size: number): void {
      const r = decodeTransferGoldReq(buf, offset, size);
      void forward(db, { op: 'transferGold', idempotencyKey: storageKey(r.key), fromId: r.fromId, toId: r.toId, amount: r.amount }).then((res) => {
        const t = res.status === GameStatus.Ok && res.body.kind === DbResKind.Transfer ? res.body.transfer : null;
        sendIfOpen(session, encodeTransferGoldRes({ seq: r.seq, status: t === null && res.status === GameStatus.Ok ? GameStatus.Internal : res.status, fromGold: t?.fromGold ?? 0, toGold: t?.toGold ?? 0 }));
      });
    });
}
