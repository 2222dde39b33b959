import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparisonName, defaultCalibrateConfig } from './calibrate.ts';
import { DEFAULTS } from './defaults.ts';
import { ScenarioError } from './errors.ts';
import { parseScenario } from './load.ts';

const SOURCE = join(resolve(import.meta.dirname, '../../fixtures/scenarios'), 'inline.yaml');
const BASE = `name: t
flow: [ping]
phases:
  - { executor: constant-vus, vus: 1, duration: 1s }
`;

function issues(text: string): string[] {
  try {
    parseScenario(text, SOURCE);
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues.map((i) => `${i.line ?? '-'}: ${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected the scenario to be invalid');
}

describe('calibrate: in scenarios', () => {
  it('is absent unless asked for (false, or no field)', () => {
    expect(parseScenario(BASE, SOURCE).calibrate).toBeUndefined();
    expect(parseScenario(`${BASE}calibrate: false\n`, SOURCE).calibrate).toBeUndefined();
  });

  it('true runs the default comparisons, report only', () => {
    const c = parseScenario(`${BASE}calibrate: true\n`, SOURCE).calibrate!;
    expect(c).toEqual(defaultCalibrateConfig());
    expect(c.compare.map((x) => x.name)).toEqual(['server-c100-k1', 'server-c100-k16', 'harness-c100-k1', 'harness-c100-k16', 'handshake-c100']);
    expect(c.compare.every((x) => x.minRatio === null)).toBe(true);
    expect([c.warmupMs, c.durationMs, c.repeats]).toEqual([DEFAULTS.calibrate.warmupMs, DEFAULTS.calibrate.durationMs, DEFAULTS.calibrate.repeats]);
  });

  it('normalises a mapping: durations, block connections, shorthand kinds, names and targets', () => {
    const c = parseScenario(
      `${BASE}calibrate:
  warmup: 500ms
  duration: 2s
  repeats: 5
  connections: 1k
  compare:
    - server
    - { kind: server, inflight: 16, minRatio: 0.65 }
    - { kind: harness, connections: 10, size: 1024, name: echo-1k }
    - { kind: handshake, minRatio: 0.8 }
`,
      SOURCE,
    ).calibrate!;
    expect(c.warmupMs).toBe(500);
    expect(c.durationMs).toBe(2000);
    expect(c.repeats).toBe(5);
    expect(c.compare).toEqual([
      { name: 'server-c1000-k1', kind: 'server', connections: 1000, inflight: 1, size: 16, minRatio: null },
      { name: 'server-c1000-k16', kind: 'server', connections: 1000, inflight: 16, size: 16, minRatio: 0.65 },
      { name: 'echo-1k', kind: 'harness', connections: 10, inflight: 1, size: 1024, minRatio: null },
      { name: 'handshake-c1000', kind: 'handshake', connections: 1000, inflight: 1, size: 16, minRatio: 0.8 },
    ]);
  });

  it.each([
    ['calibrate: yes\n', /calibrate: .*true, false, or a mapping/],
    ['calibrate: { durations: 1s }\n', /calibrate\.durations: unknown field 'durations' \(did you mean 'duration'\?/],
    ['calibrate: { compare: [client] }\n', /calibrate\.compare\[0\]: .*not a comparison \(server, harness, handshake\)/],
    ['calibrate: { compare: [{ kind: server, minRatio: 0 }] }\n', /minRatio/],
    ['calibrate: { compare: [{ kind: server, inflight: 0 }] }\n', /inflight/],
    ['calibrate: { repeats: 0 }\n', /repeats/],
    ['calibrate: { compare: [{ kind: harness, size: 8 }] }\n', /size/],
  ])('rejects %j', (block, message) => {
    expect(issues(`${BASE}${block}`).join('\n')).toMatch(message);
  });

  it('reports the semantic problems, each with its line', () => {
    const found = issues(`${BASE}calibrate:
  compare:
    - { kind: server, size: 1024 }
    - { kind: handshake, inflight: 4 }
    - { kind: harness, name: same }
    - { kind: harness, name: same }
`);
    expect(found).toEqual([
      expect.stringMatching(/^7: calibrate\.compare\[0\]\.size: only 'harness' comparisons take a size/),
      expect.stringMatching(/^8: calibrate\.compare\[1\]\.inflight: a handshake comparison has no requests in flight/),
      expect.stringMatching(/^10: calibrate\.compare\[3\]: comparison name 'same' is used twice \(also compare\[2\]\)/),
    ]);
  });

  it('refuses server comparisons against a server the C client cannot speak to', () => {
    const found = issues(`name: t
server: { command: [node, x.js, --port, "{port}"] }
flow: [ping]
phases:
  - { executor: constant-vus, vus: 1, duration: 1s }
calibrate: { compare: [server, harness] }
`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/calibrate\.compare\[0\]: a 'server' comparison drives the server with the C load-client, which speaks wire protocol v1 only/);
  });

  it.each([
    ['server', 100, 1, 16, 'server-c100-k1'],
    ['harness', 10, 16, 16, 'harness-c10-k16'],
    ['harness', 100, 1, 8192, 'harness-c100-k1-s8192'],
    ['handshake', 50, 1, 16, 'handshake-c50'],
  ] as const)('comparisonName(%s, %d, %d, %d) = %s', (kind, c, k, s, name) => {
    expect(comparisonName(kind, c, k, s)).toBe(name);
  });
});
