import { describe, expect, it } from 'vitest';
import type { ReceivedPacket } from './client-options.ts';
import { ClientError, ClientErrorCode } from './errors.ts';
import { PacketStream } from './packet-stream.ts';

const pkt = (id: number): ReceivedPacket => ({ id, payload: Buffer.from([id]) });

function makeStream(limit = 10): { stream: PacketStream; detached: PacketStream[] } {
  const detached: PacketStream[] = [];
  return { stream: new PacketStream(limit, (s) => detached.push(s)), detached };
}

describe('PacketStream', () => {
  it('delivers queued packets in order, then waits for the next', async () => {
    const { stream } = makeStream();
    stream.push(pkt(1));
    stream.push(pkt(2));
    expect((await stream.next()).value).toEqual(pkt(1));
    expect((await stream.next()).value).toEqual(pkt(2));
    const pending = stream.next();
    stream.push(pkt(3));
    expect(await pending).toEqual({ value: pkt(3), done: false });
    expect(stream.queued).toBe(0);
  });

  it('delivers unread packets after end(null), then is done', async () => {
    const { stream, detached } = makeStream();
    stream.push(pkt(1));
    stream.end(null);
    expect(detached).toEqual([stream]);
    expect((await stream.next()).value).toEqual(pkt(1));
    expect((await stream.next()).done).toBe(true);
  });

  it('rejects a pending read with the end error, once', async () => {
    const { stream } = makeStream();
    const pending = stream.next();
    const err = new ClientError(ClientErrorCode.CLOSED_BY_PEER, 'gone');
    stream.end(err);
    await expect(pending).rejects.toBe(err);
    expect((await stream.next()).done).toBe(true);
  });

  it('throws the end error after the unread packets', async () => {
    const { stream } = makeStream();
    stream.push(pkt(1));
    const err = new ClientError(ClientErrorCode.DISCONNECTED, 'bye');
    stream.end(err);
    expect((await stream.next()).value).toEqual(pkt(1));
    await expect(stream.next()).rejects.toBe(err);
  });

  it('ends with NMT_CLIENT_QUEUE_OVERFLOW when the reader falls behind the limit', async () => {
    const { stream, detached } = makeStream(2);
    stream.push(pkt(1));
    stream.push(pkt(2));
    stream.push(pkt(3));
    expect(detached).toEqual([stream]);
    await stream.next();
    await stream.next();
    await expect(stream.next()).rejects.toMatchObject({ code: ClientErrorCode.QUEUE_OVERFLOW });
  });

  it('stops on return() and ignores later pushes', async () => {
    const { stream, detached } = makeStream();
    stream.push(pkt(1));
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    stream.push(pkt(2));
    expect(detached).toEqual([stream]);
    expect((await stream.next()).done).toBe(true);
  });

  it('rejects a second concurrent next()', async () => {
    const { stream } = makeStream();
    const first = stream.next();
    await expect(stream.next()).rejects.toMatchObject({ code: ClientErrorCode.INVALID_STATE });
    stream.push(pkt(9));
    expect((await first).value).toEqual(pkt(9));
  });

  it('works with for await and keeps order across many packets', async () => {
    const { stream } = makeStream(5000);
    for (let i = 0; i < 3000; i++) stream.push(pkt(i % 256));
    stream.end(null);
    let n = 0;
    for await (const p of stream) {
      expect(p.id).toBe(n % 256);
      n++;
    }
    expect(n).toBe(3000);
  });
});
