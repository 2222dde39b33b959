import { describe, expect, it } from 'vitest';
import { DisconnectReason, PacketId, ProtocolError, ProtocolErrorCode } from '../../protocol/index.ts';
import { ServerErrorCode, SessionViolation } from './errors.ts';
import { HandlerPhase, HandlerRegistry, PACKET_ID_SPACE, classifyHandlerError } from './handler-registry.ts';

const noop = (): void => {};

describe('HandlerRegistry', () => {
  it('has an entry for every id; unknown ids share the Unknown sentinel', () => {
    const r = new HandlerRegistry();
    expect(r.entries).toHaveLength(PACKET_ID_SPACE);
    expect(r.entries[0x1234]!.phase).toBe(HandlerPhase.Unknown);
    expect(r.entries[0]).toBe(r.entries[0xffff]);
    expect(r.get(0x1234)).toBeUndefined();
  });

  it('registers with a phase (default Connected) and the protocol name', () => {
    const r = new HandlerRegistry();
    r.register(PacketId.PingReq, noop).register(PacketId.SessionConnectReq, noop, { phase: HandlerPhase.Handshake });
    expect(r.get(PacketId.PingReq)).toMatchObject({ id: 3, phase: HandlerPhase.Connected, name: 'PingReq', fn: noop });
    expect(r.entries[PacketId.SessionConnectReq]!.phase).toBe(HandlerPhase.Handshake);
    expect(r.register(0x0777, noop, { name: 'Custom' }).get(0x0777)!.name).toBe('Custom');
    expect(r.ids()).toEqual([3, 1, 0x0777]);
  });

  it('rejects a second handler for an id', () => {
    const r = new HandlerRegistry().register(PacketId.PingReq, noop);
    expect(() => r.register(PacketId.PingReq, noop)).toThrow(expect.objectContaining({ code: ServerErrorCode.HANDLER_CONFLICT }));
  });

  it('stores a required role (none by default)', () => {
    const r = new HandlerRegistry().register(0x0200, noop, { role: 'admin' }).register(PacketId.PingReq, noop);
    expect(r.get(0x0200)!.role).toBe('admin');
    expect(r.get(PacketId.PingReq)!.role).toBeNull();
    expect(r.entries[0x4444]!.role).toBeNull();
  });

  it.each([
    [{ role: 'admin', phase: HandlerPhase.Handshake }, 'a handshake handler cannot require role "admin"'],
    [{ role: '' }, 'role must be a non-empty string'],
  ])('rejects %j', (options, fragment) => {
    expect(() => new HandlerRegistry().register(0x0200, noop, options)).toThrow(
      expect.objectContaining({ code: ServerErrorCode.HANDLER_CONFLICT, message: expect.stringContaining(fragment) }),
    );
  });

  it.each([-1, 65536, 1.5, Number.NaN])('rejects id %d', (id) => {
    expect(() => new HandlerRegistry().register(id, noop)).toThrow(expect.objectContaining({ code: ServerErrorCode.HANDLER_CONFLICT }));
  });
});

describe('classifyHandlerError', () => {
  it.each([
    [new ProtocolError(ProtocolErrorCode.MALFORMED_PAYLOAD, 'bad'), DisconnectReason.MalformedPayload, false, 'bad'],
    [new ProtocolError(ProtocolErrorCode.VALUE_OUT_OF_RANGE, 'big'), DisconnectReason.MalformedPayload, false, 'big'],
    [new SessionViolation(DisconnectReason.Forbidden, 'admins only'), DisconnectReason.Forbidden, false, 'admins only'],
    [new TypeError('x is undefined'), DisconnectReason.InternalError, true, 'internal server error'],
    ['a string', DisconnectReason.InternalError, true, 'internal server error'],
  ])('%s → reason %d internal %s', (err, reason, internal, text) => {
    expect(classifyHandlerError(err)).toEqual({ reason, internal, text });
  });
});
