/**
 * Protocol errors. Every error carries a stable `code` (tests and callers
 * match on it, never on the message) and, where the peer must be told, the
 * {@link DisconnectReason} the server sends in its DisconnectNotice.
 */
import { DisconnectReason } from './packet-ids.ts';

/** Stable error codes of the wire layer. Documented in docs/protocol.md. */
export const ProtocolErrorCode = {
  SIZE_TOO_SMALL: 'NMT_PROTO_SIZE_TOO_SMALL',
  SIZE_TOO_LARGE: 'NMT_PROTO_SIZE_TOO_LARGE',
  UNKNOWN_PACKET_ID: 'NMT_PROTO_UNKNOWN_PACKET_ID',
  MALFORMED_PAYLOAD: 'NMT_PROTO_MALFORMED_PAYLOAD',
  VALUE_OUT_OF_RANGE: 'NMT_PROTO_VALUE_OUT_OF_RANGE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

const REASON_OF: Record<ProtocolErrorCode, DisconnectReason> = {
  NMT_PROTO_SIZE_TOO_SMALL: DisconnectReason.SizeTooSmall,
  NMT_PROTO_SIZE_TOO_LARGE: DisconnectReason.SizeTooLarge,
  NMT_PROTO_UNKNOWN_PACKET_ID: DisconnectReason.UnknownPacketId,
  NMT_PROTO_MALFORMED_PAYLOAD: DisconnectReason.MalformedPayload,
  NMT_PROTO_VALUE_OUT_OF_RANGE: DisconnectReason.MalformedPayload,
};

/** A violation of the wire format, raised by the decoder or a packet reader. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** The reason the server reports to the peer before closing. */
  readonly reason: DisconnectReason;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.reason = REASON_OF[code];
  }
}
