import { describe, expect, it } from 'vitest';
import { ConnectResult, DisconnectReason } from '../../protocol/index.ts';
import {
  ClientDisconnectedError,
  ClientErrorCode,
  HandshakeRejectedError,
  UsageError,
  connectErrorFrom,
  connectResultName,
  socketErrorFrom,
} from './errors.ts';

function sysErr(code: string | undefined, message = 'system error'): Error & { code?: string } {
  const err: Error & { code?: string } = new Error(message);
  if (code !== undefined) err.code = code;
  return err;
}

describe('connectErrorFrom', () => {
  it.each([
    ['ECONNREFUSED', undefined, ClientErrorCode.CONNECT_REFUSED, 'is the server running on 127.0.0.1:7000?'],
    ['ETIMEDOUT', undefined, ClientErrorCode.CONNECT_TIMEOUT, 'is the host reachable and the port open'],
    ['ENOTFOUND', undefined, ClientErrorCode.CONNECT_FAILED, 'check the host name'],
    ['EAI_AGAIN', undefined, ClientErrorCode.CONNECT_FAILED, 'check the host name'],
    ['EADDRNOTAVAIL', '10.9.9.9', ClientErrorCode.CONNECT_FAILED, 'from local address 10.9.9.9'],
    ['EINVAL', '::1', ClientErrorCode.CONNECT_FAILED, 'of the same family as the host'],
    ['ERR_INVALID_IP_ADDRESS', 'nope', ClientErrorCode.CONNECT_FAILED, "local address 'nope' is not an IP address"],
    ['ECONNRESET', undefined, ClientErrorCode.CONNECT_FAILED, 'was reset while connecting'],
    ['EHOSTUNREACH', undefined, ClientErrorCode.CONNECT_FAILED, 'check the host address and the network route'],
    ['EADDRNOTAVAIL', undefined, ClientErrorCode.CONNECT_FAILED, ': system error (EADDRNOTAVAIL)'],
    ['EWHATEVER', undefined, ClientErrorCode.CONNECT_FAILED, 'cannot connect to 127.0.0.1:7000: system error (EWHATEVER)'],
  ])('%s (local %s) → %s', (errno, local, code, text) => {
    const cause = sysErr(errno);
    const err = connectErrorFrom(cause, '127.0.0.1:7000', local);
    expect(err.code).toBe(code);
    expect(err.errno).toBe(errno);
    expect(err.cause).toBe(cause);
    expect(err.message).toContain(text);
  });

  it('handles an error without a code', () => {
    const err = connectErrorFrom(sysErr(undefined, 'odd'), 'h:1', undefined);
    expect(err.code).toBe(ClientErrorCode.CONNECT_FAILED);
    expect(err.message).toBe('cannot connect to h:1: odd');
  });
});

describe('socketErrorFrom', () => {
  it.each([
    ['ECONNRESET', ClientErrorCode.CLOSED_BY_PEER],
    ['EPIPE', ClientErrorCode.CLOSED_BY_PEER],
    ['ECONNABORTED', ClientErrorCode.CLOSED_BY_PEER],
    ['EIO', ClientErrorCode.SOCKET_ERROR],
  ])('%s → %s', (errno, code) => {
    const err = socketErrorFrom(sysErr(errno), 'h:1');
    expect(err.code).toBe(code);
    expect(err.errno).toBe(errno);
    expect(err.message).toContain('h:1');
  });
});

describe('ClientDisconnectedError', () => {
  it('carries reason number, name, the server text and a hint', () => {
    const err = new ClientDisconnectedError('h:1', DisconnectReason.RateLimited, 'too fast');
    expect(err.code).toBe(ClientErrorCode.DISCONNECTED);
    expect(err.reason).toBe(8);
    expect(err.reasonName).toBe('RateLimited');
    expect(err.serverText).toBe('too fast');
    expect(err.message).toBe(
      `server h:1 disconnected the client: RateLimited (8): "too fast" — lower the send rate or raise the server's rate limit`,
    );
  });

  it('names an unknown reason and omits empty text', () => {
    const err = new ClientDisconnectedError('h:1', 999, '');
    expect(err.reasonName).toBe('Unknown(999)');
    expect(err.message).toBe('server h:1 disconnected the client: Unknown(999) (999)');
  });
});

describe('HandshakeRejectedError', () => {
  it.each([
    [ConnectResult.VersionMismatch, 'VersionMismatch', 'check --client-version'],
    [ConnectResult.AuthFailed, 'AuthFailed', 'check the token'],
    [ConnectResult.ServerFull, 'ServerFull', 'session limit'],
    [77, 'Unknown(77)', 'rejected the handshake: Unknown(77) (77)'],
  ])('result %d → %s', (result, name, text) => {
    const err = new HandshakeRejectedError('h:1', result);
    expect(err.code).toBe(ClientErrorCode.HANDSHAKE_REJECTED);
    expect(err.result).toBe(result);
    expect(err.resultName).toBe(name);
    expect(err.message).toContain(text);
    expect(connectResultName(result)).toBe(name);
  });
});

describe('UsageError', () => {
  it('lists every issue', () => {
    const err = new UsageError(['a', 'b']);
    expect(err.code).toBe(ClientErrorCode.USAGE);
    expect(err.issues).toEqual(['a', 'b']);
    expect(err.message).toBe('a\nb');
  });
});

describe('error codes', () => {
  it('are unique and prefixed NMT_CLIENT_', () => {
    const codes = Object.values(ClientErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^NMT_CLIENT_[A-Z_]+$/);
  });
});
