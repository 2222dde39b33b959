/**
 * Packet ids and the enumerations carried in packets of wire protocol v1.
 *
 * Id ranges (documented in docs/protocol.md):
 *   0x0001–0x00FF  session layer (connect, ping, disconnect notice)
 *   0x0100–0x01FF  game data requests (players, transfers)
 *   0x0200–0x02FF  admin and stats requests
 *   0x1000–0x1FFF  server-to-server (TestServer ↔ DBServer)
 */

/** The protocol version a client sends in SessionConnectReq. */
export const PROTOCOL_VERSION = 1;

export const PacketId = {
  SessionConnectReq: 0x0001,
  SessionConnectRes: 0x0002,
  PingReq: 0x0003,
  PongRes: 0x0004,
  DisconnectNotice: 0x0005,
  /** Game data (protocol/game-packets.ts): players and gold transfers, answered through DBServer. */
  CreatePlayerReq: 0x0100,
  CreatePlayerRes: 0x0101,
  GetPlayerReq: 0x0102,
  GetPlayerRes: 0x0103,
  UpdatePlayerReq: 0x0104,
  UpdatePlayerRes: 0x0105,
  DeletePlayerReq: 0x0106,
  DeletePlayerRes: 0x0107,
  TransferGoldReq: 0x0108,
  TransferGoldRes: 0x0109,
  /** Admin: server counters. Requires the `admin` role (docs/protocol.md). */
  ServerStatsReq: 0x0200,
  ServerStatsRes: 0x0201,
  /** Server-to-server, TestServer → DBServer (protocol/db-packets.ts). */
  DbCreatePlayerReq: 0x1001,
  DbGetPlayerReq: 0x1002,
  DbUpdatePlayerReq: 0x1003,
  DbDeletePlayerReq: 0x1004,
  DbTransferGoldReq: 0x1005,
  DbLogSessionsReq: 0x1006,
  DbStatsReq: 0x1007,
  /** DBServer → TestServer: the one response to every Db*Req, matched by requestId. */
  DbRes: 0x1800,
} as const;
export type PacketId = (typeof PacketId)[keyof typeof PacketId];

/** Human-readable name of a packet id, for logs and metrics labels. */
export function packetName(id: number): string {
  return PACKET_NAMES.get(id) ?? `0x${id.toString(16).padStart(4, '0')}`;
}
const PACKET_NAMES = new Map<number, string>(
  Object.entries(PacketId).map(([name, id]) => [id, name]),
);

/** `result` of SessionConnectRes. */
export const ConnectResult = {
  Ok: 0,
  VersionMismatch: 1,
  AuthFailed: 2,
  ServerFull: 3,
} as const;
export type ConnectResult = (typeof ConnectResult)[keyof typeof ConnectResult];

/** `reason` of DisconnectNotice (0x0005). Stable: never renumber. */
export const DisconnectReason = {
  /** Orderly close requested by the server operator or the peer. */
  Normal: 0,
  /** A packet other than SessionConnectReq arrived before the session was connected. */
  NotConnected: 1,
  /** The size field was below the 4-byte header. */
  SizeTooSmall: 2,
  /** The size field was above the configured maximum packet size. */
  SizeTooLarge: 3,
  /** The packet id is not one the server knows. */
  UnknownPacketId: 4,
  /** The payload does not match its packet's layout. */
  MalformedPayload: 5,
  /** SessionConnectReq did not arrive within the handshake deadline. */
  HandshakeTimeout: 6,
  /** Nothing arrived within the idle timeout. */
  IdleTimeout: 7,
  /** The peer sent more packets per second than the configured limit. */
  RateLimited: 8,
  /** The peer stopped reading and its outbound buffer stayed over the cap past the deadline. */
  SlowConsumer: 9,
  /** The server is shutting down. */
  ServerShutdown: 10,
  /** A second SessionConnectReq on an already connected session. */
  AlreadyConnected: 11,
  /** The handshake was refused (version mismatch, auth failure, server full); sent after SessionConnectRes. */
  HandshakeRejected: 12,
  /** The peer asked for something its role does not allow. */
  Forbidden: 13,
  /** An internal error in the server; the session is closed to protect the others. */
  InternalError: 14,
} as const;
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** Name of a disconnect reason, for logs and metrics labels. */
export function disconnectReasonName(reason: number): string {
  return REASON_NAMES.get(reason) ?? `Unknown(${reason})`;
}
const REASON_NAMES = new Map<number, string>(
  Object.entries(DisconnectReason).map(([name, code]) => [code, name]),
);
