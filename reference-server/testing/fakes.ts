/**
 * In-memory stand-ins for unit tests of the session layer: a Connection
 * that records writes and lets the test drive events, and a SessionHost
 * built from the real registry, metrics, flush scheduler and timer wheel
 * with a manual clock.
 */
import { FrameDecoder, type ProtocolError } from '../../protocol/index.ts';
import { resolveLimits, type EngineLimits } from '../engine/config.ts';
import { FlushScheduler } from '../engine/flush-scheduler.ts';
import { HandlerRegistry } from '../engine/handler-registry.ts';
import { silentLogger } from '../engine/logger.ts';
import { EngineMetrics } from '../engine/metrics.ts';
import type { CloseInfo, PacketHook, Session, SessionHost } from '../engine/session.ts';
import { TimerWheel } from '../engine/timer-wheel.ts';
import type { Connection, ConnectionEvents } from '../engine/transport.ts';
import type { ReceivedPacket } from './raw-peer.ts';

/** A Connection that records what the session does to it. */
export class FakeConnection implements Connection {
  readonly remoteAddress = '192.0.2.1:4242';
  /** Set by tests to simulate bytes stuck in the socket. */
  writableLength = 0;
  events: ConnectionEvents | null = null;
  readonly writes: Buffer[] = [];
  paused = false;
  ended = false;
  destroyed = false;
  pauseCalls = 0;
  resumeCalls = 0;
  corked = 0;

  get writable(): boolean {
    return !this.ended && !this.destroyed;
  }

  attach(events: ConnectionEvents): void {
    this.events = events;
  }

  write(buf: Buffer): boolean {
    if (!this.writable) return false;
    this.writes.push(Buffer.from(buf));
    return true;
  }

  cork(): void {
    this.corked++;
  }

  uncork(): void {
    this.corked--;
  }

  pause(): void {
    this.paused = true;
    this.pauseCalls++;
  }

  resume(): void {
    this.paused = false;
    this.resumeCalls++;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** Delivers the close event as the transport would. */
  fireClose(err: Error | null = null): void {
    this.events?.onClose(err);
  }

  /** Everything written so far, as decoded packets. */
  packets(): ReceivedPacket[] {
    return decodePackets(Buffer.concat(this.writes));
  }
}

/** Splits a byte stream into packets (throws on a framing error: the server must never send one). */
export function decodePackets(bytes: Buffer): ReceivedPacket[] {
  const out: ReceivedPacket[] = [];
  let error: ProtocolError | null = null;
  const decoder = new FrameDecoder({
    onFrame(buf, offset, size, id) {
      out.push({ id, bytes: Buffer.from(buf.subarray(offset, offset + size)) });
    },
    onFrameError(err) {
      error = err;
    },
  });
  decoder.push(bytes);
  if (error !== null) throw error;
  if (decoder.bufferedBytes > 0) throw new Error(`${decoder.bufferedBytes} trailing bytes do not form a packet`);
  return out;
}

/** A SessionHost with a manual clock. */
export interface TestHost extends SessionHost {
  readonly connected: Session[];
  readonly closed: { session: Session; info: CloseInfo }[];
  now: number;
  /** Moves the clock forward and sweeps the timer wheel. */
  advance(ms: number): void;
  onPacketHook: PacketHook | null;
}

export function createTestHost(limits: Partial<EngineLimits> = {}): TestHost {
  const resolved = resolveLimits(limits);
  const rethrow = (err: unknown): never => {
    throw err;
  };
  const host: TestHost = {
    limits: resolved,
    registry: new HandlerRegistry(),
    metrics: new EngineMetrics(),
    log: silentLogger(),
    tracePackets: false,
    debugEnabled: false,
    flusher: new FlushScheduler<Session>(rethrow),
    timers: new TimerWheel<Session>({
      tickMs: resolved.timerResolutionMs,
      startMs: 1000,
      onExpire: (s, t) => s.onTimer(t),
      onError: rethrow,
    }),
    onPacketHook: null,
    connected: [],
    closed: [],
    now: 1000,
    clock() {
      return host.now;
    },
    sessionConnected(session) {
      host.connected.push(session);
    },
    sessionClosed(session, info) {
      host.closed.push({ session, info });
    },
    advance(ms) {
      host.now += ms;
      host.timers.advance(host.now);
    },
  };
  return host;
}
