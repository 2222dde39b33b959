/**
 * Token bucket for the per-session packet rate limit.
 *
 * The bucket holds up to `burst` tokens and gains `ratePerSecond` tokens per
 * second; every packet takes one. The session refills once per socket chunk
 * (one clock read per chunk, not per packet) and takes once per packet, so the
 * per-packet cost is a compare and a subtract.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly ratePerMs: number;
  private tokens: number;
  private last: number;

  /** Starts full at time `nowMs` (any monotonic millisecond clock). */
  constructor(ratePerSecond: number, burst: number, nowMs: number) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError(`TokenBucket needs ratePerSecond > 0 and burst >= 1, got ${ratePerSecond} and ${burst}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.ratePerMs = ratePerSecond / 1000;
    this.tokens = burst;
    this.last = nowMs;
  }

  /** Tokens available now (fractional between refills). */
  get available(): number {
    return this.tokens;
  }

  /** Adds the tokens earned since the last refill, capped at `burst`. A clock going backwards adds nothing. */
  refill(nowMs: number): void {
    const elapsed = nowMs - this.last;
    if (elapsed <= 0) return;
    const t = this.tokens + elapsed * this.ratePerMs;
    this.tokens = t < this.burst ? t : this.burst;
    this.last = nowMs;
  }

  /** Takes one token; false when the bucket is empty (the packet is over the limit). */
  take(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
