import { afterEach, describe, expect, it } from 'vitest';
import { RawPeer } from '../testing/raw-peer.ts';
import { waitFor } from '../testing/server-fixture.ts';
import { TcpTransport } from './tcp-transport.ts';
import type { Connection } from './transport.ts';

describe('TcpTransport', () => {
  let transport: TcpTransport | null = null;
  const peers: RawPeer[] = [];

  afterEach(() => {
    for (const p of peers.splice(0)) p.destroy();
    transport?.stopAccepting();
    transport = null;
  });

  it('gives the peer address as ip:port, read on first use and then kept', async () => {
    const accepted: Connection[] = [];
    transport = new TcpTransport();
    const bound = await transport.listen('127.0.0.1', 0, { onConnection: (c) => accepted.push(c), onError: () => {} });
    const peer = await RawPeer.connect(bound.port);
    peers.push(peer);
    await waitFor(() => accepted.length === 1, 'the accepted connection');
    const conn = accepted[0]!;
    const expected = `127.0.0.1:${peer.socket.localPort}`;
    expect(conn.remoteAddress).toBe(expected);
    conn.destroy();
    await peer.waitClosed();
    // Kept from the first read: still known after the socket is gone.
    expect(conn.remoteAddress).toBe(expected);
  });
});
