import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { builtinCatalogue } from '../../protocol/catalogue/index.ts';
import { headerYaml, packetWith, thrown } from '../../protocol/catalogue/test-support.ts';
import { pingTemplateCodec } from './ping-template.ts';

const PING_FIELDS = ['{ name: clientTime, type: u64 }', '{ name: seq, type: u32 }'];

/** encodeInto at `offset` of a buffer pre-filled with 0xee, as hex. */
function encodedAt(codec: ReturnType<typeof pingTemplateCodec>, values: Record<string, unknown>, offset = 3): string {
  const buf = Buffer.alloc(offset + (codec.fixedSize ?? 64) + 2, 0xee);
  const n = codec.encodeInto(buf, offset, values);
  return buf.subarray(0, offset + n + 2).toString('hex');
}

describe('pingTemplateCodec', () => {
  const ping = builtinCatalogue().byName('PingReq')!;
  const fast = pingTemplateCodec(ping);

  it('takes over the built-in PingReq and keeps everything but encodeInto', () => {
    expect(fast).not.toBe(ping);
    expect(fast.encodeInto).not.toBe(ping.encodeInto);
    expect(fast.name).toBe('PingReq');
    expect(fast.id).toBe(ping.id);
    expect(fast.fixedSize).toBe(16);
    expect(fast.encode).toBe(ping.encode);
    expect(fast.decode).toBe(ping.decode);
  });

  it('writes a known PingReq byte for byte (hex fixture)', () => {
    const buf = Buffer.alloc(16);
    expect(fast.encodeInto(buf, 0, { clientTime: 0x0001_0203_0405_0607, seq: 0x0a0b0c0d })).toBe(16);
    // size 16, id 3, clientTime LE, seq LE
    expect(buf.toString('hex')).toBe('10000300' + '0706050403020100' + '0d0c0b0a');
  });

  it('writes exactly what the catalogue encoder writes, at any offset (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 0, max: 40 }),
        (clientTime, seq, offset) => {
          const values = { clientTime, seq };
          expect(encodedAt(fast, values, offset)).toBe(encodedAt(ping, values, offset));
        },
      ),
    );
  });

  it('works out a big-endian layout from the catalogue', () => {
    const be = packetWith(PING_FIELDS, { header: headerYaml('big') });
    const fastBe = pingTemplateCodec(be);
    expect(fastBe).not.toBe(be);
    const values = { clientTime: 0x0001_0203_0405_0607, seq: 0x0a0b0c0d };
    expect(encodedAt(fastBe, values)).toBe(encodedAt(be, values));
    expect(encodedAt(fastBe, values)).toContain('0001020304050607' + '0a0b0c0d');
  });

  it('takes the field offsets from the catalogue (seq first)', () => {
    const swapped = packetWith(['{ name: seq, type: u32 }', '{ name: clientTime, type: u64 }']);
    const out = pingTemplateCodec(swapped);
    expect(out).not.toBe(swapped);
    const values = { clientTime: 123_456_789_012, seq: 77 };
    expect(encodedAt(out, values)).toBe(encodedAt(swapped, values));
  });

  it.each([
    ['a 32-bit clientTime', ['{ name: clientTime, type: u32 }', '{ name: seq, type: u32 }']],
    ['a third field', [...PING_FIELDS, '{ name: flags, type: u8 }']],
    ['a variable-size field', ['{ name: clientTime, type: u64 }', '{ name: seq, type: string, lengthPrefix: u8 }']],
    ['no seq', ['{ name: clientTime, type: u64 }']],
  ])('leaves a packet of another shape to the catalogue codec: %s', (_what, fields) => {
    const codec = packetWith(fields);
    expect(pingTemplateCodec(codec)).toBe(codec);
  });

  it.each([
    ['a negative seq', { clientTime: 1, seq: -1 }],
    ['a seq over u32', { clientTime: 1, seq: 2 ** 32 }],
    ['a fractional clientTime', { clientTime: 1.5, seq: 1 }],
    ['a missing seq', { clientTime: 1 }],
    ['a string clientTime', { clientTime: 'soon', seq: 1 }],
  ])('rejects %s like the catalogue encoder does', (_what, values) => {
    const buf = Buffer.alloc(16);
    const generic = thrown(() => ping.encodeInto(buf, 0, values));
    const err = thrown(() => fast.encodeInto(buf, 0, values));
    expect(err.code).toBe(generic.code);
    expect(err.code).toBe('NMT_CATALOGUE_ENCODE');
  });

  it('takes bigints and values past 2^53 through the catalogue encoder', () => {
    const values = { clientTime: 2n ** 63n + 5n, seq: 9 };
    expect(encodedAt(fast, values)).toBe(encodedAt(ping, values));
  });

  it('reports no room like the catalogue encoder', () => {
    const small = Buffer.alloc(20);
    const values = { clientTime: 1, seq: 1 };
    expect(thrown(() => fast.encodeInto(small, 5, values)).code).toBe(thrown(() => ping.encodeInto(small, 5, values)).code);
  });
});
