import { describe, expect, it } from 'vitest';
import { PING_REQ_SIZE, PacketId, decodePingReq, encodePongRes } from '../../protocol/index.ts';
import { ClientError, ClientErrorCode } from './errors.ts';
import { PingRun, type PingRunHost } from './ping-run.ts';

/** Records writes instead of touching a socket; seqs come from `seqs` when given. */
class FakeHost implements PingRunHost {
  writes: Buffer[] = [];
  packets = 0;
  full = false;
  ended: PingRun[] = [];
  private next = 0;
  constructor(private readonly seqs: number[] = []) {}
  allocSeq(): number {
    return this.seqs.length !== 0 ? this.seqs.shift()! : this.next++;
  }
  writeOut(bytes: Buffer, packets: number): boolean {
    this.writes.push(Buffer.from(bytes));
    this.packets += packets;
    return !this.full;
  }
  endpoint(): string {
    return 'fake:1';
  }
  runEnded(run: PingRun): void {
    this.ended.push(run);
  }
  /** Seqs of the pings in write `i`, checking each is a well-formed PingReq. */
  pingsIn(i: number): number[] {
    const buf = this.writes[i]!;
    expect(buf.length % PING_REQ_SIZE).toBe(0);
    const seqs: number[] = [];
    for (let o = 0; o < buf.length; o += PING_REQ_SIZE) {
      expect(buf.readUInt16LE(o)).toBe(PING_REQ_SIZE);
      expect(buf.readUInt16LE(o + 2)).toBe(PacketId.PingReq);
      seqs.push(decodePingReq(buf, o, PING_REQ_SIZE).seq);
    }
    return seqs;
  }
}

const pong = (seq: number, serverTime = 1_700_000_000_000_000): Buffer =>
  encodePongRes({ clientTime: 0, serverTime, seq });

async function rejection(p: Promise<unknown>): Promise<ClientError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClientError);
  return err as ClientError;
}

