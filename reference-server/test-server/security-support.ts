/**
 * Support for the security integration tests (`security-*.int.test.ts`):
 *
 * - {@link ControlClient}: a well-behaved client that keeps pinging while an
 *   attack runs and records every round trip, so a test can assert it got
 *   every pong and compare its p99 before and during the attack.
 * - {@link MemorySampler}: peak engine-accounted buffered bytes (what a
 *   hostile peer can make the server hold) and process RSS during an attack.
 * - {@link JwtFixture}: throw-away signing keys, the matching public JWKS
 *   for the server, and a token minter.
 *
 * Loopback only; every loop is bounded in count and time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, base64url, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { ServerEngine } from '../engine/index.ts';
import { RawPeer } from '../testing/raw-peer.ts';
import { sleep } from '../testing/server-fixture.ts';

/** p-th percentile (0–100) by nearest rank; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** How much slower the control client may get under attack: p99 within max(FACTOR × baseline, FLOOR_MS). */
export const P99_FACTOR = 20;
export const P99_FLOOR_MS = 1000;

/** A client that pings every `intervalMs` until stopped; every pong must come within `timeoutMs`. */
export class ControlClient {
  /** Round-trip times in ms, in order. */
  readonly rtts: number[] = [];
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  private constructor(readonly peer: RawPeer) {}

  /** Connects, completes the handshake (with `token` when auth is on) and starts pinging. */
  static async start(port: number, options: { intervalMs?: number; timeoutMs?: number; token?: string } = {}): Promise<ControlClient> {
    const { intervalMs = 10, timeoutMs = 10_000, token = '' } = options;
    const peer = await RawPeer.connect(port);
    const res = await peer.handshake(1, token);
    if (res.result !== 0) throw new Error(`control client refused with result ${res.result}`);
    const c = new ControlClient(peer);
    c.loop = c.run(intervalMs, timeoutMs);
    return c;
  }

  private async run(intervalMs: number, timeoutMs: number): Promise<void> {
    // Bounded: at most 100k pings (~17 min at 10 ms), far beyond any test.
    for (let seq = 0; !this.stopped && seq < 100_000; seq++) {
      const t0 = performance.now();
      try {
        const pong = await this.peer.ping(seq, timeoutMs);
        if (pong.seq !== seq) throw new Error(`control client: pong ${pong.seq} for ping ${seq}`);
      } catch (err) {
        this.failure = err as Error;
        return;
      }
      this.rtts.push(performance.now() - t0);
      await sleep(intervalMs);
    }
  }

  /** Index of the next sample (to split "before" and "during" an attack). */
  mark(): number {
    return this.rtts.length;
  }

