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
  tlsErrorFrom,
  wsUpgradeErrorFrom,
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

describe('tlsErrorFrom', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', '--ca <file>'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', '--ca <file>'],
    ['SELF_SIGNED_CERT_IN_CHAIN', '--insecure'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', '--ca <file>'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', '--server-name <name>'],
    ['CERT_HAS_EXPIRED', "this machine's clock"],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'is it running with --transport tls'],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'TLS 1.3 by default'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', '--cert <file> --key <file>'],
    ['ERR_SSL_SOMETHING_ELSE', 'check the certificate files'],
  ])('%s → NMT_CLIENT_TLS_FAILED, hint %s', (code, hint) => {
    const err = tlsErrorFrom(sysErr(code, 'tls says no'), 'localhost:7000')!;
    expect(err.code).toBe(ClientErrorCode.TLS_FAILED);
    expect(err.errno).toBe(code);
    expect(err.message).toContain(`TLS handshake with localhost:7000 failed: tls says no (${code})`);
    expect(err.message).toContain(hint);
  });

  it.each(['ECONNRESET', 'EPIPE', undefined])('%s is not a TLS failure', (code) => {
    expect(tlsErrorFrom(sysErr(code), 'h:1')).toBeNull();
  });

  it('connectErrorFrom and socketErrorFrom both recognise TLS codes', () => {
    expect(connectErrorFrom(sysErr('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'h:1', undefined).code).toBe(ClientErrorCode.TLS_FAILED);
    expect(socketErrorFrom(sysErr('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'h:1').code).toBe(ClientErrorCode.TLS_FAILED);
  });
});

describe('wsUpgradeErrorFrom', () => {
  it('a 404 answer names the path to check', () => {
    const err = wsUpgradeErrorFrom(sysErr(undefined, 'Unexpected server response: 404'), '127.0.0.1:7000', '/nope')!;
    expect(err.code).toBe(ClientErrorCode.WS_UPGRADE_FAILED);
    expect(err.message).toBe(
      "WebSocket upgrade to 127.0.0.1:7000/nope refused: Unexpected server response: 404 — no WebSocket endpoint at path '/nope': " +
        "check the path (--ws-path, wsPath) against the server's --ws-path",
    );
  });

  it.each(['Unexpected server response: 400', 'Invalid Sec-WebSocket-Accept header', 'Invalid Upgrade header'])(
    '%s → asks whether it is a WebSocket server',
    (message) => {
      const err = wsUpgradeErrorFrom(sysErr(undefined, message), 'h:1', '/')!;
      expect(err.code).toBe(ClientErrorCode.WS_UPGRADE_FAILED);
      expect(err.message).toContain('is it a WebSocket server');
    },
  );

  it('other errors are not upgrade failures; connectErrorFrom maps them as before', () => {
    expect(wsUpgradeErrorFrom(sysErr('ECONNREFUSED', 'connect ECONNREFUSED'), 'h:1', '/')).toBeNull();
    expect(connectErrorFrom(sysErr('ECONNREFUSED'), 'h:1', undefined, '/').code).toBe(ClientErrorCode.CONNECT_REFUSED);
    expect(connectErrorFrom(sysErr(undefined, 'Unexpected server response: 404'), 'h:1', undefined, '/g').code).toBe(
      ClientErrorCode.WS_UPGRADE_FAILED,
    );
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
