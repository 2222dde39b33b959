import { describe, expect, it } from 'vitest';
import type { ReceivedPacket } from './client-options.ts';
import { ClientError, ClientErrorCode } from './errors.ts';
import { PacketInbox } from './packet-inbox.ts';

const pkt = (id: number, byte = 0): ReceivedPacket => ({ id, payload: Buffer.from([byte]) });

describe('PacketInbox', () => {
  it('gives a waiting take the next packet with its id', async () => {
    const inbox = new PacketInbox(0);
    const waiting = inbox.take(0x100, 1000, undefined, 'srv');
    inbox.deliver(pkt(0x101));
    inbox.deliver(pkt(0x100, 7));
    expect(await waiting).toEqual(pkt(0x100, 7));
  });

  it('keeps unclaimed packets for a later take, oldest first', async () => {
    const inbox = new PacketInbox(10);
    inbox.deliver(pkt(1, 1));
    inbox.deliver(pkt(2, 2));
    inbox.deliver(pkt(1, 3));
    expect(await inbox.take(1, 1000, undefined, 'srv')).toEqual(pkt(1, 1));
    expect(await inbox.take(1, 1000, undefined, 'srv')).toEqual(pkt(1, 3));
    expect(inbox.keptCount).toBe(1);
  });

  it('drops the oldest kept packet when full and counts it', async () => {
    const inbox = new PacketInbox(2);
    inbox.deliver(pkt(1, 1));
    inbox.deliver(pkt(1, 2));
    inbox.deliver(pkt(1, 3));
    expect(inbox.dropped).toBe(1);
    expect(await inbox.take(1, 1000, undefined, 'srv')).toEqual(pkt(1, 2));
  });

  it('keeps nothing with limit 0 and says it wants packets only while someone waits', () => {
    const inbox = new PacketInbox(0);
    expect(inbox.wantsPackets).toBe(false);
    void inbox.take(1, 1000, undefined, 'srv').catch(() => {});
    expect(inbox.wantsPackets).toBe(true);
    inbox.deliver(pkt(1));
    expect(inbox.wantsPackets).toBe(false);
    inbox.deliver(pkt(1));
    expect(inbox.keptCount).toBe(0);
  });

  it('honours match, leaving other packets for other waiters', async () => {
    const inbox = new PacketInbox(10);
    const odd = inbox.take(5, 1000, (p) => p.payload[0]! % 2 === 1, 'srv');
    const any = inbox.take(5, 1000, undefined, 'srv');
    inbox.deliver(pkt(5, 2));
    inbox.deliver(pkt(5, 3));
    expect(await odd).toEqual(pkt(5, 3));
    expect(await any).toEqual(pkt(5, 2));
  });

  it('rejects with NMT_CLIENT_TIMEOUT naming the packet and server', async () => {
    const inbox = new PacketInbox(10);
    const err = await inbox.take(0x0004, 20, undefined, '127.0.0.1:7000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).code).toBe(ClientErrorCode.TIMEOUT);
    expect((err as ClientError).message).toContain('no PongRes (id 0x0004) from 127.0.0.1:7000 within 20 ms');
    // The timed-out waiter is gone: the packet is kept instead.
    inbox.deliver(pkt(4));
    expect(inbox.keptCount).toBe(1);
  });

  it('turns a throwing match into NMT_CLIENT_LISTENER_ERROR for that waiter only', async () => {
    const inbox = new PacketInbox(10);
    const bad = inbox.take(
      1,
      1000,
      () => {
        throw new Error('boom');
      },
      'srv',
    );
    const good = inbox.take(1, 1000, undefined, 'srv');
    inbox.deliver(pkt(1, 9));
    await expect(bad).rejects.toMatchObject({ code: ClientErrorCode.LISTENER_ERROR });
    expect(await good).toEqual(pkt(1, 9));
    inbox.deliver(pkt(2));
    await expect(
      inbox.take(
        2,
        1000,
        () => {
          throw new Error('boom');
        },
        'srv',
      ),
    ).rejects.toMatchObject({ code: ClientErrorCode.LISTENER_ERROR });
  });

  it('fails waiters, but still hands out packets kept before the failure', async () => {
    const inbox = new PacketInbox(10);
    inbox.deliver(pkt(3, 1));
    const waiting = inbox.take(9, 1000, undefined, 'srv');
    const err = new ClientError(ClientErrorCode.CLOSED_BY_PEER, 'gone');
    inbox.fail(err);
    await expect(waiting).rejects.toBe(err);
    expect(await inbox.take(3, 1000, undefined, 'srv')).toEqual(pkt(3, 1));
    await expect(inbox.take(3, 1000, undefined, 'srv')).rejects.toBe(err);
    inbox.deliver(pkt(3));
    expect(inbox.keptCount).toBe(0);
    expect(inbox.wantsPackets).toBe(false);
  });
});
