/**
 * Test helpers for harness/report: a synthetic but consistent results.json
 * (real HDR histograms, encoded as the harness encodes them) and a small
 * XML well-formedness checker for junit.xml.
 */
import { createMergeHistogram, encodeHistogram, summarizeHistogram, type HistogramSummary } from '../metrics/histogram.ts';
import type { SecondPoint } from '../metrics/series.ts';
import type { ResultsV1, RequestSummary } from '../runner/results.ts';
import type { Scenario } from '../scenario/types.ts';

/** A string that breaks HTML, XML and Markdown unless escaped. */
export const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'q' | *b* \`c\` ]]> </style>`;

/** Encodes `values` (µs) the way results.json stores histograms; returns the summary too. */
export function encodedOf(values: readonly number[]): { hdr: string | null; summary: HistogramSummary } {
  const h = createMergeHistogram();
  try {
    for (const v of values) h.recordValue(v);
    return { hdr: h.totalCount === 0 ? null : encodeHistogram(h), summary: summarizeHistogram(h) };
  } finally {
    h.destroy();
  }
}

/** 1000 latencies: 100..1089 µs plus a 50 ms tail of ten samples (µs). */
export const LATENCIES = [...Array.from({ length: 990 }, (_, i) => 100 + i), ...Array.from({ length: 10 }, () => 50_000)];

function point(second: number, phase: number, over: Partial<SecondPoint> = {}): SecondPoint {
  return {
    second,
    phase,
    requests: 250,
    responses: 250,
    errorCount: 0,
    errors: {},
    bytesIn: 6000,
    bytesOut: 4000,
    connections: { open: 10, maxOpen: 10, attempted: second === 0 ? 10 : 0, established: second === 0 ? 10 : 0, failed: 0, closed: 0 },
    iterations: 250,
    dropped: 0,
    latency: { count: 250, p50: 500, p90: 900, p99: 1000, max: 50_000 },
    harness: [{ worker: 0, cpuPercent: 40, loopP99Micros: 5000, loopMaxMicros: 9000 }],
    server: { rssBytes: 100 * 1024 * 1024, cpuPercent: 20 },
    ...over,
  };
}

/** Options of {@link makeResults}. */
export interface FakeRun {
  name?: string;
  description?: string;
  startedAt?: string;
  /** Scales every latency (µs) — 2 doubles them. */
  latencyFactor?: number;
  /** rps of PingReq. */
  rps?: number;
  errorsRate?: number;
  status?: ResultsV1['run']['status'];
  exitCode?: number;
  rssMax?: number;
}

/**
 * A complete results.json of a 4-second, 2-phase ping run with one
 * fire-and-forget request, a timeout error in second 2, a saturated
 * second 3 and a monitored server.
 */
