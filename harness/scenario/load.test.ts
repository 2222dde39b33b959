import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from './defaults.ts';
import { ScenarioError, ScenarioErrorCode } from './errors.ts';
import type { ScenarioIssue } from './errors.ts';
import { formatIssues } from './format-issues.ts';
import { loadScenario, parseScenario } from './load.ts';
import type { Scenario } from './types.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/scenarios');
/** Inline scenarios are "located" in the fixtures dir so relative feeder/catalogue paths resolve there. */
const SOURCE = join(FIXTURES, 'inline.yaml');

const MINIMAL = `name: t
flow: [ping]
phases:
  - { executor: constant-vus, vus: 1, duration: 1s }
`;

function issuesOf(text: string): ScenarioIssue[] {
  try {
    parseScenario(text, SOURCE);
  } catch (err) {
    if (err instanceof ScenarioError) {
      expect(err.code).toBe(ScenarioErrorCode.INVALID);
      return [...err.issues];
    }
    throw err;
  }
  throw new Error('expected the scenario to be invalid');
}

describe('loading valid scenarios', () => {
  it('applies every default to a minimal scenario', () => {
    const s = parseScenario(MINIMAL, SOURCE);
    expect(s).toEqual<Scenario>({
      name: 't',
      description: '',
      source: SOURCE,
      target: null,
      server: { processes: 1, options: {}, command: null, readyTimeoutMs: DEFAULTS.server.readyTimeoutMs },
      catalogue: 'builtin',
      workers: 'auto',
      connect: { ratePerSec: 5000, timeoutMs: 5000, clientVersion: 1, token: '', sourceAddresses: [] },
      transport: 'tcp',
      tls: null,
      wsPath: '/',
      auth: null,
      variables: {},
      feeders: [],
      flow: { onStart: [{ kind: 'connect' }], iteration: [{ kind: 'ping', timeoutMs: 5000 }], onStop: [{ kind: 'disconnect' }] },
      phases: [{ name: 'phase-1', gracefulStopMs: 2000, executor: 'constant-vus', vus: 1, durationMs: 1000 }],
      thresholds: [],
      defaultTimeoutMs: 5000,
    });
    expect(DEFAULTS.server.readyTimeoutMs).toBe(20_000);
  });

  it('loads the full example with every feature normalised', () => {
    const s = loadScenario(join(FIXTURES, 'full.yaml'));
    expect(s.source).toBe(join(FIXTURES, 'full.yaml'));
    expect(s.target).toEqual({ host: '127.0.0.1', port: 7000, metricsUrl: 'http://127.0.0.1:9100/metrics' });
    expect(s.workers).toBe(2);
    expect(s.defaultTimeoutMs).toBe(3000);
    expect(s.connect).toEqual({ ratePerSec: 2000, timeoutMs: 4000, clientVersion: 7, token: 'tok-{{ vu.id }}', sourceAddresses: ['127.0.0.2', '127.0.0.3'] });
    expect(s.feeders).toEqual([{ name: 'players', file: join(FIXTURES, 'players.csv'), order: 'unique' }]);
    const it = s.flow.iteration;
    expect(it[0]).toEqual({ kind: 'ping', timeoutMs: 3000 });
    expect(it[1]).toEqual({ kind: 'ping', timeoutMs: 1000 });
    expect(it[2]).toEqual({
      kind: 'send',
      packet: 'PlayerMove',
      name: 'move',
      values: { seq: '{{ vu.iteration }}', x: '{{ random(0, 100) }}', name: '{{ feeder.players.name }}' },
      expect: { packet: 'PlayerMoveAck', match: { seq: '{{ sent.seq }}' }, capture: { pos: 'x' }, timeoutMs: 2000 },
    });
    expect(it.slice(3, 6)).toEqual([
      { kind: 'think', think: { kind: 'fixed', ms: 10 } },
      { kind: 'think', think: { kind: 'uniform', minMs: 5, maxMs: 20 } },
      { kind: 'think', think: { kind: 'exponential', meanMs: 10 } },
    ]);
    expect(it[6]).toEqual({ kind: 'loop', count: 10, durationMs: null, steps: [{ kind: 'ping', timeoutMs: 3000 }] });
    expect(it[7]).toMatchObject({ kind: 'loop', count: null, durationMs: 5000 });
    expect(it[8]).toEqual({ kind: 'set', vars: { lastPos: '{{ vars.pos }}' } });
    expect(it.slice(9).map((x) => x.kind)).toEqual(['disconnect', 'connect']);
    expect(s.phases.map((p) => [p.name, p.executor])).toEqual([
      ['warmup', 'ramping-vus'],
      ['steady', 'constant-vus'],
      ['phase-3', 'constant-arrival-rate'],
      ['phase-4', 'ramping-arrival-rate'],
      ['phase-5', 'constant-request-rate'],
    ]);
    expect(s.phases[2]).toEqual({ name: 'phase-3', gracefulStopMs: 2000, executor: 'constant-arrival-rate', rate: 1000, durationMs: 30_000, preAllocatedVus: 50, maxVus: 500 });
    expect(s.phases[3]).toMatchObject({ startRate: 100, stages: [{ durationMs: 10_000, target: 2000 }] });
    expect(s.phases[4]).toEqual({
      name: 'phase-5', gracefulStopMs: 2000, executor: 'constant-request-rate', connections: 100, rate: 20_000, durationMs: 30_000,
      request: { kind: 'ping', timeoutMs: 3000 },
    });
    expect(s.thresholds.map((t) => [t.expr, t.abortOnFail, t.delayAbortEvalMs, t.line])).toEqual([
      ['latency.p99 < 2ms', false, 0, 44],
      ['rps >= 10000', false, 0, 45],
      ['errors.rate < 0.1%', true, 5000, 46],
      ['latency{packet:PingReq,phase:steady}.p99 < 1ms', false, 0, 47],
      ['latency{packet:move}.p99.9 < 5ms', false, 0, 48],
      ['server.rss.max < 2GB', false, 0, 49],
    ]);
    expect(s.thresholds[2]?.parsed).toMatchObject({ query: { metric: 'errors', tags: {}, stat: 'rate' }, op: '<', target: 0.001 });
  });

  it('deep-freezes the result', () => {
    const s = loadScenario(join(FIXTURES, 'full.yaml'));
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.phases[0])).toBe(true);
    expect(Object.isFrozen(s.flow.iteration[6])).toBe(true);
    const loop = s.flow.iteration[6] as Extract<Scenario['flow']['iteration'][number], { kind: 'loop' }>;
    expect(Object.isFrozen(loop.steps[0])).toBe(true);
    expect(() => {
      (s as { name: string }).name = 'x';
    }).toThrow(TypeError);
  });

  it.each([
    ['target: 127.0.0.1:7000', { host: '127.0.0.1', port: 7000, metricsUrl: null }],
    ['target: "[::1]:7001"', { host: '::1', port: 7001, metricsUrl: null }],
    ['target: { host: example.test, port: 80 }', { host: 'example.test', port: 80, metricsUrl: null }],
  ])('target %s', (line, target) => {
    expect(parseScenario(`${MINIMAL}${line}\n`, SOURCE).target).toEqual(target);
  });

  it('takes a flow mapping with its own onStart/onStop, empty ones included', () => {
    const s = parseScenario(`name: t
flow: { onStart: [], iteration: [connect, disconnect], onStop: [] }
phases: [{ executor: constant-vus, vus: 1, duration: 1s }]
`, SOURCE);
    expect(s.flow).toEqual({ onStart: [], iteration: [{ kind: 'connect' }, { kind: 'disconnect' }], onStop: [] });
  });

  it('accepts the object forms of steps and server.command', () => {
    const s = parseScenario(`name: t
server: { processes: 2, command: [npx, tsx, ../servers/x.ts, --port, "{port}", --n, 5], readyTimeout: 10s }
flow:
  - connect: {}
  - ping: ~
  - send: PingReq
  - disconnect: ~
phases:
  - { executor: constant-request-rate, connections: 2, rate: 1.5k, duration: 1s, request: { send: { packet: X, values: { a: 1 } }, expect: { packet: Y } } }
`, SOURCE);
    expect(s.server).toEqual({ processes: 2, options: {}, command: ['npx', 'tsx', '../servers/x.ts', '--port', '{port}', '--n', '5'], readyTimeoutMs: 10_000 });
    expect(s.flow.iteration).toEqual([
      { kind: 'connect' },
      { kind: 'ping', timeoutMs: 5000 },
      { kind: 'send', packet: 'PingReq', name: 'PingReq', values: {}, expect: null },
      { kind: 'disconnect' },
    ]);
    expect(s.phases[0]).toMatchObject({
      rate: 1500,
      request: { kind: 'send', packet: 'X', name: 'X', values: { a: 1 }, expect: { packet: 'Y', match: {}, capture: {}, timeoutMs: 5000 } },
    });
  });

  it('defaults maxVus to preAllocatedVus and startVus/startRate to 0', () => {
    const s = parseScenario(`name: t
flow: [ping]
phases:
  - { executor: constant-arrival-rate, rate: 10, duration: 1s, preAllocatedVus: 5 }
  - { executor: ramping-vus, stages: [{ duration: 1s, target: 3 }] }
  - { executor: ramping-arrival-rate, stages: [{ duration: 0s, target: 5 }, { duration: 2s, target: 5 }], preAllocatedVus: 2 }
`, SOURCE);
    expect(s.phases[0]).toMatchObject({ preAllocatedVus: 5, maxVus: 5 });
    expect(s.phases[1]).toMatchObject({ startVus: 0 });
    expect(s.phases[2]).toMatchObject({ startRate: 0, maxVus: 2 });
  });
});

