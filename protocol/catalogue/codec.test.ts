/**
 * Field codecs: every type's byte layout (hex fixtures), round trips of every
 * type in both byte orders (fast-check), encode and decode errors, defaults,
 * encodeInto and field readers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ScalarType } from './spec.ts';
import { headerYaml, narrow, packetWith, payloadHex, thrown } from './test-support.ts';

const ENDIANS = ['little', 'big'] as const;

/** Arbitraries for every scalar type, with what decode must return for a value. */
const SCALARS: Record<ScalarType, { arb: fc.Arbitrary<unknown>; expect: (v: unknown) => unknown }> = {
  u8: { arb: fc.integer({ min: 0, max: 0xff }), expect: (v) => v },
  u16: { arb: fc.integer({ min: 0, max: 0xffff }), expect: (v) => v },
  u32: { arb: fc.integer({ min: 0, max: 0xffff_ffff }), expect: (v) => v },
  u64: { arb: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), expect: (v) => narrow(v as bigint) },
  i8: { arb: fc.integer({ min: -0x80, max: 0x7f }), expect: (v) => v },
  i16: { arb: fc.integer({ min: -0x8000, max: 0x7fff }), expect: (v) => v },
  i32: { arb: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), expect: (v) => v },
  i64: { arb: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), expect: (v) => narrow(v as bigint) },
  f32: { arb: fc.float(), expect: (v) => v },
  f64: { arb: fc.double(), expect: (v) => v },
  bool: { arb: fc.boolean(), expect: (v) => v },
};

describe('scalar fields', () => {
  it.each([
    ['u8', 'little', 255, 'ff'],
    ['i8', 'big', -128, '80'],
    ['u16', 'little', 0x1234, '3412'],
    ['u16', 'big', 0x1234, '1234'],
    ['i16', 'big', -2, 'fffe'],
    ['u32', 'little', 0x01020304, '04030201'],
    ['i32', 'big', -1, 'ffffffff'],
    ['u64', 'little', 0x0102030405060708n, '0807060504030201'],
    ['u64', 'big', 2 ** 40, '0000010000000000'],
    ['i64', 'little', -2, 'feffffffffffffff'],
    ['i64', 'big', -(2n ** 63n), '8000000000000000'],
    ['f32', 'big', 1.5, '3fc00000'],
    ['f32', 'little', -Infinity, '000080ff'],
    ['f64', 'little', 1.5, '000000000000f83f'],
    ['bool', 'little', true, '01'],
    ['bool', 'big', 0, '00'],
  ] as const)('%s %s: %s is %s on the wire', (type, endianness, value, hex) => {
    const p = packetWith([`{ name: v, type: ${type} }`], { header: headerYaml(endianness) });
    const buf = p.encode({ v: value });
    expect(payloadHex(buf)).toBe(hex);
    expect(buf.length).toBe(p.fixedSize);
    const back = p.decode(buf, 0, buf.length).v;
    expect(back).toBe(typeof value === 'bigint' ? narrow(value) : type === 'bool' ? Boolean(value) : value);
  });

  const cases = (Object.keys(SCALARS) as ScalarType[]).flatMap((t) => ENDIANS.map((e) => [t, e] as const));
  it.each(cases)('%s %s-endian round-trips any value', (type, endianness) => {
    const p = packetWith([`{ name: a, type: u8 }`, `{ name: v, type: ${type} }`, `{ name: z, type: u8 }`], {
      header: headerYaml(endianness),
    });
    const { arb, expect: expected } = SCALARS[type];
    fc.assert(
      fc.property(arb, (v) => {
        const buf = p.encode({ a: 1, v, z: 2 });
        expect(p.decode(buf, 0, buf.length)).toEqual({ a: 1, v: expected(v), z: 2 });
        expect(p.decode(buf, 0, buf.length).v).toBe(expected(v)); // toBe: tells -0 from 0
      }),
      { numRuns: 200 },
    );
  });

  it('a per-field endianness overrides the catalogue default', () => {
    const p = packetWith(['{ name: a, type: u32, endianness: little }', '{ name: b, type: u32 }'], { header: headerYaml('big') });
    const buf = p.encode({ a: 1, b: 1 });
    expect(payloadHex(buf)).toBe('01000000' + '00000001');
    expect(buf.subarray(0, 4).toString('hex')).toBe('000c0001');
  });

  it.each([
    ['u64', 2 ** 53 - 1, 2 ** 53 - 1],
    ['u64', 2n ** 53n, 2n ** 53n],
    ['u64', 2 ** 60, 2n ** 60n],
    ['u64', 2n ** 64n - 1n, 2n ** 64n - 1n],
    ['i64', -(2 ** 53) + 1, -(2 ** 53) + 1],
    ['i64', -(2n ** 53n), -(2n ** 53n)],
    ['i64', -(2 ** 62), -(2n ** 62n)],
    ['i64', 2n ** 63n - 1n, 2n ** 63n - 1n],
  ] as const)('%s %s decodes as %s (number only when exact)', (type, value, decoded) => {
    const p = packetWith([`{ name: v, type: ${type} }`]);
    const buf = p.encode({ v: value });
    expect(p.decode(buf, 0, buf.length).v).toBe(decoded);
  });
});

