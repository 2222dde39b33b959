import { describe, expect, it } from 'vitest';
import { ServerErrorCode } from './errors.ts';
import { TcpTransport } from './tcp-transport.ts';
import { createTransport, isTransport, type TransportSpec } from './transport-factory.ts';
import { WsTransport } from './ws-transport.ts';

describe('createTransport', () => {
  it('builds tcp and ws transports; ws sizes its message cap from maxPacketSize', () => {
    expect(createTransport({ kind: 'tcp' })).toBeInstanceOf(TcpTransport);
    const ws = createTransport({ kind: 'ws', ws: { path: '/g', packetsPerMessage: 4 } }, { maxPacketSize: 1000 });
    expect(ws).toBeInstanceOf(WsTransport);
    expect(ws.kind).toBe('ws');
    expect((ws as WsTransport).maxMessageBytes).toBe(4000);
    expect((ws as WsTransport).path).toBe('/g');
  });

  it.each<[TransportSpec, string, string]>([
    [{ kind: 'tls' }, 'tls', 'transport tls needs a certificate and key'],
    [{ kind: 'wss', tls: null }, 'tls', 'transport wss needs a certificate and key'],
    [{ kind: 'tcp', tls: { cert: 'c', key: 'k' } }, 'tls', 'TLS settings apply to transports tls and wss, not tcp'],
    [{ kind: 'tcp', ws: { path: '/' } }, 'ws', 'WebSocket settings apply to transports ws and wss, not tcp'],
    [{ kind: 'udp' as never }, 'kind', 'must be one of tcp, tls, ws, wss'],
  ])('rejects %j', (spec, path, fragment) => {
    expect(() => createTransport(spec)).toThrow(
      expect.objectContaining({ code: ServerErrorCode.TRANSPORT_CONFIG_INVALID, issues: expect.arrayContaining([{ path, message: expect.stringContaining(fragment) }]) }),
    );
  });

  it('isTransport tells an instance from a spec', () => {
    expect(isTransport(new TcpTransport())).toBe(true);
    expect(isTransport({ kind: 'tcp' })).toBe(false);
  });
});
