/**
 * Test client of the game data packets: one TCP session to a TestServer,
 * many requests in flight, responses matched by `seq`. For tests and the
 * bank test; the harness has its own scenario-driven client.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import {
  ConnectResult,
  FrameDecoder,
  PacketId,
  decodeSessionConnectRes,
  encodeSessionConnectReq,
  type FrameSink,
  type ProtocolError,
} from '../../../protocol/index.ts';
import {
  decodeDeletePlayerRes,
  decodePlayerRes,
  decodeTransferGoldRes,
  encodeCreatePlayerReq,
  encodeDeletePlayerReq,
  encodeGetPlayerReq,
  encodeTransferGoldReq,
  encodeUpdatePlayerReq,
  type DeletePlayerRes,
  type PlayerRes,
  type TransferGoldRes,
  type UpdatePlayerReq,
} from '../../../protocol/game-packets.ts';

type Decoded = PlayerRes | DeletePlayerRes | TransferGoldRes;

interface Waiter {
  resolve: (r: Decoded) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** A new random 16-byte idempotency key. */
export function newKey(): Buffer {
  return randomBytes(16);
}

export class GameClient implements FrameSink {
  private readonly decoder = new FrameDecoder(this);
  private readonly waiters = new Map<number, Waiter>();
  private handshake: ((ok: boolean) => void) | null = null;
  private seq = 1;
  closed = false;

  private constructor(
    readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (c: Buffer) => this.decoder.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      for (const [, w] of this.waiters) {
        clearTimeout(w.timer);
        w.reject(new Error('connection closed'));
      }
      this.waiters.clear();
      this.handshake?.(false);
    });
  }

  /** Connects and completes the handshake; rejects when either fails. */
  static async connect(port: number, timeoutMs = 10_000): Promise<GameClient> {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new GameClient(socket, timeoutMs);
    const ok = await new Promise<boolean>((resolve) => {
      c.handshake = resolve;
      socket.write(encodeSessionConnectReq({ clientVersion: 1, token: '' }));
    });
    if (!ok) throw new Error('handshake refused');
    return c;
  }

  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    if (id === PacketId.SessionConnectRes) {
      const res = decodeSessionConnectRes(buf, offset, size);
      this.handshake?.(res.result === ConnectResult.Ok);
      this.handshake = null;
      return;
    }
    let r: Decoded;
    if (id === PacketId.CreatePlayerRes || id === PacketId.GetPlayerRes || id === PacketId.UpdatePlayerRes) r = decodePlayerRes(buf, offset, size);
    else if (id === PacketId.DeletePlayerRes) r = decodeDeletePlayerRes(buf, offset, size);
    else if (id === PacketId.TransferGoldRes) r = decodeTransferGoldRes(buf, offset, size);
    else return;
    const w = this.waiters.get(r.seq);
    if (w === undefined) return;
    this.waiters.delete(r.seq);
    clearTimeout(w.timer);
    w.resolve(r);
  }

  onFrameError(err: ProtocolError): void {
    this.socket.destroy(err);
  }

  private call<T extends Decoded>(encode: (seq: number) => Buffer): Promise<T> {
    const seq = this.seq++;
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(new Error('connection closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.waiters.delete(seq);
        reject(new Error(`no answer to seq ${seq} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiters.set(seq, { resolve: resolve as (r: Decoded) => void, reject, timer });
      this.socket.write(encode(seq));
    });
  }

  createPlayer(name: string, gold = 0, level = 1, key: Buffer = newKey()): Promise<PlayerRes> {
    return this.call((seq) => encodeCreatePlayerReq({ seq, key, name, level, gold }));
  }
  getPlayer(playerId: number): Promise<PlayerRes> {
    return this.call((seq) => encodeGetPlayerReq({ seq, playerId }));
  }
  updatePlayer(fields: Omit<UpdatePlayerReq, 'seq' | 'key'>, key: Buffer = newKey()): Promise<PlayerRes> {
    return this.call((seq) => encodeUpdatePlayerReq({ seq, key, ...fields }));
  }
  deletePlayer(playerId: number, key: Buffer = newKey()): Promise<DeletePlayerRes> {
    return this.call((seq) => encodeDeletePlayerReq({ seq, key, playerId }));
  }
  transferGold(fromId: number, toId: number, amount: number, key: Buffer = newKey()): Promise<TransferGoldRes> {
    return this.call((seq) => encodeTransferGoldReq({ seq, key, fromId, toId, amount }));
  }

  close(): void {
    this.socket.destroy();
  }
}
