import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutboundBuffer } from './outbound-buffer.ts';

function put(ob: OutboundBuffer, bytes: Buffer): number {
  const at = ob.reserve(bytes.length);
  bytes.copy(ob.buffer, at);
  return at;
}

describe('OutboundBuffer', () => {
  it('reserves back to back and hands over exactly the written bytes', () => {
    const ob = new OutboundBuffer();
    expect(put(ob, Buffer.from('aaaa'))).toBe(0);
    expect(put(ob, Buffer.from('bb'))).toBe(4);
    ob.append(Buffer.from('c'));
    expect(ob.length).toBe(7);
    expect(ob.take()!.toString()).toBe('aaaabbc');
    expect(ob.length).toBe(0);
    expect(ob.take()).toBeNull();
  });

  it('keeps earlier bytes when it grows past its capacity', () => {
    const ob = new OutboundBuffer();
    put(ob, Buffer.alloc(200, 1));
    const first = ob.buffer;
    put(ob, Buffer.alloc(300, 2));
    expect(ob.buffer).not.toBe(first);
    const out = ob.take()!;
    expect(out.length).toBe(500);
    expect(out.subarray(0, 200).every((b) => b === 1)).toBe(true);
    expect(out.subarray(200).every((b) => b === 2)).toBe(true);
  });

  it('never reuses a handed-over buffer (the socket may still hold it)', () => {
    const ob = new OutboundBuffer();
    put(ob, Buffer.from('first'));
    const taken = ob.take()!;
    put(ob, Buffer.from('XXXXX'));
    expect(taken.toString()).toBe('first');
  });

  it('sizes the next batch from the previous one', () => {
    const ob = new OutboundBuffer();
    put(ob, Buffer.alloc(3000));
    ob.take();
    ob.reserve(24);
    expect(ob.capacity).toBeGreaterThanOrEqual(3000);
  });

  it('starts small for small batches (pool-sized allocations)', () => {
    const ob = new OutboundBuffer();
    ob.reserve(24);
    expect(ob.capacity).toBe(64);
  });

  it('clear drops the pending batch', () => {
    const ob = new OutboundBuffer();
    put(ob, Buffer.from('gone'));
    ob.clear();
    expect(ob.take()).toBeNull();
  });

  it('take returns the concatenation of every write since the last take (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 20 }), { maxLength: 10 }), (batches) => {
        const ob = new OutboundBuffer();
        for (const batch of batches) {
          for (const w of batch) put(ob, Buffer.from(w));
          const expected = Buffer.concat(batch.map((w) => Buffer.from(w)));
          const got = ob.take();
          if (expected.length === 0) expect(got).toBeNull();
          else expect(got!.equals(expected)).toBe(true);
        }
      }),
    );
  });
});
