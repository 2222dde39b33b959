import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CalibrationCompare } from '../scenario/types.ts';
import { cpuMicrosPerResponse, meetsTarget, median, pairRatio, sideProblems, spreadOf, summariseComparison } from './fractions.ts';
import type { PairResult, SideMeasurement } from './types.ts';

function side(rate: number, over: Partial<SideMeasurement> = {}): SideMeasurement {
  return {
    generator: 'C load-client',
    server: 'C pong-server',
    rate,
    responses: Math.round(rate * 3),
    windowMs: 3000,
    connected: 100,
    latencyMicros: { count: 10, p50: 100, p90: 200, p99: 300, max: 400, mean: 120 },
    errors: { connect: 0, closed: 0 },
    generatorCpuPercent: 50,
    serverCpuPercent: 80,
    serverRssBytes: 50_000_000,
    ...over,
  };
}

function pair(repeat: number, subject: number, reference: number, over: Partial<PairResult> = {}): PairResult {
  const s = side(subject, { server: 'TestServer' });
  const r = side(reference);
  return { repeat, firstSide: repeat % 2 === 0 ? 'reference' : 'subject', reference: r, subject: s, ratio: pairRatio(s, r), ...over };
}

const compare: CalibrationCompare = { name: 'server-c100-k1', kind: 'server', connections: 100, inflight: 1, size: 16, minRatio: 0.75 };
const labels = { subject: 'C load-client → TestServer', reference: 'C load-client → C pong-server' };

describe('median', () => {
  it.each([
    [[], NaN],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[0.6, 1.17, 0.59, 0.66, 0.62], 0.62],
  ])('median(%j) = %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('lies between min and max and ignores order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), (values) => {
        const m = median(values);
        expect(m).toBeGreaterThanOrEqual(Math.min(...values));
        expect(m).toBeLessThanOrEqual(Math.max(...values));
        expect(median([...values].reverse())).toBe(m);
      }),
    );
  });
});

describe('spreadOf', () => {
  it('gives median, min, max and spread in percent of the median', () => {
    expect(spreadOf([0.5, 0.6, 0.7])).toEqual({ median: 0.6, min: 0.5, max: 0.7, spreadPercent: expect.closeTo(33.33, 2) as number, values: [0.5, 0.6, 0.7] });
  });

  it('drops non-finite values and is null without any', () => {
    expect(spreadOf([NaN, Infinity])).toBeNull();
    expect(spreadOf([])).toBeNull();
    expect(spreadOf([NaN, 2])?.values).toEqual([2]);
  });
});

describe('pairRatio', () => {
  it.each([
    [150, 200, 0.75],
    [300, 200, 1.5],
    [0, 200, 0],
    [100, 0, null],
    [100, NaN, null],
  ])('subject %d / reference %d = %s', (s, r, expected) => {
    expect(pairRatio(side(s), side(r))).toBe(expected);
  });
});

describe('cpuMicrosPerResponse', () => {
  it.each([
    ['generator', 50, null, 100_000, 5],
    ['server', null, 80, 100_000, 8],
    ['server', 50, null, 100_000, null],
    ['generator', 50, 80, 0, null],
  ] as const)('%s at generator %s %% / server %s %% of a core and %d/s → %s µs', (who, gen, srv, rate, expected) => {
    const s = side(rate, { generatorCpuPercent: gen, serverCpuPercent: srv });
    const v = cpuMicrosPerResponse(s, who);
    if (expected === null) expect(v).toBeNull();
    else expect(v).toBeCloseTo(expected, 10);
  });

  it('summarises the server CPU for server comparisons and the generator CPU for harness ones', () => {
    const p = pair(0, 100_000, 200_000);
    p.subject.serverCpuPercent = 90;
    p.reference.serverCpuPercent = 60;
    const server = summariseComparison(compare, labels, [p]);
    expect(server.subjectCpuMicrosPerResponse).toBeCloseTo(9, 10);
    expect(server.referenceCpuMicrosPerResponse).toBeCloseTo(3, 10);
    const harness = summariseComparison({ ...compare, kind: 'harness', name: 'h' }, labels, [p]);
    expect(harness.subjectCpuMicrosPerResponse).toBeCloseTo(5, 10);
    expect(harness.referenceCpuMicrosPerResponse).toBeCloseTo(2.5, 10);
  });
});

describe('meetsTarget', () => {
  it.each([
    [0.8, 0.75, true],
    [0.75, 0.75, true],
    [0.7, 0.75, false],
    [0.7, null, null],
    [null, 0.75, false],
    [null, null, null],
  ])('median %s vs minRatio %s → %s', (m, min, expected) => {
    const ratio = m === null ? null : { median: m, min: m, max: m, spreadPercent: 0, values: [m] };
    expect(meetsTarget(ratio, min)).toBe(expected);
  });
});

describe('sideProblems', () => {
  it('is empty for a clean side', () => {
    expect(sideProblems(side(100), 100)).toEqual([]);
  });

  it('names missing connections, errors and an empty window', () => {
    const problems = sideProblems(side(0, { connected: 90, responses: 0, errors: { connect: 10, closed: 0 } }), 100);
    expect(problems).toEqual([
      'C load-client → C pong-server: only 90 of 100 connections opened',
      'C load-client → C pong-server: errors connect 10',
      'C load-client → C pong-server: no responses in the measured window',
    ]);
  });
});

describe('summariseComparison', () => {
  it('reports the median ratio of the pairs, not the ratio of the medians, and checks the target', () => {
    const pairs = [pair(0, 120, 200), pair(1, 150, 210), pair(2, 130, 200), pair(3, 260, 220), pair(4, 90, 150)];
    const r = summariseComparison(compare, labels, pairs);
    expect(r.ratio?.values).toEqual([0.6, 150 / 210, 0.65, 260 / 220, 0.6]);
    expect(r.ratio?.median).toBeCloseTo(0.65, 10);
    expect(r.ratio?.min).toBeCloseTo(0.6, 10);
    expect(r.subjectRate?.median).toBe(130);
    expect(r.referenceRate?.median).toBe(200);
    expect(r.subjectP99Micros).toBe(300);
    expect(r.ok).toBe(false);
    expect(r.problem).toBeNull();
    expect(r.pairs).toHaveLength(5);
  });

  it('passes when the median meets the target even if one pair does not', () => {
    const r = summariseComparison(compare, labels, [pair(0, 160, 200), pair(1, 100, 200), pair(2, 170, 200)]);
    expect(r.ratio?.median).toBe(0.8);
    expect(r.ok).toBe(true);
  });

  it('fails a target that could not be checked (no pairs), keeping the reason', () => {
    const r = summariseComparison(compare, labels, [], 'calibration skipped: no C compiler found');
    expect(r.ratio).toBeNull();
    expect(r.ok).toBe(false);
    expect(r.problem).toBe('calibration skipped: no C compiler found');
  });

  it('lists each distinct side problem once', () => {
    const bad = pair(0, 100, 200);
    bad.subject.errors = { closed: 3 };
    const again = pair(1, 100, 200);
    again.subject.errors = { closed: 3 };
    const r = summariseComparison({ ...compare, minRatio: null }, labels, [bad, again]);
    expect(r.ok).toBeNull();
    expect(r.problem).toBe('C load-client → TestServer: errors closed 3');
  });

  it('does not expect open connections from handshake loops', () => {
    const hs: CalibrationCompare = { ...compare, name: 'handshake-c100', kind: 'handshake' };
    const p = pair(0, 1000, 2000);
    p.subject.connected = 0;
    expect(summariseComparison(hs, labels, [p]).problem).toBeNull();
  });
});
