import { describe, expect, it } from 'vitest';
import { validateAgainstCatalogue } from './catalogue-check.ts';
import { parseScenario } from './load.ts';
import type { Scenario } from './types.ts';

const BUILTIN = new Set(['SessionConnectReq', 'SessionConnectRes', 'PingReq', 'PongRes', 'DisconnectNotice']);
const GAME = new Set([...BUILTIN, 'PlayerMove', 'PlayerMoveAck']);
const FIELDS: Record<string, string[]> = { PlayerMove: ['seq', 'x', 'y'], PlayerMoveAck: ['seq', 'x'] };

const text = `name: t
flow:
  - ping
  - send:
      packet: PlayerMove
      values: { seq: 1, z: 2 }
    expect: { packet: PlayerMoveAk, capture: { pos: x } }
  - loop:
      count: 2
      steps:
        - send: PlayerMov
phases:
  - { executor: constant-request-rate, connections: 1, rate: 5, duration: 1s, request: { send: { packet: Nope }, expect: { packet: PongRes } } }
`;

describe('validateAgainstCatalogue', () => {
  it('accepts a scenario whose packets all exist', () => {
    const s = parseScenario('name: t\nflow: [ping, { send: PlayerMove, expect: { packet: PlayerMoveAck, match: { seq: 1 } } }]\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n', 'x.yaml');
    expect(validateAgainstCatalogue(s, GAME, { fieldsOf: (p) => FIELDS[p] })).toEqual([]);
  });

  it('reports unknown packets with YAML paths, lines and suggestions', () => {
    const issues = validateAgainstCatalogue(parseScenario(text, 'x.yaml'), GAME);
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['flow[1].expect.packet', 7],
      ['flow[2].loop.steps[0].send.packet', 11],
      ['phases[0].request.send.packet', 13],
    ]);
    expect(issues[0]?.message).toBe(
      "unknown packet 'PlayerMoveAk' (did you mean 'PlayerMoveAck'?) (catalogue packets: DisconnectNotice, PingReq, PlayerMove, PlayerMoveAck, PongRes, SessionConnectReq, SessionConnectRes)",
    );
    expect(issues[1]?.message).toContain("did you mean 'PlayerMove'?");
    expect(issues[2]?.message).not.toContain('did you mean');
  });

  it('checks field names when the catalogue can tell them', () => {
    const s = parseScenario(
      'name: t\nflow:\n  - send: { packet: PlayerMove, values: { seq: 1, z: 2 } }\n    expect: { packet: PlayerMoveAck, match: { q: 1 }, capture: { pos: y } }\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n',
      'x.yaml',
    );
    const issues = validateAgainstCatalogue(s, GAME, { fieldsOf: (p) => FIELDS[p] });
    expect(issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['flow[0].send.values.z', 3, "packet PlayerMove has no field 'z' for values (fields: seq, x, y)"],
      ['flow[0].expect.match.q', 4, "packet PlayerMoveAck has no field 'q' for match (fields: seq, x)"],
      ['flow[0].expect.capture.y', 4, "packet PlayerMoveAck has no field 'y' for capture (fields: seq, x)"],
    ]);
  });

  it('requires PingReq/PongRes for ping steps, but no session packets for connect', () => {
    const s = parseScenario('name: t\nflow: [connect, ping, { loop: { count: 2, steps: [ping] } }]\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n', 'x.yaml');
    const issues = validateAgainstCatalogue(s, new Set(['Foo', 'PingReq']));
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['flow[1]', 2],
      ['flow[2].loop.steps[0]', 2],
    ]);
    expect(issues[0]?.message).toBe('a ping step needs packets PingReq and PongRes, which the catalogue does not define (catalogue packets: Foo, PingReq)');
    const noPing = parseScenario('name: t\nflow: [connect, disconnect]\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n', 'x.yaml');
    expect(validateAgainstCatalogue(noPing, new Set(['Foo']))).toEqual([]);
  });

  it('works on scenarios built in code (no lines)', () => {
    const s = parseScenario('name: t\nflow: [{ send: Zap }]\nphases: [{ executor: constant-vus, vus: 1, duration: 1s }]\n', 'x.yaml');
    const copy = structuredClone(s) as Scenario;
    expect(validateAgainstCatalogue(copy, BUILTIN)).toEqual([
      { path: 'send.packet', line: null, message: expect.stringContaining("unknown packet 'Zap'") as string },
    ]);
  });
});