describe('string and bytes fields', () => {
  it.each([
    ['{ name: s, type: string, lengthPrefix: u8 }', 'hé', '03' + '68c3a9'],
    ['{ name: s, type: string, lengthPrefix: u16, endianness: big }', 'hi', '0002' + '6869'],
    ['{ name: s, type: string, lengthPrefix: u32 }', '', '00000000'],
    ['{ name: s, type: string, length: 5 }', 'hi', '6869000000'],
    ['{ name: s, type: string, lengthPrefix: u8, encoding: utf16le }', 'hi', '04' + '68006900'],
    ['{ name: s, type: string, length: 6, encoding: utf16le }', 'é', 'e90000000000'],
    ['{ name: s, type: string, lengthPrefix: u8, encoding: latin1 }', 'é!', '02' + 'e921'],
  ])('%s: %j is %s', (field, value, hex) => {
    const p = packetWith([field]);
    const buf = p.encode({ s: value });
    expect(payloadHex(buf)).toBe(hex);
    expect(p.decode(buf, 0, buf.length)).toEqual({ s: value });
  });

  it.each([
    ['{ name: s, type: string, lengthPrefix: u8, maxLength: 40 }', fc.string({ unit: 'binary', maxLength: 10 })],
    ['{ name: s, type: string, lengthPrefix: u16 }', fc.string({ unit: 'binary', maxLength: 300 })],
    ['{ name: s, type: string, lengthPrefix: u32, endianness: big }', fc.string({ unit: 'grapheme', maxLength: 50 })],
    ['{ name: s, type: string, lengthPrefix: u16, encoding: utf16le }', fc.string({ unit: 'binary', maxLength: 50 })],
    ['{ name: s, type: string, lengthPrefix: u8, encoding: latin1 }', fc.string({ unit: 'binary-ascii', maxLength: 50 })],
    // Fixed length: trailing NULs are padding, so values ending in NUL cannot round-trip.
    ['{ name: s, type: string, length: 32 }', fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => !s.endsWith('\0'))],
    ['{ name: s, type: string, length: 40, encoding: utf16le }', fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !s.endsWith('\0'))],
  ] as const)('%s round-trips', (field, arb) => {
    const p = packetWith(['{ name: before, type: u16 }', field, '{ name: after, type: u32 }']);
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 0xffff }), (s, n) => {
        const buf = p.encode({ before: n, s, after: n });
        expect(p.decode(buf, 0, buf.length)).toEqual({ before: n, s, after: n });
      }),
    );
  });

  it('a fixed-length string decodes without its NUL padding but keeps inner NULs', () => {
    const p = packetWith(['{ name: s, type: string, length: 6 }']);
    const frame = Buffer.from('0a000100' + '610062000000', 'hex');
    expect(p.decode(frame, 0, frame.length)).toEqual({ s: 'a\0b' });
  });

  it.each([
    ['{ name: b, type: bytes, lengthPrefix: u16 }', fc.uint8Array({ maxLength: 300 })],
    ['{ name: b, type: bytes, lengthPrefix: u8, endianness: big }', fc.uint8Array({ maxLength: 255 })],
    ['{ name: b, type: bytes, length: 16 }', fc.uint8Array({ minLength: 16, maxLength: 16 })],
  ] as const)('%s round-trips', (field, arb) => {
    const p = packetWith([field, '{ name: t, type: u8 }']);
    fc.assert(
      fc.property(arb, (bytes) => {
        const buf = p.encode({ b: bytes, t: 7 });
        const out = p.decode(buf, 0, buf.length);
        expect(Buffer.from(bytes).equals(out.b as Buffer)).toBe(true);
        expect(out.t).toBe(7);
      }),
    );
  });

  it('bytes accept arrays of byte values; fixed lengths pad with zeros', () => {
    const p = packetWith(['{ name: b, type: bytes, length: 4 }', '{ name: c, type: bytes, lengthPrefix: u8 }']);
    const buf = p.encode({ b: [1, 2], c: Buffer.from('ff', 'hex') });
    expect(payloadHex(buf)).toBe('01020000' + '01ff');
  });

  it('decoded bytes and strings are copies that outlive the frame buffer', () => {
    const p = packetWith(['{ name: b, type: bytes, lengthPrefix: u8 }', '{ name: f, type: bytes, length: 2 }']);
    const frame = p.encode({ b: [1, 2, 3], f: [4, 5] });
    const out = p.decode(frame, 0, frame.length);
    frame.fill(0xee);
    expect([...(out.b as Buffer)]).toEqual([1, 2, 3]);
    expect([...(out.f as Buffer)]).toEqual([4, 5]);
  });
});

