import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ProgressTracker } from './progress.ts';
import { MetricsAggregator } from '../metrics/aggregator.ts';
import { WorkerRecorder } from '../metrics/worker-recorder.ts';
import { ErrorKind } from '../metrics/recorder.ts';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

function drive(tty: boolean): string {
  const sink = new Sink();
  const agg = new MetricsAggregator({ workers: 1, phaseNames: ['warmup', 'steady'] });
  const p = new ProgressTracker({
    stream: sink,
    tty,
    phases: [
      { name: 'warmup', durationMs: 2000 },
      { name: 'steady', durationMs: 10_000 },
    ],
    totalMs: 12_000,
    plainEveryS: 5,
  });
  p.attach(agg);
  const w = new WorkerRecorder(0);
  const r = w.requestIndex('PingReq');
  for (let s = 0; s < 12; s++) {
    if (s === 2) {
      w.setPhase(1);
      agg.phaseStarted(1, 2000);
    }
    for (let i = 0; i < 1000; i++) w.responseReceived(r, 400, 400, 24);
    if (s === 0) w.sessionOpened(10);
    if (s === 3) w.error(ErrorKind.Timeout, r);
    agg.addDelta(w.takeDelta(s * 1000, s * 1000 + 1000, s, true, null));
  }
  agg.finish();
  p.stop();
  w.dispose();
  return sink.text;
}

describe('ProgressTracker', () => {
  it('redraws one line on a TTY', () => {
    const out = drive(true);
    const frames = out.split('\r\x1b[K').filter((f) => f !== '');
    expect(frames).toHaveLength(12);
    expect(frames[0]).toBe('[1/2 warmup]  1s/12s  rps 1k  p50 400µs  p99 400µs  conns 1  errors 0');
    expect(frames[11]).toBe('[2/2 steady]  12s/12s  rps 1k  p50 400µs  p99 400µs  conns 1  errors 1\n');
  });

  it('prints a plain line every 5 s otherwise', () => {
    const lines = drive(false).trim().split('\n');
    expect(lines.map((l) => l.split('  ')[1])).toEqual(['1s/12s', '6s/12s', '11s/12s']);
    expect(lines.join('\n')).not.toContain('\r');
  });
});

describe('ProgressTracker on a handshake loop', () => {
  it('shows new sessions per second when no requests are answered', () => {
    const sink = new Sink();
    const agg = new MetricsAggregator({ workers: 1, phaseNames: ['handshakes'] });
    const p = new ProgressTracker({ stream: sink, tty: true, phases: [{ name: 'handshakes', durationMs: 1000 }], totalMs: 1000 });
    p.attach(agg);
    const w = new WorkerRecorder(0);
    for (let i = 0; i < 250; i++) {
      w.connectAttempted();
      w.connectEstablished(100);
      w.sessionOpened(200);
      w.sessionClosed();
    }
    agg.addDelta(w.takeDelta(0, 1000, 0, true, null));
    agg.finish();
    p.stop();
    w.dispose();
    expect(sink.text).toContain('conns 0  new 250/s  errors 0');
  });
});
