/**
 * The VU clock: `performance.now()`, read once per socket read instead of
 * once per packet.
 *
 * A read delivers every response that arrived together; they are matched,
 * recorded and answered by new requests in one synchronous pass, and the
 * new requests are written right after it (one write per connection per
 * turn). Reading the clock once for that pass — at the read — instead of
 * 3–4 times per response removed ~7 % of the harness's CPU at 16 requests in
 * flight (docs/performance.md). The error it allows is bounded by the time
 * of that pass (µs), and latency is then measured to the read that
 * delivered the response, which is when it arrived.
 *
 *   onSocketRead ─ beginRead() ─▶ decode ─▶ match ─▶ record ─▶ issue … ─ endRead()
 *                   now() = the read's instant            outside: now() = performance.now()
 */

/** performance.now() of the read being handled; NaN outside a read. */
let readNow = NaN;

/** µs of the performance clock's origin since the Unix epoch (constant for the process). */
const ORIGIN_MICROS = performance.timeOrigin * 1000;

/** Now (performance.now ms): the current read's instant during a read, else the live clock. */
export function now(): number {
  // NaN !== NaN: outside a read.
  return readNow === readNow ? readNow : performance.now();
}

/** µs since the Unix epoch, on the same clock as {@link now} (PingReq clientTime). */
export function nowEpochMicros(): number {
  return Math.round(ORIGIN_MICROS + now() * 1000);
}

/** Starts a read's pass: {@link now} returns this instant until {@link endRead}. */
export function beginRead(): void {
  readNow = performance.now();
}

/** Ends the read's pass: {@link now} follows the live clock again. */
export function endRead(): void {
  readNow = NaN;
}