describe('array fields', () => {
  it.each([
    ['{ name: a, type: array, lengthPrefix: u8, of: u16 }', [1, 2], '02' + '0100' + '0200'],
    ['{ name: a, type: array, lengthPrefix: u16, endianness: big, of: u16 }', [1], '0001' + '0001'],
    ['{ name: a, type: array, length: 3, of: i8 }', [-1], 'ff' + '0000'],
    ['{ name: a, type: array, lengthPrefix: u8, of: { type: string, lengthPrefix: u8 } }', ['a', ''], '02' + '0161' + '00'],
    ['{ name: a, type: array, lengthPrefix: u8, of: [ { name: x, type: u8 }, { name: y, type: bool } ] }', [{ x: 5, y: true }], '01' + '0501'],
  ])('%s: %j is %s', (field, value, hex) => {
    const p = packetWith([field]);
    const buf = p.encode({ a: value });
    expect(payloadHex(buf)).toBe(hex);
  });

  it('fixed-length arrays decode to their full length, zero-filled', () => {
    const p = packetWith(['{ name: a, type: array, length: 4, of: u32 }', '{ name: t, type: u8 }']);
    const buf = p.encode({ a: [7, 8], t: 1 });
    expect(p.fixedSize).toBe(4 + 16 + 1);
    expect(p.decode(buf, 0, buf.length)).toEqual({ a: [7, 8, 0, 0], t: 1 });
  });

  it('fixed-length arrays of variable elements pad with empty elements', () => {
    const p = packetWith(['{ name: a, type: array, length: 3, of: { type: string, lengthPrefix: u8 } }', '{ name: t, type: u8 }']);
    const buf = p.encode({ a: ['xy'], t: 9 });
    expect(payloadHex(buf)).toBe('027879' + '00' + '00' + '09');
    expect(p.decode(buf, 0, buf.length)).toEqual({ a: ['xy', '', ''], t: 9 });
  });

  const item = fc.record({
    id: fc.integer({ min: 0, max: 0xffff_ffff }),
    name: fc.string({ unit: 'binary', maxLength: 12 }),
    tags: fc.array(fc.integer({ min: -128, max: 127 }), { maxLength: 5 }),
    big: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  });
  it.each(ENDIANS)('arrays of structs with nested arrays round-trip (%s-endian)', (endianness) => {
    const p = packetWith(
      [
        '{ name: head, type: u16 }',
        '{ name: items, type: array, lengthPrefix: u16, of: [ { name: id, type: u32 }, { name: name, type: string, lengthPrefix: u8 }, { name: tags, type: array, lengthPrefix: u8, of: i8 }, { name: big, type: u64 } ] }',
        '{ name: grid, type: array, length: 2, of: { type: array, length: 2, of: f64 } }',
        '{ name: tail, type: u8 }',
      ],
      { header: headerYaml(endianness) },
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), fc.array(fc.array(fc.double(), { minLength: 2, maxLength: 2 }), { minLength: 2, maxLength: 2 }), (items, grid) => {
        const buf = p.encode({ head: 1, items, grid, tail: 2 });
        const out = p.decode(buf, 0, buf.length);
        expect(out).toEqual({ head: 1, items: items.map((i) => ({ ...i, big: narrow(i.big) })), grid, tail: 2 });
      }),
      { numRuns: 150 },
    );
  });
});

