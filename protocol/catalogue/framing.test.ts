/**
 * Header variants and framing: every supported header shape encodes the
 * expected bytes, and protocol/'s FrameDecoder, given a catalogue's layout,
 * splits that catalogue's packets back out of a byte stream however it is
 * chunked.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, type FrameSink } from '../decoder.ts';
import type { ProtocolError } from '../errors.ts';
import type { HeaderLayout } from '../header.ts';
import { loadCatalogue, parseCatalogue } from './load.ts';
import type { Catalogue } from './types.ts';

const FOREIGN = fileURLToPath(new URL('../../fixtures/catalogues/foreign-example.yaml', import.meta.url));

/** Collects frames as copies (views are only valid during onFrame). */
class Collector implements FrameSink {
  readonly frames: { id: number; bytes: Buffer }[] = [];
  readonly errors: ProtocolError[] = [];
  onFrame(buf: Buffer, offset: number, size: number, id: number): void {
    this.frames.push({ id, bytes: Buffer.from(buf.subarray(offset, offset + size)) });
  }
  onFrameError(err: ProtocolError): void {
    this.errors.push(err);
  }
}

function header(lines: string[]): string {
  return `header:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

describe('header variants', () => {
  // Packet id 0x12 with one u8 payload byte 0xab (3-byte header variants use 0x12 too).
  it.each([
    ['v1: u16 size incl. header, u16 id, little-endian', ['fields: [size, id]', 'size: { type: u16 }', 'id: { type: u16 }'], '0500 1200 ab', { headerSize: 4, sizeOffset: 0, idOffset: 2, sizeWidth: 2, idWidth: 2, littleEndian: true, sizeIncludesHeader: true }],
    ['id before size', ['fields: [id, size]', 'id: { type: u16 }', 'size: { type: u16 }'], '1200 0500 ab', { sizeOffset: 2, idOffset: 0 }],
    ['size excluding the header', ['fields: [size, id]', 'size: { type: u16, includesHeader: false }', 'id: { type: u16 }'], '0100 1200 ab', { sizeIncludesHeader: false }],
    ['u8 size and u8 id', ['fields: [size, id]', 'size: { type: u8 }', 'id: { type: u8 }'], '03 12 ab', { headerSize: 2, sizeWidth: 1, idWidth: 1 }],
    ['u32 size, u16 id, big-endian', ['endianness: big', 'fields: [size, id]', 'size: { type: u32 }', 'id: { type: u16 }'], '00000007 0012 ab', { headerSize: 6, sizeWidth: 4, littleEndian: false }],
    ['u32 id', ['fields: [size, id]', 'size: { type: u16 }', 'id: { type: u32 }'], '0700 12000000 ab', { headerSize: 6, idWidth: 4 }],
    ['an extra constant flags byte at the end', ['fields: [size, id, flags]', 'size: { type: u16 }', 'id: { type: u16 }', 'flags: { type: u8, value: 0x80 }'], '0600 1200 80 ab', { headerSize: 5 }],
    ['an extra constant field in the middle, big-endian', ['endianness: big', 'fields: [size, magic, id]', 'size: { type: u16, includesHeader: false }', 'magic: { type: u16, value: 0xbeef }', 'id: { type: u8 }'], '0001 beef 12 ab', { headerSize: 5, sizeOffset: 0, idOffset: 4, idWidth: 1 }],
    ['a constant without value is zero', ['fields: [size, id, reserved]', 'size: { type: u16 }', 'id: { type: u16 }', 'reserved: { type: u16 }'], '0700 1200 0000 ab', { headerSize: 6 }],
  ])('%s', (_name, lines, hex, layout) => {
    const text = `catalogue: t\n${header(lines)}\npackets:\n  P: { id: 0x12, direction: both, fields: [ { name: v, type: u8 } ] }\n`;
    const cat = loadInline(text);
    expect(cat.layout).toMatchObject(layout);
    const p = cat.byName('P')!;
    const bytes = p.encode({ v: 0xab });
    expect(bytes.toString('hex')).toBe(hex.replace(/ /g, ''));
    expect(p.fixedSize).toBe(bytes.length);
    expect(p.decode(bytes, 0, bytes.length)).toEqual({ v: 0xab });

    const sink = new Collector();
    new FrameDecoder(sink, { layout: cat.layout }).push(Buffer.concat([bytes, bytes]));
    expect(sink.errors).toEqual([]);
    expect(sink.frames.map((f) => [f.id, f.bytes.toString('hex')])).toEqual([
      [0x12, bytes.toString('hex')],
      [0x12, bytes.toString('hex')],
    ]);
  });
});

/** A catalogue straight from text (the header variants need their own packet id). */
function loadInline(text: string): Catalogue {
  return parseCatalogue(text, { source: 'test', baseDir: '.' });
}

describe('FrameDecoder with the foreign layout (big-endian, [id u16][size u32 excluding header])', () => {
  const cat = loadCatalogue(FOREIGN);
  const layout: HeaderLayout = cat.layout;

  const packets: [string, Record<string, unknown>][] = [
    ['LoginReq', { account: 'alice', password: 's3cret' }],
    ['MoveReq', { entityId: 7, x: 1.5, y: -2.25, z: 0, clientTick: 99 }],
    ['InventoryRes', { ownerId: 5n, items: [{ slot: 1, itemId: 2, count: 3, bound: true, name: 'Axe' }], hotbar: [1, 2] }],
    ['ChatMessage', { sender_id: 5, text: 'hello', mentions: [1, 2] }],
    ['Logout', {}],
  ];
  const frames = packets.map(([name, values]) => cat.byName(name)!.encode(values));
  const stream = Buffer.concat(frames);

  it('has the layout the catalogue describes', () => {
    expect(layout).toEqual({ headerSize: 6, sizeOffset: 2, sizeWidth: 4, idOffset: 0, idWidth: 2, littleEndian: false, sizeIncludesHeader: false });
    expect(frames[4]!.toString('hex')).toBe('0501' + '00000000');
  });

  function decodeChunks(chunks: Buffer[]): Record<string, unknown>[] {
    const sink = new Collector();
    const decoder = new FrameDecoder(sink, { layout, maxPacketSize: cat.maxPacketSize });
    for (const c of chunks) decoder.push(c);
    expect(sink.errors).toEqual([]);
    return sink.frames.map((f) => cat.byId(f.id)!.decode(f.bytes, 0, f.bytes.length));
  }

  const expected = frames.map((f, i) => cat.byName(packets[i]![0])!.decode(f, 0, f.length));

  it('decodes all frames from one chunk', () => {
    expect(decodeChunks([stream])).toEqual(expected);
  });

  it('decodes frames split at every byte boundary', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(decodeChunks([stream.subarray(0, cut), stream.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('decodes frames fed one byte at a time', () => {
    const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(decodeChunks(bytes)).toEqual(expected);
  });

  it('decodes random packet sequences under random chunking', () => {
    const move = cat.byName('MoveReq')!;
    const inv = cat.byName('InventoryRes')!;
    const moveArb = fc.record({ entityId: fc.nat(), x: fc.float({ noNaN: true }), y: fc.float({ noNaN: true }), z: fc.float({ noNaN: true }), clientTick: fc.nat() });
    const invArb = fc.record({
      ownerId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      items: fc.array(fc.record({ slot: fc.nat(255), itemId: fc.nat(), count: fc.nat(0xffff), bound: fc.boolean(), name: fc.string({ maxLength: 10 }) }), { maxLength: 4 }),
      hotbar: fc.array(fc.nat(), { maxLength: 8 }),
    });
    const msg = fc.oneof(moveArb.map((v) => move.encode(v)), invArb.map((v) => inv.encode(v)));
    fc.assert(
      fc.property(fc.array(msg, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (msgs, cuts) => {
        const all = Buffer.concat(msgs);
        const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of [...points, all.length]) {
          chunks.push(all.subarray(prev, p));
          prev = p;
        }
        const out = decodeChunks(chunks);
        expect(out).toEqual(msgs.map((m) => cat.byId(m.readUInt16BE(0))!.decode(m, 0, m.length)));
      }),
      { numRuns: 200 },
    );
  });
});
