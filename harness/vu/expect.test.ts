import { describe, expect, it } from 'vitest';
import { builtinCatalogue, parseCatalogue } from '../../protocol/catalogue/index.ts';
import { encodePongRes } from '../../protocol/packets.ts';
import { VuErrorCode } from './errors.ts';
import { compileExpect, matches, PendingRequest, readU32, sameValue, u32Match } from './expect.ts';

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

describe('in-place u32 match', () => {
  const header = (e: string) => `header: { endianness: ${e}, fields: [size, id], size: { type: u16, includesHeader: true }, id: { type: u16 } }`;
  const packet = (e: string) =>
    parseCatalogue(
      [
        'catalogue: u32',
        header(e),
        'packets:',
        '  Res: { id: 0x10, direction: server, fields: [ { name: a, type: u8 }, { name: n, type: u32 }, { name: w, type: u64 }, { name: s, type: string, lengthPrefix: u8 }, { name: after, type: u32 } ] }',
      ].join('\n'),
      { source: `${e}.yaml`, baseDir: '/tmp' },
    ).byName('Res')!;

  it.each(['little', 'big'])('reads a %s-endian u32 exactly as the catalogue reader does', (e) => {
    const codec = packet(e);
    const m = u32Match(codec, 'n', codec.fieldReader('n')!);
    expect(m).toEqual({ at: 5, littleEndian: e === 'little' });
    for (const n of [0, 1, 0x80, 0x1234_5678, 0x8000_0000, 0xffff_ffff]) {
      const buf = Buffer.concat([Buffer.alloc(3, 0xee), codec.encode({ a: 9, n, w: 3, s: 'x', after: 1 })]);
      expect(readU32(buf, 3 + m!.at, m!.littleEndian)).toBe(codec.fieldReader('n')!(buf, 3));
      expect(readU32(buf, 3 + m!.at, m!.littleEndian)).toBe(n);
    }
  });

  it('is used only for one u32 field at a fixed offset with nothing to decode', () => {
    const codec = packet('little');
    expect(u32Match(codec, 'w', codec.fieldReader('w')!)).toBeNull(); // u64
    expect(u32Match(codec, 'a', codec.fieldReader('a')!)).toBeNull(); // u8
    const catalogue = builtinCatalogue();
    const one = compileExpect({ packet: 'PongRes', match: { seq: 1 }, capture: {}, timeoutMs: 1 }, catalogue, 'x');
    expect(one.u32MatchAt).toBe(catalogue.byName('PongRes')!.fields.find((f) => f.name === 'seq')!.offset);
    const two = compileExpect({ packet: 'PongRes', match: { seq: 1, serverTime: 2 }, capture: {}, timeoutMs: 1 }, catalogue, 'x');
    expect(two.u32MatchAt).toBe(-1);
    const decodes = compileExpect({ packet: 'DisconnectNotice', match: { reason: 1 }, capture: { t: 'text' }, timeoutMs: 1 }, catalogue, 'x');
    expect(decodes.needsDecode).toBe(true);
    expect(decodes.u32MatchAt).toBe(-1);
  });
});
