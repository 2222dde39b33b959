import { describe, expect, it } from 'vitest';
import { builtinCatalogue } from '../../protocol/catalogue/index.ts';
import { encodePongRes } from '../../protocol/packets.ts';
import { VuErrorCode } from './errors.ts';
import { compileExpect, matches, PendingRequest, sameValue } from './expect.ts';

describe('sameValue', () => {
  it.each([
    [7, 7, true],
    [7, 8, false],
    [7, '7', true],
    [7, ' 7 ', true],
    [7, '', false],
    [7n, 7, true],
    [7n, '7', true],
    [2n ** 60n, 2 ** 60, true],
    [2n ** 60n + 1n, 2 ** 60, false],
    [7, 7.5, false],
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    [true, 'true', true],
    [null, null, true],
    [undefined, 'x', false],
    [Buffer.from([1, 2]), Buffer.from([1, 2]), true],
    [Buffer.from([1, 2]), Buffer.from([1, 3]), false],
    [{ a: 1n }, { a: '1' }, true],
  ])('sameValue(%o, %o) = %s', (a, b, want) => {
    expect(sameValue(a, b)).toBe(want);
  });
});

describe('compileExpect', () => {
  const catalogue = builtinCatalogue();

  it('reads fixed-offset fields without decoding and matches values from templates', () => {
    const spec = compileExpect(
      { packet: 'PongRes', match: { seq: '{{ sent.seq }}' }, capture: { t: 'serverTime' }, timeoutMs: 100 },
      catalogue,
      'flow.iteration[0].expect',
    );
    expect(spec.responseId).toBe(4);
    expect(spec.needsDecode).toBe(false);
    const req = new PendingRequest();
    req.spec = spec;
    req.expected[0] = 41;
    const pong = encodePongRes({ clientTime: 1, serverTime: 2, seq: 41 });
    expect(matches(req, pong, 0, null)).toBe(true);
    req.expected[0] = 42;
    expect(matches(req, pong, 0, null)).toBe(false);
  });

  it('falls back to the decoded packet for variable-offset fields', () => {
    const spec = compileExpect({ packet: 'DisconnectNotice', match: { text: 'bye' }, capture: {}, timeoutMs: 100 }, catalogue, 'x');
    expect(spec.needsDecode).toBe(true);
    const req = new PendingRequest();
    req.spec = spec;
    req.expected[0] = 'bye';
    expect(matches(req, Buffer.alloc(0), 0, { reason: 0, text: 'bye' })).toBe(true);
    expect(matches(req, Buffer.alloc(0), 0, { reason: 0, text: 'no' })).toBe(false);
  });

  it.each([
    [{ packet: 'Nope', match: {}, capture: {}, timeoutMs: 1 }, VuErrorCode.UNKNOWN_PACKET, 'p.expect.packet'],
    [{ packet: 'PongRes', match: { nope: 1 }, capture: {}, timeoutMs: 1 }, VuErrorCode.UNKNOWN_FIELD, 'p.expect.match.nope'],
    [{ packet: 'PongRes', match: {}, capture: { v: 'nope' }, timeoutMs: 1 }, VuErrorCode.UNKNOWN_FIELD, 'p.expect.capture.v'],
  ])('rejects %j with %s at its path', (cfg, code, path) => {
    expect(() => compileExpect(cfg, catalogue, 'p.expect')).toThrow(expect.objectContaining({ code, path }));
  });
});