/** Builds a scenario with `extra` top-level YAML lines after the minimal one. */
const withTop = (extra: string): string => `${MINIMAL}${extra}\n`;

describe('schema mistakes: each is reported with its path and line', () => {
  it.each([
    // [case, yaml, path, line, message fragment]
    ['unknown top-level field', withTop('vu: 1'), 'vu', 5, "unknown field 'vu' (allowed: name, description"],
    ['misspelt field suggests the right one', withTop('treshholds: []'), 'treshholds', 5, "did you mean 'thresholds'?"],
    ['bad name', MINIMAL.replace('name: t', 'name: My Test'), 'name', 1, "name 'My Test' must be lowercase letters"],
    ['missing name', MINIMAL.replace('name: t\n', ''), '', 1, "missing required field 'name'"],
    ['missing phases', 'name: t\nflow: [ping]\n', '', 1, "missing required field 'phases'"],
    ['empty phases', 'name: t\nflow: [ping]\nphases: []\n', 'phases', 3, 'phases must have at least 1 item'],
    ['empty flow', 'name: t\nflow: []\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n', 'flow', 2, 'must have at least 1 item'],
    ['flow missing iteration', 'name: t\nflow: { onStart: [connect] }\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n', 'flow', 2, "missing required field 'iteration'"],
    ['bad duration text', MINIMAL.replace('duration: 1s', 'duration: 10 seconds'), 'phases[0].duration', 4, "duration '10 seconds' is not a duration (e.g. 500ms, 30s, 2m, 1h30m)"],
    ['duration without unit', MINIMAL.replace('duration: 1s', 'duration: 10'), 'phases[0].duration', 4, 'duration 10 needs a unit'],
    ['zero duration', MINIMAL.replace('duration: 1s', 'duration: 0s'), 'phases[0].duration', 4, 'duration must be greater than 0'],
    ['vus below 1', MINIMAL.replace('vus: 1', 'vus: 0'), 'phases[0].vus', 4, 'vus must be ≥ 1, got 0'],
    ['fractional vus', MINIMAL.replace('vus: 1', 'vus: 1.5'), 'phases[0].vus', 4, 'vus must be a whole number'],
    ['vus not a count', MINIMAL.replace('vus: 1', 'vus: many'), 'phases[0].vus', 4, "vus must be an integer (k/M suffixes allowed: 100, 10k, 1.5M), got 'many'"],
    ['unknown executor', MINIMAL.replace('constant-vus', 'constant-users'), 'phases[0].executor', 4, "'constant-users' is not an executor (allowed: constant-vus, ramping-vus"],
    ['missing executor', MINIMAL.replace('executor: constant-vus, ', ''), 'phases[0]', 4, "missing required field 'executor'"],
    ['field of another executor', MINIMAL.replace('vus: 1,', 'vus: 1, rate: 5,'), 'phases[0].rate', 4, "unknown field 'rate' (allowed: name, gracefulStop, executor, vus, duration)"],
    ['missing field of the executor', MINIMAL.replace('vus: 1, ', ''), 'phases[0]', 4, "missing required field 'vus'"],
    ['bad phase name', MINIMAL.replace('{ executor', '{ name: "a b", executor'), 'phases[0].name', 4, "name 'a b' may contain only letters, digits"],
    ['stage target negative', withTop('').replace('phases:\n  - { executor: constant-vus, vus: 1, duration: 1s }', 'phases:\n  - executor: ramping-vus\n    stages:\n      - { duration: 1s, target: -3 }'), 'phases[0].stages[0].target', 6, 'target must be ≥ 0, got -3'],
    ['unknown bare step', MINIMAL.replace('[ping]', '[pong]'), 'flow[0]', 2, "'pong' is not a step"],
    ['unknown step kind', MINIMAL.replace('[ping]', '[{ jump: 1 }]'), 'flow[0]', 2, "unknown step 'jump' (steps: connect, disconnect, ping, send, think, loop, set)"],
    ['two kinds in one step', MINIMAL.replace('[ping]', '\n  - { ping: ~, think: 1s }'), 'flow[0].think', 3, "one step per list item: put 'think' in its own"],
    ['bad think', MINIMAL.replace('[ping]', '[{ think: soon }]'), 'flow[0].think', 2, "think 'soon' is not a duration"],
    ['think with two distributions', MINIMAL.replace('[ping]', '[{ think: { uniform: [1ms, 2ms], exponential: 1ms } }]'), 'flow[0].think', 2, 'must be a duration (10ms), { uniform: [5ms, 20ms] } or { exponential: 10ms }'],
    ['uniform with one bound', MINIMAL.replace('[ping]', '[{ think: { uniform: [1ms] } }]'), 'flow[0].think.uniform', 2, 'must be [min, max]'],
    ['send without packet', MINIMAL.replace('[ping]', '[{ send: { values: {} } }]'), 'flow[0].send', 2, "missing required field 'packet'"],
    ['expect without packet', MINIMAL.replace('[ping]', '[{ send: X, expect: { timeout: 1s } }]'), 'flow[0].expect', 2, "missing required field 'packet'"],
    ['ping option typo', MINIMAL.replace('[ping]', '[{ ping: { timout: 1s } }]'), 'flow[0].ping.timout', 2, "unknown field 'timout' (did you mean 'timeout'?"],
    ['connect with options', MINIMAL.replace('[ping]', '[{ connect: { fast: true } }]'), 'flow[0].connect', 2, 'takes no options'],
    ['loop without steps', MINIMAL.replace('[ping]', '[{ loop: { count: 2 } }]'), 'flow[0].loop', 2, "missing required field 'steps'"],
    ['bad capture name', MINIMAL.replace('[ping]', '[{ send: X, expect: { packet: Y, capture: { 2x: a } } }]'), 'flow[0].expect.capture["2x"]', 2, "'2x' is not a valid capture name"],
    ['bad variable name', withTop('variables: { my-var: 1 }'), 'variables.my-var', 5, "'my-var' is not a valid variable name"],
    ['bad target', withTop('target: localhost'), 'target', 5, "target 'localhost' must be host:port"],
    ['target port out of range', withTop('target: { host: h, port: 70000 }'), 'target.port', 5, 'port must be ≤ 65535, got 70000'],
    ['target metrics not a URL', withTop('target: { host: h, port: 1, metrics: "h:9100" }'), 'target.metrics', 5, 'must be an http(s) URL'],
    ['workers word', withTop('workers: many'), 'workers', 5, "workers must be 'auto' or an integer ≥ 1, got 'many'"],
    ['workers zero', withTop('workers: 0'), 'workers', 5, 'workers must be ≥ 1, got 0'],
    ['connect rate zero', withTop('connect: { rate: 0 }'), 'connect.rate', 5, 'rate must be > 0, got 0'],
    ['source address', withTop('connect: { sourceAddresses: [127.0.0.300] }'), 'connect.sourceAddresses[0]', 5, 'must be an IPv4 address'],
    ['feeder order', withTop('feeders: { p: { file: players.csv, order: shuffled } }'), 'feeders.p.order', 5, 'order must be one of sequential, random, unique'],
    ['threshold wrong type', withTop('thresholds: [3]'), 'thresholds[0]', 5, 'item must be a string or a mapping, got number 3'],
    ['threshold object typo', withTop('thresholds: [{ threshold: "rps > 1", abortOnFial: true }]'), 'thresholds[0].abortOnFial', 5, "did you mean 'abortOnFail'?"],
    ['server options with a bad value', withTop('server: { options: { maxSessions: [1] } }'), 'server.options.maxSessions', 5, 'maxSessions must be a string or a number or true or false, got a list'],
    ['wrong type of section', withTop('connect: 5'), 'connect', 5, 'connect must be a mapping, got number 5'],
    ['flow of the wrong type', MINIMAL.replace('[ping]', '5'), 'flow', 2, 'flow must be a list of steps or a mapping { onStart, iteration, onStop }, got number 5'],
    ['step of the wrong type (one issue, not one per branch)', MINIMAL.replace('[ping]', '[7]'), 'flow[0]', 2, 'item must be a step: a bare name (connect, disconnect, ping) or a mapping like { think: 10ms }, got number 7'],
    ['phase that is not a mapping', MINIMAL.replace('{ executor: constant-vus, vus: 1, duration: 1s }', 'constant-vus'), 'phases[0]', 4, "item must be a mapping { executor, … }, got string 'constant-vus'"],
    ['fractional workers', withTop('workers: 1.5'), 'workers', 5, "workers must be 'auto' or an integer ≥ 1, got number 1.5"],
    ['feeder of the wrong type', withTop('feeders: { p: 5 }'), 'feeders.p', 5, 'p must be a CSV file path or a mapping { file, order }, got number 5'],
  ])('%s', (_case, yaml, path, line, message) => {
    const issues = issuesOf(yaml);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path, line });
    expect(issues[0]?.message).toContain(message);
  });
});

