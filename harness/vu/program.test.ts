import { describe, expect, it } from 'vitest';
import { builtinCatalogue, parseCatalogue } from '../../protocol/catalogue/index.ts';
import { SampleRecorder } from '../executors/test-support.ts';
import type { Step } from '../scenario/types.ts';
import { VuErrorCode } from './errors.ts';
import { compileProgram, compileRequest, Op } from './program.ts';

const env = () => ({ catalogue: builtinCatalogue(), recorder: new SampleRecorder() });

const ping: Step = { kind: 'ping', timeoutMs: 1000 };

describe('compileProgram', () => {
  it('turns nested loops into jumps', () => {
    const steps: Step[] = [
      ping,
      {
        kind: 'loop',
        count: 3,
        durationMs: null,
        steps: [ping, { kind: 'loop', count: null, durationMs: 50, steps: [{ kind: 'think', think: { kind: 'fixed', ms: 1 } }] }],
      },
      { kind: 'set', vars: { a: 1 } },
    ];
    const p = compileProgram(steps, env(), 'flow.iteration');
    expect(p.instrs.map((i) => i.op)).toEqual([Op.Ping, Op.Loop, Op.Ping, Op.Loop, Op.Think, Op.EndLoop, Op.EndLoop, Op.Set]);
    expect(p.loopDepth).toBe(2);
    const outer = p.instrs[1]!;
    const inner = p.instrs[3]!;
    expect(outer.op === Op.Loop && outer.exit).toBe(7);
    expect(inner.op === Op.Loop && inner.exit).toBe(6);
    const innerEnd = p.instrs[5]!;
    const outerEnd = p.instrs[6]!;
    expect(innerEnd.op === Op.EndLoop && innerEnd.body).toBe(4);
    expect(outerEnd.op === Op.EndLoop && outerEnd.body).toBe(2);
    expect(p.sends).toBe(true);
    expect(p.connects).toBe(false);
  });

  it('sends pings through the PingReq template, which writes what the catalogue encoder writes', () => {
    const e = env();
    const instr = compileRequest(ping, e, 'flow.iteration[0]');
    const catalogueCodec = e.catalogue.byName('PingReq')!;
    expect(instr.op).toBe(Op.Ping);
    expect(instr.codec.encodeInto).not.toBe(catalogueCodec.encodeInto);
    expect(instr.codec.name).toBe('PingReq');
    const values = { clientTime: 1_764_000_123_456_789, seq: 4_000_000_001 };
    const a = Buffer.alloc(16);
    const b = Buffer.alloc(16);
    instr.codec.encodeInto(a, 0, values);
    catalogueCodec.encodeInto(b, 0, values);
    expect(a.toString('hex')).toBe(b.toString('hex'));
  });

  it('interns request names once in the recorder', () => {
    const e = env();
    compileProgram(
      [
        ping,
        { kind: 'send', packet: 'PingReq', values: { clientTime: 1, seq: 2 }, expect: null, name: 'raw-ping' },
        ping,
      ],
      e,
      'flow.iteration',
    );
    expect(e.recorder.names).toEqual(['PingReq', 'raw-ping']);
  });

  it.each([
    [{ kind: 'send', packet: 'Nope', values: {}, expect: null, name: 'x' }, VuErrorCode.UNKNOWN_PACKET, 'flow.iteration[0].packet'],
    [{ kind: 'send', packet: 'PongRes', values: {}, expect: null, name: 'x' }, VuErrorCode.INVALID_STEP, 'flow.iteration[0].packet'],
    [{ kind: 'loop', count: null, durationMs: null, steps: [] }, VuErrorCode.INVALID_STEP, 'flow.iteration[0]'],
    [
      {
        kind: 'send',
        packet: 'PingReq',
        values: {},
        expect: { packet: 'PongRes', match: { sequence: 1 }, capture: {}, timeoutMs: 1 },
        name: 'x',
      },
      VuErrorCode.UNKNOWN_FIELD,
      'flow.iteration[0].expect.match.sequence',
    ],
  ] as [Step, string, string][])('rejects %j with %s at %s', (step, code, path) => {
    expect(() => compileProgram([step], env(), 'flow.iteration')).toThrow(expect.objectContaining({ code, path }));
  });

  it('rejects ping on a catalogue without PingReq/PongRes, pointing at send instead', () => {
    const foreign = parseCatalogue(
      [
        'catalogue: foreign',
        'header: { endianness: big, fields: [id, size], id: { type: u16 }, size: { type: u32, includesHeader: false } }',
        'packets:',
        '  Hello: { id: 1, direction: client, fields: [ { name: x, type: u8 } ] }',
      ].join('\n'),
      { source: 'foreign.yaml', baseDir: '/tmp' },
    );
    expect(() => compileRequest({ kind: 'ping', timeoutMs: 1 }, { catalogue: foreign, recorder: new SampleRecorder() }, 'phases.p.request')).toThrow(
      expect.objectContaining({ code: VuErrorCode.UNKNOWN_PACKET, message: expect.stringMatching(/PingReq and PongRes.*send step/) }),
    );
  });
});
