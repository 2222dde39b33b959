/**
 * The VU clock and the read pass: `performance.now()` read once per socket
 * read instead of once per packet, and the writes a read causes flushed
 * when its pass ends.
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
 *   onSocketRead ─ beginRead() ─▶ decode ─▶ match ─▶ record ─▶ issue … ─ endRead() ─▶ flushes
 *                   now() = the read's instant            outside: now() = performance.now()
 *
 * The new requests of a pass are written when it ends: a connection with
 * packets queued registers with {@link flushAtReadEnd} and `endRead()`
 * flushes each once — one write per connection per read, the same batching
 * a `process.nextTick` flush gives (Node drains the tick queue after each
 * read callback), without the tick machinery per read (queueing the tick,
 * `processTicksAndRejections`, the promise-rejection and microtask checks:
 * ~4 % of the harness's user time at 16 in flight). Outside a read (a timer,
 * a drain) nothing is registered and the caller flushes on the next tick.
 */

/** performance.now() of the read being handled; NaN outside a read. */
let readNow = NaN;

/** What {@link endRead} flushes: a connection with packets queued during the pass. */
export interface ReadEndFlush {
  flush(): void;
}

/**
 * Flushes registered during the current pass, in order: slots 0..pendingCount-1.
 * The array keeps its size between passes (setting `length = 0` would free
 * and regrow its storage on every read); used slots are cleared to null.
 */
const pendingFlushes: (ReadEndFlush | null)[] = [];
let pendingCount = 0;

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

/**
 * Registers `target` to be flushed when the current read's pass ends; false
 * (nothing registered) outside a read. Callers register a target at most
 * once per pass (a connection keeps a "flush queued" flag).
 */
export function flushAtReadEnd(target: ReadEndFlush): boolean {
  // NaN !== NaN: outside a read.
  if (readNow !== readNow) return false;
  pendingFlushes[pendingCount++] = target;
  return true;
}

/**
 * Ends the read's pass: {@link now} follows the live clock again, and every
 * registered target is flushed, in order. A flush that throws does not keep
 * the others from flushing (each connection would otherwise wait forever
 * for its queued flush); the first error is rethrown afterwards.
 */
export function endRead(): void {
  readNow = NaN;
  let failed = false;
  let failure: unknown;
  // Outside a read now, so a flush cannot register another target.
  const count = pendingCount;
  pendingCount = 0;
  for (let i = 0; i < count; i++) {
    const target = pendingFlushes[i]!;
    pendingFlushes[i] = null;
    try {
      target.flush();
    } catch (err) {
      if (!failed) {
        failed = true;
        failure = err;
      }
    }
  }
  if (failed) throw failure;
}
