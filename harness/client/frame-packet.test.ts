import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, type FrameSink, type HeaderLayout, V1_HEADER, type ProtocolError } from '../../protocol/index.ts';
import { ClientError, ClientErrorCode } from './errors.ts';
import { framePacket } from './frame-packet.ts';

const BE_U32_EXCLUDING: HeaderLayout = {
  headerSize: 6,
  idOffset: 0,
  idWidth: 2,
  sizeOffset: 2,
  sizeWidth: 4,
  littleEndian: false,
  sizeIncludesHeader: false,
};
const U8_WITH_FLAGS: HeaderLayout = {
  headerSize: 3,
  sizeOffset: 0,
  sizeWidth: 1,
  idOffset: 1,
  idWidth: 1,
  littleEndian: true,
  sizeIncludesHeader: true,
};

describe('framePacket', () => {
  it.each([
    ['v1', V1_HEADER, 0x0003, '0102', '06000300' + '0102'],
    ['v1, empty payload', V1_HEADER, 0x0100, '', '04000001'],
    ['big-endian id u16 + size u32 excluding header', BE_U32_EXCLUDING, 0x1234, 'aabbcc', '1234' + '00000003' + 'aabbcc'],
    ['u8 size and id', U8_WITH_FLAGS, 0x07, 'ff', '04' + '07' + '00' + 'ff'],
  ])('%s', (_name, layout, id, payloadHex, frameHex) => {
    expect(framePacket(layout, id, Buffer.from(payloadHex, 'hex')).toString('hex')).toBe(frameHex);
  });

  it.each([
    ['id above the field', V1_HEADER, 0x1_0000, 0, 'packet id must be an integer from 0 to 65535'],
    ['negative id', V1_HEADER, -1, 0, 'packet id must be an integer from 0 to 65535'],
    ['fractional id', V1_HEADER, 1.5, 0, 'packet id must be an integer from 0 to 65535'],
    ['payload too large for u16 size', V1_HEADER, 1, 0xffff - 3, 'does not fit the 2-byte size field'],
    ['payload too large for u8 size', U8_WITH_FLAGS, 1, 253, 'does not fit the 1-byte size field'],
  ])('rejects %s', (_name, layout, id, payloadLength, message) => {
    let caught: unknown;
    try {
      framePacket(layout, id, new Uint8Array(payloadLength));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ClientError);
    expect((caught as ClientError).code).toBe(ClientErrorCode.INVALID_ARGUMENT);
    expect((caught as ClientError).message).toContain(message);
  });

  it('accepts the largest v1 payload', () => {
    expect(framePacket(V1_HEADER, 1, new Uint8Array(0xffff - 4)).readUInt16LE(0)).toBe(0xffff);
  });

  it('round-trips through the FrameDecoder for any layout, id and payload', () => {
    const layoutArb = fc
      .record({
        order: fc.constantFrom('size-id', 'id-size'),
        sizeWidth: fc.constantFrom<1 | 2 | 4>(2, 4),
        idWidth: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
        extra: fc.integer({ min: 0, max: 3 }),
        littleEndian: fc.boolean(),
        sizeIncludesHeader: fc.boolean(),
      })
      .map(({ order, sizeWidth, idWidth, extra, littleEndian, sizeIncludesHeader }): HeaderLayout => {
        const first = order === 'size-id' ? sizeWidth : idWidth;
        return {
          headerSize: sizeWidth + idWidth + extra,
          sizeOffset: order === 'size-id' ? 0 : first,
          sizeWidth,
          idOffset: order === 'size-id' ? first : 0,
          idWidth,
          littleEndian,
          sizeIncludesHeader,
        };
      });
    fc.assert(
      fc.property(layoutArb, fc.nat(), fc.uint8Array({ maxLength: 300 }), (layout, rawId, payload) => {
        const id = rawId % (layout.idWidth === 1 ? 0x100 : layout.idWidth === 2 ? 0x1_0000 : 0x1_0000_0000);
        const frame = framePacket(layout, id, payload);
        const got: { id: number; payload: string }[] = [];
        const sink: FrameSink = {
          onFrame: (buf, offset, size, fid) =>
            got.push({ id: fid, payload: buf.subarray(offset + layout.headerSize, offset + size).toString('hex') }),
          onFrameError: (err: ProtocolError) => {
            throw err;
          },
        };
        new FrameDecoder(sink, { layout }).push(frame);
        expect(got).toEqual([{ id, payload: Buffer.from(payload).toString('hex') }]);
      }),
    );
  });
});
