import { describe, expect, it } from 'vitest';
import { WorkerRecorder } from './worker-recorder.ts';
import { ErrorKind } from './recorder.ts';
import { ERROR_KINDS, ERROR_KIND_INDEX, assertDelta } from './delta.ts';
import { createRecordingHistogram, decodeHistogram, encodeHistogram, recordMicros } from './histogram.ts';

describe('WorkerRecorder', () => {
  it('interns request names once', () => {
    const r = new WorkerRecorder(0);
    expect(r.requestIndex('PingReq')).toBe(0);
    expect(r.requestIndex('move')).toBe(1);
    expect(r.requestIndex('PingReq')).toBe(0);
    r.dispose();
  });

  it('drains counters and histograms into a valid delta, then starts from zero', () => {
    const r = new WorkerRecorder(3);
    r.setPhase(2);
    const ping = r.requestIndex('PingReq');
    const idle = r.requestIndex('Idle');
    r.requestSent(ping, 16);
    r.requestSent(ping, 16);
    r.responseReceived(ping, 150, 120, 24);
    r.bytesOut(10);
    r.bytesIn(7);
    r.error(ErrorKind.Timeout, ping);
    r.error(ErrorKind.Closed, -1);
    r.connectAttempted();
    r.connectAttempted();
    r.connectEstablished(300);
    r.connectFailed(ErrorKind.Refused);
    r.sessionOpened(500);
    r.iterationCompleted();
    r.iterationDropped();

    const d = r.takeDelta(0, 1000, 0, true, null);
    assertDelta(d);
    expect(d).toMatchObject({
      worker: 3,
      phase: 2,
      second: 0,
      tick: true,
      bytesIn: 31,
      bytesOut: 42,
      iterations: 1,
      dropped: 1,
      connections: { attempted: 2, established: 1, failed: 1, closed: 0, open: 1, maxOpen: 1 },
    });
    expect(d.requests).toHaveLength(1); // 'Idle' had no activity
    expect(d.requests[0]).toMatchObject({ name: 'PingReq', sent: 2, responses: 1, bytesOut: 32, bytesIn: 24 });
    expect(d.requests[0]!.errors[ERROR_KIND_INDEX.timeout!]).toBe(1);
    expect(d.errors[ERROR_KIND_INDEX.timeout!]).toBe(1);
    expect(d.errors[ERROR_KIND_INDEX.closed!]).toBe(1);
    expect(d.errors[ERROR_KIND_INDEX.refused!]).toBe(1); // connectFailed counts as an error of its kind
    expect(decodeHistogram(d.requests[0]!.latency!).maxValue).toBe(150);
    expect(decodeHistogram(d.requests[0]!.latencyUncorrected!).maxValue).toBe(120);
    expect(decodeHistogram(d.connectTime!).totalCount).toBe(1);
    expect(decodeHistogram(d.handshakeTime!).totalCount).toBe(1);
    expect(idle).toBe(1);

    r.sessionClosed();
    const e = r.takeDelta(1000, 2000, 1, true, null);
    expect(e.requests).toEqual([]);
    expect(e.errors).toEqual(new Array(ERROR_KINDS.length).fill(0));
    expect(e.connections).toEqual({ attempted: 0, established: 0, failed: 0, closed: 1, open: 0, maxOpen: 1 });
    expect(e.connectTime).toBeNull();
    const f = r.takeDelta(2000, 3000, 2, true, null);
    expect(f.connections.maxOpen).toBe(0);
    r.dispose();
  });

  it('tracks the peak of open sessions within an interval', () => {
    const r = new WorkerRecorder(0);
    for (let i = 0; i < 5; i++) r.sessionOpened(10);
    for (let i = 0; i < 3; i++) r.sessionClosed();
    const d = r.takeDelta(0, 1000, 0, true, null);
    expect(d.connections).toMatchObject({ open: 2, maxOpen: 5, closed: 3 });
    r.dispose();
  });

  it('records equal corrected/uncorrected pairs once, with the same deltas as recording both', () => {
    const r = new WorkerRecorder(0);
    const req = r.requestIndex('PingReq');
    const corrected = createRecordingHistogram();
    const uncorrected = createRecordingHistogram();
    // Closed-model pairs (equal), open-model pairs (corrected larger) and edge values, over two deltas.
    for (let second = 0; second < 2; second++) {
      for (let i = 0; i < 5000; i++) {
        const u = (i * 7919 + second * 13) % 250_000;
        const c = i % 3 === 0 ? u + (i % 1000) * 17 : u;
        r.responseReceived(req, c, u, 24);
        recordMicros(corrected, c);
        recordMicros(uncorrected, u);
      }
      r.responseReceived(req, 0, 0, 24);
      r.responseReceived(req, 70_000_000, 70_000_000, 24);
      r.responseReceived(req, 70_000_000, 5, 24);
      for (const [c, u] of [[0, 0], [70_000_000, 70_000_000], [70_000_000, 5]] as const) {
        recordMicros(corrected, c);
        recordMicros(uncorrected, u);
      }
      const d = r.takeDelta(second * 1000, second * 1000 + 1000, second, true, null);
      expect(d.requests[0]!.responses).toBe(5003);
      expect(d.requests[0]!.latency).toBe(encodeHistogram(corrected));
      expect(d.requests[0]!.latencyUncorrected).toBe(encodeHistogram(uncorrected));
      expect(decodeHistogram(d.requests[0]!.latency!).totalCount).toBe(5003);
      corrected.reset();
      uncorrected.reset();
    }
    // Nothing carries over into an idle interval.
    expect(r.takeDelta(2000, 3000, 2, true, null).requests).toEqual([]);
    corrected.destroy();
    uncorrected.destroy();
    r.dispose();
  });

  it('counts an unknown error kind as other', () => {
    const r = new WorkerRecorder(0);
    r.error('bogus' as ErrorKind, -1);
    expect(r.takeDelta(0, 1, 0, false, null).errors[ERROR_KIND_INDEX.other!]).toBe(1);
    r.dispose();
  });
});