describe('semantic mistakes', () => {
  it.each([
    ['duplicate phase names', MINIMAL + '  - { name: phase-1, executor: constant-vus, vus: 1, duration: 1s }\n', 'phases[1].name', 5, "phase name 'phase-1' is already used by phases[0]"],
    ['maxVus below preAllocatedVus', MINIMAL.replace('{ executor: constant-vus, vus: 1, duration: 1s }', '{ executor: constant-arrival-rate, rate: 5, duration: 1s, preAllocatedVus: 10, maxVus: 5 }'), 'phases[0].maxVus', 4, 'maxVus (5) must be ≥ preAllocatedVus (10)'],
    ['zero-length ramp', MINIMAL.replace('{ executor: constant-vus, vus: 1, duration: 1s }', '{ executor: ramping-vus, stages: [{ duration: 0s, target: 5 }] }'), 'phases[0].stages', 4, 'the stages last 0 in total'],
    ['loop with count and duration', MINIMAL.replace('[ping]', '[{ loop: { count: 2, duration: 1s, steps: [ping] } }]'), 'flow[0].loop', 2, 'a loop needs exactly one of count or duration (both were given)'],
    ['loop with neither', MINIMAL.replace('[ping]', '[{ loop: { steps: [ping] } }]'), 'flow[0].loop', 2, 'neither was given'],
    ['loop with no steps', MINIMAL.replace('[ping]', '[{ loop: { count: 1, steps: [] } }]'), 'flow[0].loop.steps', 2, 'a loop needs at least one step'],
    ['uniform min above max', MINIMAL.replace('[ping]', '[{ think: { uniform: [20ms, 5ms] } }]'), 'flow[0].think.uniform', 2, 'min must be ≤ max'],
    ['template syntax', MINIMAL.replace('[ping]', '[{ send: { packet: X, values: { a: "{{ vu.id" } } }]'), 'flow[0].send.values.a', 2, "unclosed '{{'"],
    ['template unknown function', MINIMAL.replace('[ping]', '[{ set: { a: "{{ rnd(1, 2) }}" } }]'), 'flow[0].set.a', 2, "unknown function 'rnd'"],
    ['template unknown variable', MINIMAL.replace('[ping]', '[{ set: { a: "{{ vars.b }}" } }]'), 'flow[0].set.a', 2, "unknown variable 'b' (defined: a;"],
    ['template unknown feeder', MINIMAL.replace('[ping]', '[{ set: { a: "{{ feeder.users.name }}" } }]'), 'flow[0].set.a', 2, "unknown feeder 'users' (no feeders are defined)"],
    ['template unknown feeder column', withTop('feeders: { players: players.csv }').replace('[ping]', '[{ set: { a: "{{ feeder.players.nme }}" } }]'), 'flow[0].set.a', 2, "feeder 'players' has no column 'nme' (columns: id, name, home region)"],
    ['sent outside expect.match', MINIMAL.replace('[ping]', '[{ send: { packet: X, values: { a: "{{ sent.a }}" } } }]'), 'flow[0].send.values.a', 2, 'sent.a is only available in expect.match'],
    ['template in token', withTop('connect: { token: "{{ vu.name }}" }'), 'connect.token', 5, "unknown value 'vu.name'"],
    ['variable using a later variable', withTop('variables: { a: "{{ vars.b }}", b: 1 }'), 'variables.a', 5, "variable 'b' is not set yet here (variables are evaluated in order"],
    ['variable with a bad template', withTop('variables: { a: "{{ vu.nme }}" }'), 'variables.a', 5, "unknown value 'vu.nme'"],
    ['variable using sent', withTop('variables: { a: "{{ sent.x }}" }'), 'variables.a', 5, 'sent.x is only available in expect.match'],
    ['missing feeder file', withTop('feeders: { p: { file: nope.csv } }'), 'feeders.p.file', 5, "feeder file 'nope.csv' does not exist"],
    ['feeder file is a directory', withTop('feeders: { p: . }'), 'feeders.p', 5, 'is not a file'],
    ['missing catalogue file', withTop('catalogue: ../catalogues/none.yaml'), 'catalogue', 5, "catalogue '../catalogues/none.yaml' does not exist"],
    ['options with a command', withTop('server: { command: [x], options: { a: 1 } }'), 'server.options', 5, 'with a command, put the flags into the command'],
    ['delayAbortEval without abortOnFail', withTop('thresholds: [{ threshold: "rps > 1", delayAbortEval: 5s }]'), 'thresholds[0].delayAbortEval', 5, 'only applies with abortOnFail: true'],
    ['threshold unknown metric', withTop('thresholds: ["latncy.p99 < 2ms"]'), 'thresholds[0]', 5, "threshold 'latncy.p99 < 2ms': unknown metric 'latncy.p99'"],
    ['threshold unknown phase', withTop('thresholds: ["latency{phase:steady}.p99 < 2ms"]'), 'thresholds[0]', 5, "no phase named 'steady' (phases: phase-1)"],
    ['threshold unknown request', withTop('thresholds: ["latency{packet:Ping}.p99 < 2ms"]'), 'thresholds[0]', 5, "no request named 'Ping' (requests: PingReq;"],
    ['threshold in object form', withTop('thresholds:\n  - threshold: "rps > 1x"'), 'thresholds[0].threshold', 6, "value '1x' is not a rate"],
  ])('%s', (_case, yaml, path, line, message) => {
    const issues = issuesOf(yaml);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path, line });
    expect(issues[0]?.message).toContain(message);
  });

  it('variables may be templates that use earlier variables, feeders and the VU', () => {
    const s = parseScenario(withTop('feeders: { players: players.csv }\nvariables: { base: 10, user: "u-{{ vu.id }}-{{ vars.base }}", who: "{{ feeder.players.name }}" }'), SOURCE);
    expect(s.variables).toEqual({ base: 10, user: 'u-{{ vu.id }}-{{ vars.base }}', who: '{{ feeder.players.name }}' });
  });

  it('captures and set steps define variables for later templates', () => {
    const s = parseScenario(MINIMAL.replace('[ping]', '[{ send: X, expect: { packet: Y, capture: { pos: x } } }, { set: { last: "{{ vars.pos }}", n: "{{ vars.last }}" } }]'), SOURCE);
    expect(s.flow.iteration[1]).toEqual({ kind: 'set', vars: { last: '{{ vars.pos }}', n: '{{ vars.last }}' } });
  });
});

