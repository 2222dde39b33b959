import { describe, expect, it } from 'vitest';
import { builtinCatalogue } from '../../protocol/catalogue/index.ts';
import { encodePingReq, encodeSessionConnectReq } from '../../protocol/packets.ts';
import { beginRead, endRead } from './clock.ts';
import { OutboundBatch } from './outbound-batch.ts';
import { pingTemplateCodec } from './ping-template.ts';

describe('OutboundBatch', () => {
  const catalogue = builtinCatalogue();
  const ping = catalogue.byName('PingReq')!;
  const connect = catalogue.byName('SessionConnectReq')!;

  it('concatenates fixed- and variable-size packets into one buffer, byte for byte', () => {
    const batch = new OutboundBatch();
    expect(batch.append(ping, { clientTime: 5, seq: 1 })).toBe(16);
    expect(batch.append(connect, { clientVersion: 1, token: 'abc' })).toBe(13);
    expect(batch.append(ping, { clientTime: 6, seq: 2 })).toBe(16);
    const out = batch.take()!;
    expect(out.toString('hex')).toBe(
      Buffer.concat([
        encodePingReq({ clientTime: 5, seq: 1 }),
        encodeSessionConnectReq({ clientVersion: 1, token: 'abc' }),
        encodePingReq({ clientTime: 6, seq: 2 }),
      ]).toString('hex'),
    );
    expect(batch.size).toBe(0);
    expect(batch.take()).toBeNull();
  });

  it('grows past its initial size and hands out copies independent of the staging buffer', () => {
    const batch = new OutboundBatch();
    for (let i = 0; i < 200; i++) batch.append(ping, { clientTime: i, seq: i });
    const first = batch.take()!;
    expect(first.length).toBe(3200);
    expect(first.readUInt32LE(199 * 16 + 12)).toBe(199);
    batch.append(ping, { clientTime: 0, seq: 7777 });
    expect(first.readUInt32LE(12)).toBe(0); // not overwritten by the next turn
  });

  it('hands out views of the staging buffer, reused per length until the staging buffer is handed off', () => {
    const batch = new OutboundBatch();
    batch.append(ping, { clientTime: 5, seq: 1 });
    const first = batch.takeView()!;
    expect(first.equals(encodePingReq({ clientTime: 5, seq: 1 }))).toBe(true);
    expect(batch.size).toBe(0);
    expect(batch.takeView()).toBeNull();
    batch.append(ping, { clientTime: 6, seq: 2 });
    const second = batch.takeView()!;
    // Same length, same staging buffer: the same view, now holding this turn's bytes (no copy).
    expect(second).toBe(first);
    expect(first.readUInt32LE(12)).toBe(2);
    // A socket kept `second`: the next turns encode elsewhere and leave its bytes alone.
    batch.handOff();
    batch.append(ping, { clientTime: 7, seq: 3 });
    const third = batch.takeView()!;
    expect(third).not.toBe(second);
    expect(second.readUInt32LE(12)).toBe(2);
    expect(third.readUInt32LE(12)).toBe(3);
    // Growing the staging buffer drops the views of the old one.
    for (let i = 0; i < 100; i++) batch.append(ping, { clientTime: i, seq: i });
    batch.takeView();
    batch.append(ping, { clientTime: 8, seq: 4 });
    const fourth = batch.takeView()!;
    expect(fourth).not.toBe(third);
    expect(fourth.readUInt32LE(12)).toBe(4);
  });

  it('batches template-written PingReqs byte for byte like the catalogue encoder', () => {
    const fast = pingTemplateCodec(ping);
    const a = new OutboundBatch();
    const b = new OutboundBatch();
    for (let i = 0; i < 100; i++) {
      const values = { clientTime: 1_764_000_000_000_000 + i * 997, seq: (i * 2654435761) >>> 0 };
      a.append(fast, values);
      b.append(ping, values);
    }
    expect(a.take()!.equals(b.take()!)).toBe(true);
  });

  it('has its owner flushed when the socket read being handled ends, and only then', () => {
    const batch = new OutboundBatch();
    const flushed: Buffer[] = [];
    const owner = { flush: (): void => void flushed.push(batch.take()!) };
    expect(batch.flushAfterRead(owner)).toBe(false); // outside a read: the owner uses the next tick
    beginRead();
    batch.append(ping, { clientTime: 1, seq: 1 });
    expect(batch.flushAfterRead(owner)).toBe(true);
    batch.append(ping, { clientTime: 2, seq: 2 });
    expect(flushed).toEqual([]);
    endRead();
    expect(flushed.map((b) => b.length)).toEqual([32]);
    expect(batch.size).toBe(0);
  });

  it('leaves the batch unchanged when values do not encode', () => {
    const batch = new OutboundBatch();
    batch.append(ping, { clientTime: 1, seq: 1 });
    expect(() => batch.append(ping, { clientTime: 1, seq: -1 })).toThrow(expect.objectContaining({ code: 'NMT_CATALOGUE_ENCODE' }));
    expect(batch.size).toBe(16);
    batch.clear();
    expect(batch.take()).toBeNull();
  });
});
