import { describe, expect, it } from 'vitest';
import { ServerErrorCode, ServerListenError, listenError } from './errors.ts';

const osError = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`listen ${code}`), { code });

describe('listenError', () => {
  it.each([
    ['EADDRINUSE', 'game', ServerErrorCode.ADDRESS_IN_USE, /127\.0\.0\.1:7000 \(server port\): the port is already in use.*--port 0/],
    ['EADDRINUSE', 'metrics', ServerErrorCode.ADDRESS_IN_USE, /127\.0\.0\.1:7000 \(metrics port\).*--metrics-port/],
    ['EACCES', 'game', ServerErrorCode.LISTEN_DENIED, /permission denied \(EACCES\)/],
    ['EADDRNOTAVAIL', 'game', ServerErrorCode.ADDRESS_UNAVAILABLE, /not an address of this machine/],
    ['ENOTFOUND', 'game', ServerErrorCode.ADDRESS_UNAVAILABLE, /not an address of this machine/],
    ['EMFILE', 'game', ServerErrorCode.LISTEN_FAILED, /listen EMFILE/],
  ] as const)('%s on the %s port → %s', (os, role, code, message) => {
    const err = listenError(osError(os), '127.0.0.1', 7000, role);
    expect(err).toBeInstanceOf(ServerListenError);
    expect(err).toMatchObject({ code, host: '127.0.0.1', port: 7000, role, osCode: os });
    expect(err.message).toMatch(message);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('handles a non-Error value', () => {
    const err = listenError('weird', 'localhost', 1, 'game');
    expect(err.code).toBe(ServerErrorCode.LISTEN_FAILED);
    expect(err.osCode).toBeUndefined();
    expect(err.message).toContain('weird');
  });
});
