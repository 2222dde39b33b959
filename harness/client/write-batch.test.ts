import { describe, expect, it } from 'vitest';
import { WriteBatch } from './write-batch.ts';

function put(batch: WriteBatch, hex: string): void {
  const bytes = Buffer.from(hex, 'hex');
  const offset = batch.reserve(bytes.length);
  bytes.copy(batch.buf, offset);
}

describe('WriteBatch', () => {
  it('returns null when nothing is pending', () => {
    expect(new WriteBatch(16).take()).toBeNull();
  });

  it('takes everything written since the last take as one view', () => {
    const batch = new WriteBatch(16);
    put(batch, '0102');
    put(batch, '0304');
    expect(batch.pendingBytes).toBe(4);
    expect(batch.take()!.toString('hex')).toBe('01020304');
    put(batch, '05');
    expect(batch.take()!.toString('hex')).toBe('05');
    expect(batch.take()).toBeNull();
  });

  it('never overwrites bytes already taken when a new slab is needed', () => {
    const batch = new WriteBatch(8);
    put(batch, '0102030405');
    const first = batch.take()!;
    put(batch, 'aabb');
    put(batch, 'ccddeeff'); // does not fit the 8-byte slab: a new one is allocated
    const second = batch.take()!;
    expect(first.toString('hex')).toBe('0102030405');
    expect(second.toString('hex')).toBe('aabbccddeeff');
  });

  it('grows a slab for a reservation larger than the slab size', () => {
    const batch = new WriteBatch(4);
    put(batch, '01');
    put(batch, '0203040506070809');
    expect(batch.take()!.toString('hex')).toBe('010203040506070809');
  });
});
