import { describe, expect, it } from 'vitest';
import { PENDING_LIMIT_CODE, TLS_FAILURE_REASONS, TlsFailureReason, TlsHandshakeTracker, classifyTlsError } from './tls-handshake-stats.ts';

const err = (code: string): Error => Object.assign(new Error(code), { code });

describe('classifyTlsError', () => {
  it.each([
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', TlsFailureReason.ProtocolVersion],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', TlsFailureReason.ProtocolVersion],
    ['ERR_SSL_HTTP_REQUEST', TlsFailureReason.NotTls],
    ['ERR_SSL_WRONG_VERSION_NUMBER', TlsFailureReason.NotTls],
    ['ERR_SSL_NO_SHARED_CIPHER', TlsFailureReason.NoSharedCipher],
    ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', TlsFailureReason.ClientCertMissing],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', TlsFailureReason.ClientCertRejected],
    ['CERT_HAS_EXPIRED', TlsFailureReason.ClientCertRejected],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', TlsFailureReason.ServerCertRejected],
    ['ERR_SSL_SOMETHING_NEW', TlsFailureReason.ProtocolError],
    ['ERR_TLS_HANDSHAKE_TIMEOUT', TlsFailureReason.Timeout],
    ['ECONNRESET', TlsFailureReason.Reset],
    [PENDING_LIMIT_CODE, TlsFailureReason.PendingLimit],
    ['EWHATEVER', TlsFailureReason.Other],
  ])('%s → %s', (code, reason) => {
    expect(classifyTlsError(err(code))).toBe(reason);
  });

  it('a hang-up after Node refused the client certificate counts as client_cert_rejected', () => {
    expect(classifyTlsError(err('ECONNRESET'), { authorizationError: 'UNABLE_TO_GET_ISSUER_CERT' })).toBe(TlsFailureReason.ClientCertRejected);
    expect(classifyTlsError(err('ECONNRESET'), { authorizationError: null })).toBe(TlsFailureReason.Reset);
  });

  it('tolerates non-errors', () => {
    expect(classifyTlsError('boom')).toBe(TlsFailureReason.Other);
    expect(classifyTlsError(null)).toBe(TlsFailureReason.Other);
  });
});

describe('TlsHandshakeTracker.metrics', () => {
  it('renders every reason with fixed labels', () => {
    const t = new TlsHandshakeTracker(8);
    t.completed = 3;
    t.failures[TLS_FAILURE_REASONS.indexOf(TlsFailureReason.Timeout)] = 2;
    const [completed, pending, failures] = t.metrics('tls');
    expect(completed!.samples).toEqual([{ labels: { transport: 'tls' }, value: 3 }]);
    expect(pending!.samples[0]!.value).toBe(0);
    expect(failures!.samples.map((s) => s.labels!['reason'])).toEqual([...TLS_FAILURE_REASONS]);
    expect(t.failuresFor(TlsFailureReason.Timeout)).toBe(2);
    expect(t.failed).toBe(2);
  });
});