describe('defaults', () => {
  it('fill in missing values, of every kind', () => {
    const p = packetWith([
      '{ name: n, type: u16, default: 7 }',
      '{ name: big, type: u64, default: 18446744073709551615 }',
      '{ name: s, type: string, length: 3, default: ab }',
      '{ name: b, type: bytes, lengthPrefix: u8, default: "0a0b" }',
      '{ name: on, type: bool, default: true }',
      '{ name: a, type: array, lengthPrefix: u8, of: [ { name: x, type: u8 }, { name: y, type: u8, default: 9 } ], default: [ { x: 1 } ] }',
    ]);
    const buf = p.encode({});
    expect(payloadHex(buf)).toBe('0700' + 'ffffffffffffffff' + '616200' + '020a0b' + '01' + '01' + '0109');
    expect(p.decode(buf, 0, buf.length)).toMatchObject({ n: 7, big: 2n ** 64n - 1n, s: 'ab', on: true, a: [{ x: 1, y: 9 }] });
    expect(p.fields.map((f) => f.required)).toEqual([false, false, false, false, false, false]);
    expect(payloadHex(p.encode({ n: 1, a: [] }))).toMatch(/^0100.*00$/);
  });
});

describe('encode errors', () => {
  it.each([
    ['a missing value', ['{ name: a, type: u8 }'], {}, 'a', 'is missing'],
    ['u8 above 255', ['{ name: a, type: u8 }'], { a: 256 }, 'a', 'from 0 to 255 (u8)'],
    ['a fraction for u32', ['{ name: a, type: u32 }'], { a: 1.5 }, 'a', 'integer from 0 to 4294967295'],
    ['a string for i8', ['{ name: a, type: i8 }'], { a: '1' }, 'a', 'from -128 to 127'],
    ['a bigint for u16', ['{ name: a, type: u16 }'], { a: 1n }, 'a', 'u16'],
    ['a negative u64', ['{ name: a, type: u64 }'], { a: -1n }, 'a', 'from 0 to 18446744073709551615'],
    ['u64 above 2^64 - 1', ['{ name: a, type: u64 }'], { a: 2n ** 64n }, 'a', 'u64'],
    ['u64 number of 2^64', ['{ name: a, type: u64 }'], { a: 2 ** 64 }, 'a', 'u64'],
    ['i64 below -2^63', ['{ name: a, type: i64 }'], { a: -(2n ** 63n) - 1n }, 'a', 'from -9223372036854775808'],
    ['f32 beyond its range', ['{ name: a, type: f32 }'], { a: 1e39 }, 'a', 'f32 range'],
    ['a string for f64', ['{ name: a, type: f64 }'], { a: 'x' }, 'a', 'must be a number'],
    ['2 for bool', ['{ name: a, type: bool }'], { a: 2 }, 'a', 'true, false, 0 or 1'],
    ['a number for a string', ['{ name: a, type: string, lengthPrefix: u8 }'], { a: 5 }, 'a', 'must be a string'],
    ['a string over its u8 prefix', ['{ name: a, type: string, lengthPrefix: u8 }'], { a: 'x'.repeat(256) }, 'a', '255 its u8 length prefix'],
    ['a string over maxLength', ['{ name: a, type: string, lengthPrefix: u16, maxLength: 3 }'], { a: 'abcd' }, 'a', '3 its maxLength'],
    ['a string over its fixed length', ['{ name: a, type: string, length: 2 }'], { a: 'é!' }, 'a', '2 its fixed length'],
    ['a non-latin1 character', ['{ name: a, type: string, length: 4, encoding: latin1 }'], { a: '€' }, 'a', 'latin1'],
    ['a string for bytes', ['{ name: a, type: bytes, length: 2 }'], { a: 'ab' }, 'a', 'Buffer'],
    ['a byte value of 256', ['{ name: a, type: bytes, lengthPrefix: u8 }'], { a: [1, 256] }, 'a', 'integers 0-255'],
    ['an object for an array', ['{ name: a, type: array, lengthPrefix: u8, of: u8 }'], { a: {} }, 'a', 'an array'],
    ['too many elements for a fixed array', ['{ name: a, type: array, length: 2, of: u8 }'], { a: [1, 2, 3] }, 'a', '3 elements'],
    ['a bad element', ['{ name: a, type: array, lengthPrefix: u8, of: u8 }'], { a: [1, -1] }, 'a[1]', 'from 0 to 255'],
    ['a struct element that is not an object', ['{ name: a, type: array, lengthPrefix: u8, of: [ { name: x, type: u8 } ] }'], { a: [5] }, 'a[0]', 'an object with fields x'],
    ['a missing struct element field', ['{ name: a, type: array, lengthPrefix: u8, of: [ { name: x, type: u8 }, { name: y, type: u8 } ] }'], { a: [{ x: 1, y: 1 }, { x: 1 }] }, 'a[1].y', 'is missing'],
  ] as const)('%s', (_name, fields, values, field, fragment) => {
    const p = packetWith(fields);
    const err = thrown(() => p.encode(values as Record<string, unknown>));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_ENCODE', packet: 'P', field });
    expect(err.message).toContain(fragment);
  });

  it('rejects values that are not an object', () => {
    const err = thrown(() => packetWith(['{ name: a, type: u8 }']).encode(null as unknown as Record<string, unknown>));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_ENCODE', field: '' });
    expect(err.message).toContain('the values must be an object with fields a');
  });

  it('rejects a packet larger than maxPacketSize', () => {
    const p = packetWith(['{ name: s, type: string, lengthPrefix: u16 }'], { extra: 'maxPacketSize: 16\n' });
    expect(p.encode({ s: 'x'.repeat(10) }).length).toBe(16);
    const err = thrown(() => p.encode({ s: 'x'.repeat(11) }));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_ENCODE', packet: 'P' });
    expect(err.message).toContain('17 bytes, more than the catalogue\'s maxPacketSize of 16');
  });
});