describe('several mistakes at once', () => {
  it('reports the five mistakes of five-mistakes.yaml, each with its line, sorted', () => {
    let err: unknown;
    try {
      loadScenario(join(FIXTURES, 'five-mistakes.yaml'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const issues = (err as ScenarioError).issues;
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['flow[1].think', 5],
      ['flow[2].send.values.x', 8],
      ['phases[0].vu', 11],
      ['phases[1].stages[0].target', 14],
      ['thresholds[0]', 16],
    ]);
  });

  it('keeps semantic issues next to schema issues when they are elsewhere', () => {
    const issues = issuesOf(`name: t
flow:
  - set: { a: "{{ nope }}" }
phases:
  - { executor: constant-vus, vus: 0, duration: 1s }
`);
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['flow[0].set.a', 3],
      ['phases[0].vus', 5],
    ]);
  });

  it('reports YAML syntax errors with their lines', () => {
    const issues = issuesOf('name: t\nflow: [ping\nphases: []\n');
    expect(issues.length).toBeGreaterThanOrEqual(1);
    expect(issues[0]?.message).toMatch(/^YAML syntax error: /);
    expect(issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports duplicate keys as syntax errors', () => {
    const issues = issuesOf(`${MINIMAL}name: u\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '', line: 5 });
    expect(issues[0]?.message).toContain('unique');
  });

  it('rejects a document that is not a mapping', () => {
    expect(issuesOf('- a\n- b\n')[0]?.message).toBe('scenario must be a mapping, got a list');
    expect(issuesOf('')[0]?.message).toBe('scenario must be a mapping, got nothing');
  });

  it('rejects YAML alias bombs', () => {
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    expect(issuesOf(bomb)[0]?.message).toMatch(/^YAML error: .*alias/i);
  });
});

describe('unreadable files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nmt-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['a missing file', join(dir, 'missing.yaml'), 'no such file'],
    ['a directory', dir, 'is not a file'],
  ])('%s → NMT_SCENARIO_UNREADABLE', (_case, path, message) => {
    let err: unknown;
    try {
      loadScenario(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).code).toBe(ScenarioErrorCode.UNREADABLE);
    expect((err as ScenarioError).message).toContain(message);
  });

  it('refuses files over the size limit', () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, MINIMAL + `description: "${'x'.repeat(200)}"\n`);
    expect(() => loadScenario(file, {}, { maxFileBytes: 100 })).toThrow(/limited to 100 bytes/);
    expect(loadScenario(file).name).toBe('t');
  });
});

describe('formatIssues', () => {
  it('prints file:line: path: message lines', () => {
    const text = formatIssues(
      [
        { path: 'phases[0].vus', line: 12, message: 'vus must be ≥ 1, got 0' },
        { path: '', line: 3, message: 'YAML syntax error: x' },
        { path: '(--duration)', line: null, message: 'bad' },
      ],
      'scenarios/ping.yaml',
    );
    expect(text).toBe(
      'scenarios/ping.yaml:12: phases[0].vus: vus must be ≥ 1, got 0\n' +
        'scenarios/ping.yaml:3: YAML syntax error: x\n' +
        'scenarios/ping.yaml: (--duration): bad',
    );
  });

  it('is what ScenarioError.message contains, indented under a summary', () => {
    let err: unknown;
    try {
      parseScenario(MINIMAL.replace('vus: 1', 'vus: 0'), 'my.yaml');
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe('my.yaml: invalid scenario (1 issue)\n  my.yaml:4: phases[0].vus: vus must be ≥ 1, got 0');
  });
});