  /** Resolves once `n` more pongs arrived (or throws the loop's failure). */
  async waitPongs(n: number, timeoutMs = 20_000): Promise<void> {
    const target = this.rtts.length + n;
    const end = Date.now() + timeoutMs;
    while (this.rtts.length < target) {
      this.throwIfFailed();
      if (Date.now() > end) throw new Error(`control client got ${this.rtts.length - target + n} of ${n} pongs within ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  /** p99 of the samples in [from, to). */
  p99(from: number, to = this.rtts.length): number {
    return percentile(this.rtts.slice(from, to), 99);
  }

  throwIfFailed(): void {
    if (this.failure !== null) throw new Error(`the control client was not served: ${this.failure.message}`);
    if (this.peer.closed) throw new Error('the control client was disconnected');
  }

  /** Stops pinging; throws if any ping went unanswered. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.throwIfFailed();
    this.peer.destroy();
  }
}

/** What {@link measureAttack} found. */
export interface AttackReport {
  baselineP99: number;
  attackP99: number;
  pongsDuring: number;
  /** Peak engine-accounted bytes held for sessions (decoders + unsent output). */
  peakInbound: number;
  peakOutbound: number;
  /** RSS growth from before to the peak during the attack, bytes. */
  rssGrowth: number;
}

/** Samples engine.bufferedBytes() and RSS every `everyMs` until stopped. */
export class MemorySampler {
  peakInbound = 0;
  peakOutbound = 0;
  peakRss = 0;
  readonly rssStart = process.memoryUsage().rss;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly engine: ServerEngine, everyMs = 10) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.sample();
  }

  private sample(): void {
    const b = this.engine.bufferedBytes();
    if (b.inbound > this.peakInbound) this.peakInbound = b.inbound;
    if (b.outbound > this.peakOutbound) this.peakOutbound = b.outbound;
    const rss = process.memoryUsage().rss;
    if (rss > this.peakRss) this.peakRss = rss;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

/**
 * Measures the control client's p99 over `baselinePongs` pongs, runs
 * `attack` while sampling memory, requires `minPongsDuring` pongs during it,
 * and returns the report. The caller asserts on it.
 */
export async function measureAttack(
  engine: ServerEngine,
  control: ControlClient,
  attack: () => Promise<void>,
  options: { baselinePongs?: number; minPongsDuring?: number } = {},
): Promise<AttackReport> {
  const before = control.mark();
  await control.waitPongs(options.baselinePongs ?? 30);
  const baselineP99 = control.p99(before);
  const start = control.mark();
  const mem = new MemorySampler(engine);
  try {
    await attack();
    // The attack may have been quick: make sure pongs flowed while its effects lasted.
    await control.waitPongs(options.minPongsDuring ?? 5);
  } finally {
    mem.stop();
  }
  control.throwIfFailed();
  return {
    baselineP99,
    attackP99: control.p99(start),
    pongsDuring: control.mark() - start,
    peakInbound: mem.peakInbound,
    peakOutbound: mem.peakOutbound,
    rssGrowth: mem.peakRss - mem.rssStart,
  };
}

/** The p99 bound a report must meet. */
export function p99Bound(r: AttackReport): number {
  return Math.max(P99_FACTOR * r.baselineP99, P99_FLOOR_MS);
}

/** Throw-away JWT keys: an HS256 secret, an EdDSA and an ES256 key pair, each with a kid. */
export interface JwtFixture {
  issuer: string;
  audience: string;
  /** What the server loads (`--jwt-keys`): public keys and the shared secret. */
  publicJwks: { keys: JWK[] };
  /** Path of a file holding {@link publicJwks}. */
  jwksFile: string;
  /** Writes another JWKS to the same file (rotation tests). */
  writeJwks(jwks: { keys: JWK[] }): void;
  /** Signs claims (iss, aud, sub, iat, exp filled unless given). `kid` picks the key: hs-1, ed-1 or ec-1. */
  mint(claims?: JWTPayload, kid?: 'hs-1' | 'ed-1' | 'ec-1' | string, key?: CryptoKey | Uint8Array, alg?: string): Promise<string>;
  hsSecret: Uint8Array;
  /** Deletes the temporary JWKS directory. */
  remove(): void;
}

export async function jwtFixture(): Promise<JwtFixture> {
  const issuer = 'https://id.nmt.test';
  const audience = 'nmt-test-server';
  const hsSecret = crypto.getRandomValues(new Uint8Array(32));
  const ed = await generateKeyPair('EdDSA', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const publicJwks = {
    keys: [
      { kty: 'oct', kid: 'hs-1', k: base64url.encode(hsSecret) },
      { ...(await exportJWK(ed.publicKey)), kid: 'ed-1' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' },
    ] as JWK[],
  };
  const dir = mkdtempSync(join(tmpdir(), 'nmt-jwks-'));
  const jwksFile = join(dir, 'keys.json');
  const writeJwks = (jwks: { keys: JWK[] }): void => writeFileSync(jwksFile, JSON.stringify(jwks));
  writeJwks(publicJwks);
  const signing: Record<string, { key: CryptoKey | Uint8Array; alg: string }> = {
    'hs-1': { key: hsSecret, alg: 'HS256' },
    'ed-1': { key: ed.privateKey, alg: 'EdDSA' },
    'ec-1': { key: ec.privateKey, alg: 'ES256' },
  };
  const mint: JwtFixture['mint'] = (claims = {}, kid = 'hs-1', key, alg) => {
    const s = signing[kid];
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: issuer, aud: audience, sub: 'player-1', iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: alg ?? s?.alg ?? 'HS256', kid })
      .sign(key ?? s!.key);
  };
  return { issuer, audience, publicJwks, jwksFile, writeJwks, mint, hsSecret, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