describe('encodeInto', () => {
  const p = packetWith(['{ name: a, type: u16 }', '{ name: s, type: string, lengthPrefix: u8 }']);

  it('writes at an offset and returns the size', () => {
    const buf = Buffer.alloc(20, 0xaa);
    expect(p.encodeInto(buf, 3, { a: 1, s: 'hi' })).toBe(9);
    expect(buf.toString('hex')).toBe('aaaaaa' + '0900' + '0100' + '0100' + '02' + '6869' + 'aa'.repeat(8));
    expect(p.decode(buf, 3, 9)).toEqual({ a: 1, s: 'hi' });
  });

  it.each([
    ['no room', 5, { a: 1, s: 'hi' }, 'does not fit at offset 5'],
    ['a bad value', 0, { a: -1, s: 'hi' }, 'from 0 to 65535'],
  ])('writes nothing when there is %s', (_what, offset, values, fragment) => {
    const buf = Buffer.alloc(12, 0xaa);
    const err = thrown(() => p.encodeInto(buf, offset, values));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_ENCODE' });
    expect(err.message).toContain(fragment);
    expect(buf.equals(Buffer.alloc(12, 0xaa))).toBe(true);
  });
});

describe('decode errors', () => {
  const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
  it.each([
    ['a fixed packet of the wrong size', ['{ name: a, type: u32 }'], '0700 0100 010203', '', 0, 'expected exactly 8 bytes, got 7'],
    ['a packet shorter than its minimum', ['{ name: a, type: u32 }', '{ name: s, type: string, lengthPrefix: u8 }'], '0800 0100 01020304', '', 8, 'shorter than the 9-byte minimum'],
    ['a string running past the end', ['{ name: s, type: string, lengthPrefix: u8 }'], '0700 0100 05 6162', 's', 5, 'needs at least 5 bytes'],
    ['a field after a string running past the end', ['{ name: s, type: string, lengthPrefix: u8 }', '{ name: t, type: u32 }'], '0900 0100 01 61 000000', 't', 6, 'needs at least 4 bytes'],
    ['bytes left over', ['{ name: s, type: string, lengthPrefix: u8 }'], '0700 0100 01 61 ff', '', 6, '1 bytes left over'],
    ['a length over maxLength', ['{ name: s, type: bytes, lengthPrefix: u8, maxLength: 2 }'], '0800 0100 03 616263', 's', 4, 'more than its maxLength of 2'],
    ['a hostile array count', ['{ name: a, type: array, lengthPrefix: u16, of: u64 }'], '0700 0100 ffff 00', 'a', 6, 'needs at least 524280 bytes'],
    ['an array element running past the end', ['{ name: a, type: array, lengthPrefix: u8, of: { type: string, lengthPrefix: u8 } }'], '0900 0100 02 01 61 05 62', 'a[1]', 8, 'needs at least 5 bytes'],
    ['another packet id', ['{ name: a, type: u8 }'], '0500 0200 01', '', 0, 'carries id 0x2'],
  ] as const)('%s', (_name, fields, frameHex, field, offset, fragment) => {
    const p = packetWith(fields);
    const frame = hex(frameHex);
    const err = thrown(() => p.decode(frame, 0, frame.length));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_DECODE', packet: 'P', field, offset });
    expect(err.message).toContain(fragment);
  });

  it('rejects a frame that is not inside the buffer', () => {
    const p = packetWith(['{ name: a, type: u8 }']);
    const err = thrown(() => p.decode(Buffer.alloc(5), 2, 5));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_DECODE' });
    expect(err.message).toContain('does not describe a packet inside a 5-byte buffer');
  });

  it('never reads outside the frame on random bytes: it decodes or throws DECODE', () => {
    // latin1 maps every byte to one character and back, so re-encoding must
    // reproduce the frame exactly (random bytes are rarely valid UTF-8, and
    // UTF-8 decoding replaces invalid sequences: that is lossy by design).
    const p = packetWith([
      '{ name: s, type: string, lengthPrefix: u8, encoding: latin1 }',
      '{ name: a, type: array, lengthPrefix: u8, of: [ { name: x, type: u16 }, { name: t, type: bytes, lengthPrefix: u8 } ] }',
      '{ name: z, type: u32 }',
    ]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 8 }), (payload, tail) => {
        const frame = Buffer.concat([Buffer.from([0, 0, 1, 0]), payload]);
        frame.writeUInt16LE(frame.length, 0);
        // Bytes after the frame must never be read.
        const buf = Buffer.concat([frame, tail]);
        try {
          const out = p.decode(buf, 0, frame.length);
          expect(p.encode(out).equals(frame)).toBe(true);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('NMT_CATALOGUE_DECODE');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('fieldReader and field info', () => {
  const p = packetWith([
    '{ name: a, type: u8 }',
    '{ name: big, type: u64, endianness: big }',
    '{ name: f, type: f32 }',
    '{ name: on, type: bool }',
    '{ name: s, type: string, lengthPrefix: u8 }',
    '{ name: after, type: u32 }',
  ]);

  it('describes the fields with their fixed offsets', () => {
    expect(p.fields).toEqual([
      { name: 'a', type: 'u8', offset: 4, size: 1, required: true },
      { name: 'big', type: 'u64', offset: 5, size: 8, required: true },
      { name: 'f', type: 'f32', offset: 13, size: 4, required: true },
      { name: 'on', type: 'bool', offset: 17, size: 1, required: true },
      { name: 's', type: 'string', offset: 18, size: null, required: true },
      { name: 'after', type: 'u32', offset: null, size: 4, required: true },
    ]);
    expect(p.minSize).toBe(4 + 1 + 8 + 4 + 1 + 1 + 4);
    expect(p.fixedSize).toBeNull();
  });

  it('reads fixed-offset numbers at any packet offset, and is cached', () => {
    const frame = Buffer.concat([Buffer.alloc(3), p.encode({ a: 9, big: 2n ** 64n - 2n, f: 0.5, on: true, s: 'x', after: 1 })]);
    expect(p.fieldReader('a')!(frame, 3)).toBe(9);
    expect(p.fieldReader('big')!(frame, 3)).toBe(2n ** 64n - 2n);
    expect(p.fieldReader('f')!(frame, 3)).toBe(0.5);
    expect(p.fieldReader('a')).toBe(p.fieldReader('a'));
  });

  it.each(['on', 's', 'after'])('returns null for %s (not a number at a fixed offset)', (name) => {
    expect(p.fieldReader(name)).toBeNull();
  });

  it('throws NMT_CATALOGUE_UNKNOWN_FIELD for a field the packet lacks', () => {
    const err = thrown(() => p.fieldReader('sequ'));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_UNKNOWN_FIELD', packet: 'P', field: 'sequ' });
    expect(err.message).toContain('fields: a, big, f, on, s, after');
  });
});
