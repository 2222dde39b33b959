import { describe, expect, it } from 'vitest';
import { V1_HEADER, maxSizeFieldValue, readUIntAt, writeHeader, writeUIntAt } from './header.ts';

describe('header helpers', () => {
  it.each([
    [1, true, 0xab],
    [2, true, 0xabcd],
    [2, false, 0xabcd],
    [4, true, 0xdeadbeef],
    [4, false, 0xdeadbeef],
  ] as const)('width %d little-endian %s round-trips', (width, le, value) => {
    const b = Buffer.alloc(6);
    writeUIntAt(b, value, 1, width, le);
    expect(readUIntAt(b, 1, width, le)).toBe(value);
  });

  it('writes big-endian bytes in network order', () => {
    const b = Buffer.alloc(4);
    writeUIntAt(b, 0x01020304, 0, 4, false);
    expect(b.toString('hex')).toBe('01020304');
  });

  it('writes the v1 header little-endian', () => {
    const b = Buffer.alloc(4);
    writeHeader(b, 0, 16, 3);
    expect(b.toString('hex')).toBe('10000300');
  });

  it('knows the size field range', () => {
    expect(maxSizeFieldValue(V1_HEADER)).toBe(0xffff);
    expect(maxSizeFieldValue({ ...V1_HEADER, sizeWidth: 1 })).toBe(0xff);
    expect(maxSizeFieldValue({ ...V1_HEADER, sizeWidth: 4 })).toBe(0xffffffff);
  });
});