export function makeResults(o: FakeRun = {}): ResultsV1 {
  const f = o.latencyFactor ?? 1;
  const lat = encodedOf(LATENCIES.map((v) => Math.round(v * f)));
  const unc = encodedOf(LATENCIES.map((v) => Math.round(v * f * 0.8)));
  const rps = o.rps ?? 250;
  const ping: RequestSummary = {
    name: 'PingReq',
    sent: 1000,
    responses: 1000,
    rps,
    bytesOut: 16000,
    bytesIn: 24000,
    errors: { count: 2, byKind: { timeout: 2 } },
    latency: lat.summary,
    latencyUncorrected: unc.summary,
  };
  const empty = encodedOf([]).summary;
  const notice: RequestSummary = { ...ping, name: 'Notice', sent: 10, responses: 0, rps: 0, errors: { count: 0, byKind: {} }, latency: empty, latencyUncorrected: empty };
  const connections = {
    attempted: 10,
    established: 10,
    failed: 0,
    closed: 10,
    maxOpen: 10,
    ratePerSec: 2.5,
    connectTime: encodedOf([300, 400, 500]).summary,
    handshakeTime: encodedOf([700, 800, 900]).summary,
  };
  const overall = {
    durationMs: 4000,
    requests: [notice, ping],
    sent: 1010,
    responses: 1000,
    rps,
    bytesIn: 24000,
    bytesOut: 16160,
    errors: { count: 2, rate: o.errorsRate ?? 2 / 1020, byKind: { timeout: 2 } },
    connections,
    iterations: { completed: 1000, dropped: 0, ratePerSec: 250 },
  };
  const hset = {
    requests: { Notice: { latency: null, latencyUncorrected: null }, PingReq: { latency: lat.hdr, latencyUncorrected: unc.hdr } },
    connectTime: encodedOf([300, 400, 500]).hdr,
    handshakeTime: encodedOf([700, 800, 900]).hdr,
  };
  const name = o.name ?? 'unit-run';
  return {
    schemaVersion: 1,
    tool: { name: 'network-module-test', version: '0.1.0' },
    scenario: {
      name,
      description: o.description ?? 'a unit-test run',
      source: '/tmp/unit.yaml',
      asRun: { name, description: o.description ?? 'a unit-test run', phases: [{ name: 'warmup' }, { name: 'steady' }] } as unknown as Scenario,
    },
    run: {
      startedAt: o.startedAt ?? '2026-01-01T12:00:00.000Z',
      endedAt: '2026-01-01T12:00:06.000Z',
      durationMs: 6000,
      status: o.status ?? 'passed',
      stop: null,
      error: null,
      workers: { workers: 1, source: 'auto', peakConnections: 10, reason: 'auto: 10 peak connections' },
      target: null,
      endpoints: [{ host: '127.0.0.1', port: 7000 }],
      servers: [{ pid: 1234, host: '127.0.0.1', port: 7000, metricsPort: 9100, argv: ['node'], kind: 'test-server' }],
    },
    environment: {
      node: 'v20.0.0',
      platform: 'linux',
      osRelease: '6.0',
      arch: 'x64',
      cpuModel: 'Test CPU',
      cores: 2,
      totalMemoryBytes: 8 * 1024 ** 3,
      hostname: 'unit-host',
      gitRevision: '0123456789abcdef0123456789abcdef01234567',
      gitDirty: false,
    },
    phases: [
      { index: 0, name: 'warmup', executor: 'constant-vus', plannedDurationMs: 2000, startMs: 0, endMs: 2000 },
      { index: 1, name: 'steady', executor: 'constant-vus', plannedDurationMs: 2000, startMs: 2000, endMs: 4000 },
    ],
    series: [
      point(0, 0),
      point(1, 0, { latency: null, responses: 0 }),
      point(2, 1, { errorCount: 2, errors: { timeout: 2 }, server: null }),
      point(3, 1, { harness: [{ worker: 0, cpuPercent: 95, loopP99Micros: 60_000, loopMaxMicros: 80_000 }] }),
    ],
    summary: { overall, phases: [{ phase: 'warmup', ...overall }, { phase: 'steady', ...overall }] },
    histograms: {
      encoding: 'HdrHistogram V2 compressed base64',
      unit: 'us',
      lowestDiscernibleValue: 1,
      highestTrackableValue: 60_000_000,
      significantDigits: 3,
      overall: hset,
      phases: [{ phase: 'warmup', ...hset }, { phase: 'steady', ...hset }],
    },
    server: { monitored: ['pid 1234'], rssBytes: { max: o.rssMax ?? 100 * 1024 * 1024, mean: 90 * 1024 * 1024, last: 95 * 1024 * 1024 }, cpuPercent: { max: 30, mean: 20 } },
    harness: {
      cpuPercent: { max: 95, mean: 50 },
      eventLoopLagMicros: { p99: 60_000, max: 80_000, mean: 6000 },
      saturated: [],
    },
    thresholds: [
      {
        expr: 'errors.count == 0',
        ok: false,
        measured: 2,
        measuredText: '2',
        target: 0,
        targetText: '0',
        op: '==',
        unit: 'count',
        query: { metric: 'errors', tags: {}, stat: 'count' },
        abortOnFail: false,
        reason: null,
      },
      {
        expr: 'latency.p99 < 100ms',
        ok: true,
        measured: 50_000,
        measuredText: '50ms',
        target: 100_000,
        targetText: '100ms',
        op: '<',
        unit: 'time',
        query: { metric: 'latency', tags: {}, stat: 'p99' },
        abortOnFail: false,
        reason: null,
      },
    ],
    warnings: [],
    exitCode: o.exitCode ?? 0,
  };
}

/**
 * Checks that `xml` is well-formed (one root, balanced and properly nested
 * tags, quoted attributes, known entities, no raw `<` or `&` in text) and
 * returns the element tree. Throws with the offset of the first problem.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  if (/[<]/.test(s)) throw new Error(`raw '<' near offset ${at}`);
  return s.replace(/&([^;]*);?/g, (m, name: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated entity near offset ${at}`);
    if (name in ENTITIES) return ENTITIES[name]!;
    if (/^#\d+$/.test(name)) return String.fromCodePoint(Number(name.slice(1)));
    if (/^#x[0-9a-f]+$/i.test(name)) return String.fromCodePoint(parseInt(name.slice(2), 16));
    throw new Error(`unknown entity &${name}; near offset ${at}`);
  });
}

export function parseXml(xml: string): XmlElement {
  let i = 0;
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/y;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root element at offset ${i}`);
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(text, i);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (m === null) throw new Error(`malformed tag at offset ${lt}: ${xml.slice(lt, lt + 40)}`);
    const [, close, name, attrText, selfClose] = m;
    i = tag.lastIndex;
    if (close === '/') {
      const open = stack.pop();
      if (open === undefined || open.name !== name) throw new Error(`</${name}> at offset ${lt} does not close <${open?.name ?? '(nothing)'}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} at offset ${lt}`);
      attrs[a[1]!] = decode(a[2]!, lt);
    }
    const el: XmlElement = { name: name!, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else if (root === null) root = el;
    else throw new Error(`second root element <${name}> at offset ${lt}`);
    if (selfClose !== '/') stack.push(el);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root === null) throw new Error('no root element');
  return root;
}
