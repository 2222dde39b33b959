/**
 * Engine counters: plain numbers and typed arrays indexed by packet id or
 * disconnect reason, incremented on the hot path and rendered only when
 * scraped (see prometheus.ts). Nothing here allocates per packet.
 */

/** Each limit that can fire, as an index into {@link EngineMetrics.limitHits}. */
export const Limit = {
  MaxSessions: 0,
  MaxPendingRejections: 1,
  MaxPacketSize: 2,
  HandshakeTimeout: 3,
  IdleTimeout: 4,
  RateLimit: 5,
  BackpressurePause: 6,
  OutboundHardLimit: 7,
  SlowConsumer: 8,
  CloseGrace: 9,
} as const;
export type Limit = (typeof Limit)[keyof typeof Limit];

/** Metric label of each {@link Limit}, by index. */
export const LIMIT_LABELS: readonly string[] = [
  'max_sessions',
  'max_pending_rejections',
  'max_packet_size',
  'handshake_timeout',
  'idle_timeout',
  'rate_limit',
  'backpressure_pause',
  'outbound_hard_limit',
  'slow_consumer',
  'close_grace',
];

/** Slots for DisconnectReason values (u16 on the wire; the catalogue uses far fewer). */
export const REASON_SLOTS = 64;

export class EngineMetrics {
  /** Connections accepted by the transport (admitted or not). */
  connectionsAccepted = 0;
  /** Sessions admitted (within maxSessions). */
  sessionsOpened = 0;
  /** Sessions whose handshake succeeded. */
  sessionsConnected = 0;
  /** Packets and bytes received per packet id (registered ids only; unknown ids count as violations). */
  readonly packetsIn = new Float64Array(0x10000);
  readonly bytesIn = new Float64Array(0x10000);
  /** Packets and bytes queued for sending per packet id. */
  readonly packetsOut = new Float64Array(0x10000);
  readonly bytesOut = new Float64Array(0x10000);
  /** Raw socket bytes, whatever they contained. */
  bytesReceived = 0;
  bytesSent = 0;
  /** Bytes received while closing, read only to let the peer see our notice (lingering close). */
  bytesDiscarded = 0;
  /** Socket writes issued by the batch flush. */
  socketWrites = 0;
  /** Peer protocol violations by DisconnectReason. */
  readonly violations = new Float64Array(REASON_SLOTS);
  /** Sessions closed by the server, by the DisconnectReason sent. */
  readonly disconnects = new Float64Array(REASON_SLOTS);
  /** Sessions closed by the peer (FIN) without a server notice. */
  disconnectsByPeer = 0;
  /** Sessions closed by a transport error (reset, EPIPE) without a server notice. */
  disconnectsByTransportError = 0;
  /** Times each limit fired. */
  readonly limitHits = new Float64Array(LIMIT_LABELS.length);
  /** Handler exceptions that were not protocol violations (server bugs). */
  handlerErrors = 0;
  /** Exceptions from session hooks. */
  hookErrors = 0;
  /** Sessions paused for backpressure right now. */
  sessionsPaused = 0;
  /** Largest unsent output seen for any one session (bytes), since start. */
  outboundPeakBytes = 0;

  /** One packet received (called per packet: small enough for V8 to inline). */
  countIn(id: number, size: number): void {
    this.packetsIn[id]!++;
    this.bytesIn[id]! += size;
  }

  /** One packet queued for sending. */
  countOut(id: number, size: number): void {
    this.packetsOut[id]!++;
    this.bytesOut[id]! += size;
  }

  /** A limit fired. */
  hit(limit: Limit): void {
    this.limitHits[limit]!++;
  }

  /** A peer protocol violation. */
  violation(reason: number): void {
    this.violations[reason]!++;
  }

  /** A session closed by the server with `reason`. */
  disconnect(reason: number): void {
    this.disconnects[reason]!++;
  }

  /** Total of the per-id packet counters (tests, summaries). */
  totalPacketsIn(): number {
    return sum(this.packetsIn);
  }

  totalPacketsOut(): number {
    return sum(this.packetsOut);
  }
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