describe('PingRun', () => {
  it('keeps the window full, matches out-of-order pongs and writes each refill as one write', async () => {
    const host = new FakeHost();
    const run = new PingRun(host, 10, { inFlight: 4 });
    const done = run.start();
    expect(host.pingsIn(0)).toEqual([0, 1, 2, 3]);
    let answered = 0;
    for (let w = 0; w < host.writes.length; w++) {
      const seqs = host.pingsIn(w);
      // Answer newest first: matching must go by seq, not by order.
      for (const seq of [...seqs].reverse()) {
        expect(run.onPong(pong(seq), 0)).toBe(true);
        answered++;
      }
      expect(run.sentCount - run.receivedCount).toBeLessThanOrEqual(4);
      run.flush();
    }
    const result = await done;
    expect(answered).toBe(10);
    expect(result.count).toBe(10);
    expect(result.rttMicros).toHaveLength(10);
    for (const rtt of result.rttMicros) expect(rtt).toBeGreaterThanOrEqual(0);
    expect(host.packets).toBe(10);
    expect(host.writes.map((b) => b.length / PING_REQ_SIZE)).toEqual([4, 4, 2]);
    expect(host.ended).toEqual([run]);
  });

  it('ignores unknown and duplicate pongs', async () => {
    const host = new FakeHost();
    const run = new PingRun(host, 2, { inFlight: 2 });
    const done = run.start();
    expect(run.onPong(pong(99), 0)).toBe(false);
    expect(run.onPong(pong(0), 0)).toBe(true);
    expect(run.onPong(pong(0), 0)).toBe(false);
    expect(run.onPong(pong(1), 0)).toBe(true);
    expect((await done).count).toBe(2);
    expect(run.onPong(pong(1), 0)).toBe(false);
  });

  it('skips a seq whose slot is still taken', async () => {
    // inFlight 2 → 4 slots (mask 3). Seqs 2 and 3 went to ping() calls, so the run is handed 4 next:
    // slot 0 is still held by seq 0, so the run must take 5 instead.
    const host = new FakeHost([0, 1, 4, 5, 6]);
    const run = new PingRun(host, 3, { inFlight: 2 });
    const done = run.start();
    expect(host.pingsIn(0)).toEqual([0, 1]);
    expect(run.onPong(pong(1), 0)).toBe(true);
    run.flush();
    expect(host.pingsIn(1)).toEqual([5]);
    expect(run.onPong(pong(0), 0)).toBe(true);
    expect(run.onPong(pong(5), 0)).toBe(true);
    expect((await done).count).toBe(3);
  });

  it('passes rtt, seq and serverTime to onRtt and can drop the kept RTTs', async () => {
    const host = new FakeHost();
    const seen: [number, number, number][] = [];
    const run = new PingRun(host, 2, { inFlight: 2, keepRtts: false, onRtt: (r, s, t) => seen.push([r, s, t]) });
    const done = run.start();
    run.onPong(pong(1, 5_000_000), 0);
    run.onPong(pong(0, 6_000_000), 0);
    const result = await done;
    expect(result.rttMicros).toHaveLength(0);
    expect(seen.map(([, s, t]) => [s, t])).toEqual([
      [1, 5_000_000],
      [0, 6_000_000],
    ]);
    for (const [rtt] of seen) expect(rtt).toBeGreaterThanOrEqual(0);
  });

  it('ends with NMT_CLIENT_LISTENER_ERROR when onRtt throws', async () => {
    const host = new FakeHost();
    const run = new PingRun(host, 5, {
      onRtt: () => {
        throw new Error('listener bug');
      },
    });
    const done = run.start();
    expect(run.onPong(pong(0), 0)).toBe(true);
    const err = await rejection(done);
    expect(err.code).toBe(ClientErrorCode.LISTENER_ERROR);
    expect((err.cause as Error).message).toBe('listener bug');
    expect(host.ended).toEqual([run]);
  });

  it('resolves at once for a count of 0', async () => {
    const host = new FakeHost();
    const result = await new PingRun(host, 0).start();
    expect(result).toEqual({ count: 0, rttMicros: new Float64Array(0), elapsedMs: 0 });
    expect(host.writes).toHaveLength(0);
  });

  it('fails with NMT_CLIENT_TIMEOUT when pongs stop coming', async () => {
    const host = new FakeHost();
    const run = new PingRun(host, 3, { inFlight: 1, stallTimeoutMs: 30 });
    const err = await rejection(run.start());
    expect(err.code).toBe(ClientErrorCode.TIMEOUT);
    expect(err.message).toContain('no PongRes from fake:1');
    expect(err.message).toContain('1 ping(s) outstanding (0/3 answered)');
  });

  it('paces to one ping per interval even with a wide window', async () => {
    const host = new FakeHost();
    const run = new PingRun(host, 3, { inFlight: 10, intervalMs: 5 });
    const done = run.start();
    expect(host.pingsIn(0)).toEqual([0]);
    // Each pacing tick writes one ping on its own; answer them as they come.
    const deadline = Date.now() + 5000;
    let answered = 0;
    while (answered < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
      for (; answered < host.writes.length; answered++) {
        expect(host.pingsIn(answered)).toHaveLength(1);
        run.onPong(pong(host.pingsIn(answered)[0]!), 0);
      }
    }
    expect((await done).count).toBe(3);
    expect(host.writes).toHaveLength(3);
  });

  it('stops sending while the socket is full and resumes on drain', async () => {
    const host = new FakeHost();
    host.full = true;
    const run = new PingRun(host, 4, { inFlight: 2 });
    const done = run.start();
    expect(host.pingsIn(0)).toEqual([0, 1]);
    run.onPong(pong(0), 0);
    run.flush();
    expect(host.writes).toHaveLength(1);
    host.full = false;
    run.onDrain();
    expect(host.pingsIn(1)).toEqual([2]);
    run.onPong(pong(1), 0);
    run.onPong(pong(2), 0);
    run.flush();
    expect(host.pingsIn(2)).toEqual([3]);
    run.onPong(pong(3), 0);
    expect((await done).count).toBe(4);
  });

  it('rejects with the error given to fail()', async () => {
    const host = new FakeHost();
    const run = new PingRun(host, 4);
    const done = run.start();
    const err = new ClientError(ClientErrorCode.CLOSED, 'closed');
    run.fail(err);
    run.fail(new ClientError(ClientErrorCode.TIMEOUT, 'second failure is ignored'));
    await expect(done).rejects.toBe(err);
    expect(run.onPong(pong(0), 0)).toBe(false);
  });

  it.each([
    ['inFlight 0', 1, { inFlight: 0 }, 'inFlight must be an integer from 1 to 65536, got 0'],
    ['count -1', -1, {}, 'pingMany count must be an integer from 0 to 4294967295, got -1'],
    ['stallTimeoutMs 0', 1, { stallTimeoutMs: 0 }, 'stallTimeoutMs must be an integer'],
    ['intervalMs 0.5', 1, { intervalMs: 0.5 }, 'intervalMs must be an integer'],
  ])('rejects %s', (_name, count, options, message) => {
    expect(() => new PingRun(new FakeHost(), count, options)).toThrow(message);
  });
});
