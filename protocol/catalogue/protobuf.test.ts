/**
 * Protobuf packets: kraken.ChatMessage from fixtures/catalogues/foreign-example.proto
 * round-trips through the catalogue with its header, 64-bit values follow the
 * catalogue's number-or-bigint rule, and bad values or bytes give the
 * catalogue's error codes.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from './load.ts';
import { narrow, thrown } from './test-support.ts';

const cat = loadCatalogue(fileURLToPath(new URL('../../fixtures/catalogues/foreign-example.yaml', import.meta.url)));
const chat = cat.byName('ChatMessage')!;

const f32 = fc.float({ noNaN: true, noDefaultInfinity: true });
const message = fc.record({
  sender_id: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  channel: fc.integer({ min: 0, max: 3 }),
  text: fc.string({ unit: 'binary', maxLength: 40 }),
  mentions: fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 5 }),
  sent_at_ms: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  attachment: fc.uint8Array({ maxLength: 16 }),
  where: fc.record({ x: f32, y: f32, z: f32 }),
  tags: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
});

describe('protobuf packets', () => {
  it('are described by their message, with no fixed layout', () => {
    expect(chat.protobufType).toBe('kraken.ChatMessage');
    expect(chat.fixedSize).toBeNull();
    expect(chat.minSize).toBe(6);
    expect(chat.fields).toEqual([]);
    expect(chat.fieldReader('text')).toBeNull();
    expect(thrown(() => chat.fieldReader('txt'))).toMatchObject({ code: 'NMT_CATALOGUE_UNKNOWN_FIELD', field: 'txt' });
  });

  it('encode a framed packet: header then the protobuf bytes', () => {
    const buf = chat.encode({ sender_id: 1, text: 'hi' });
    // id 0x0401, size 6 (payload only, big-endian u32), then field 1 = 1, field 3 = "hi".
    expect(buf.toString('hex')).toBe('0401' + '00000006' + '0801' + '1a026869');
  });

  it('round-trip any message (64-bit values as number when exact, else bigint)', () => {
    fc.assert(
      fc.property(message, (m) => {
        const buf = chat.encode(m);
        const out = chat.decode(buf, 0, buf.length);
        expect(out).toEqual({
          ...m,
          sender_id: narrow(m.sender_id),
          sent_at_ms: narrow(m.sent_at_ms),
          attachment: Buffer.from(m.attachment),
          where: { x: Math.fround(m.where.x), y: Math.fround(m.where.y), z: Math.fround(m.where.z) },
        });
      }),
      { numRuns: 200 },
    );
  });

  it('accept 64-bit values as numbers, bigints or decimal strings', () => {
    for (const v of [12345, 12345n, '12345']) {
      const buf = chat.encode({ sender_id: v });
      expect(chat.decode(buf, 0, buf.length).sender_id).toBe(12345);
    }
    const buf = chat.encode({ sender_id: '18446744073709551615' });
    expect(chat.decode(buf, 0, buf.length).sender_id).toBe(2n ** 64n - 1n);
  });

  it('decode absent fields to their defaults', () => {
    const buf = chat.encode({});
    expect(chat.decode(buf, 0, buf.length)).toEqual({
      sender_id: 0,
      channel: 0,
      text: '',
      mentions: [],
      sent_at_ms: 0,
      attachment: Buffer.alloc(0),
      where: null,
      tags: {},
    });
  });

  it('decoded bytes do not alias the frame buffer', () => {
    const buf = chat.encode({ attachment: Buffer.from([1, 2, 3]) });
    const out = chat.decode(buf, 0, buf.length);
    buf.fill(0);
    expect([...(out.attachment as Buffer)]).toEqual([1, 2, 3]);
  });

  it('encodeInto writes at an offset and checks room first', () => {
    const buf = Buffer.alloc(32, 0xaa);
    const n = chat.encodeInto(buf, 2, { text: 'yo' });
    expect(n).toBe(10);
    expect(chat.decode(buf, 2, n).text).toBe('yo');
    const small = Buffer.alloc(8, 0xaa);
    expect(thrown(() => chat.encodeInto(small, 0, { text: 'yo' }))).toMatchObject({ code: 'NMT_CATALOGUE_ENCODE' });
    expect(small.equals(Buffer.alloc(8, 0xaa))).toBe(true);
  });

  it.each([
    ['a uint32 out of range', { mentions: [1, 2 ** 32] }, 'mentions[1]', 'from 0 to 4294967295'],
    ['a negative uint64', { sender_id: -1n }, 'sender_id', 'from 0 to 18446744073709551615'],
    ['an int64 beyond 2^63', { sent_at_ms: '9223372036854775808' }, 'sent_at_ms', 'from -9223372036854775808'],
    ['a nested value of the wrong type', { where: { x: 'left' } }, 'where.x', 'where.x: number expected'],
    ['a string field given a number', { text: 5 }, 'text', 'text: string expected'],
    ['not an object', null, '', 'must be an object of kraken.ChatMessage fields'],
  ])('reject %s with NMT_CATALOGUE_ENCODE', (_name, values, field, fragment) => {
    const err = thrown(() => chat.encode(values as Record<string, unknown>));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_ENCODE', packet: 'ChatMessage', field });
    expect(err.message).toContain(fragment);
  });

  it('reject a packet over maxPacketSize', () => {
    const err = thrown(() => chat.encode({ text: 'x'.repeat(70_000) }));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_ENCODE' });
    expect(err.message).toContain('maxPacketSize of 65536');
  });

  it.each([
    ['truncated protobuf bytes', '0401 00000002 1a05', 6, 'not a valid protobuf kraken.ChatMessage'],
    ['another packet id', '0402 00000000', 0, 'carries id 0x402'],
  ])('reject %s with NMT_CATALOGUE_DECODE', (_name, hex, offset, fragment) => {
    const frame = Buffer.from(hex.replace(/ /g, ''), 'hex');
    const err = thrown(() => chat.decode(frame, 0, frame.length));
    expect(err).toMatchObject({ code: 'NMT_CATALOGUE_DECODE', packet: 'ChatMessage', offset });
    expect(err.message).toContain(fragment);
  });
});
