import { describe, expect, it } from 'vitest';
import { ServerErrorCode, TransportConfigError } from './errors.ts';
import { TLS_CIPHERS, loadTlsFiles, resolveTlsSettings, tlsServerOptions } from './tls-config.ts';

const PEM = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');

function reader(files: Record<string, Buffer | string>): (p: string) => Buffer {
  return (p) => {
    const f = files[p];
    if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return Buffer.from(f);
  };
}

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TransportConfigError);
    expect((err as TransportConfigError).code).toBe(ServerErrorCode.TRANSPORT_CONFIG_INVALID);
    return [...(err as TransportConfigError).issues];
  }
  throw new Error('expected a TransportConfigError');
}

describe('loadTlsFiles', () => {
  it('reads certificate, key and optional CA', () => {
    const m = loadTlsFiles({ certFile: 'c', keyFile: 'k', caFile: 'a' }, reader({ c: PEM, k: PEM, a: PEM }));
    expect(m.cert).toEqual(PEM);
    expect(m.ca).toEqual(PEM);
    expect(loadTlsFiles({ certFile: 'c', keyFile: 'k' }, reader({ c: PEM, k: PEM })).ca).toBeNull();
  });

  it('names every unreadable or non-PEM file at once, by flag', () => {
    const issues = issuesOf(() => loadTlsFiles({ certFile: 'c', keyFile: 'k', caFile: 'a' }, reader({ k: 'not pem' })));
    expect(issues).toEqual([
      { path: '--tls-cert', message: 'cannot read the certificate file c (ENOENT)' },
      { path: '--tls-key', message: 'k does not look like PEM (private key); expected a "-----BEGIN ..." block' },
      { path: '--tls-ca', message: 'cannot read the CA certificate file a (ENOENT)' },
    ]);
  });
});

describe('resolveTlsSettings', () => {
  it.each([
    [{ clientAuth: true }, 'ca'],
    [{ minVersion: 'TLSv1.1' as never }, 'minVersion'],
    [{ handshakeTimeoutMs: 50 }, 'handshakeTimeoutMs'],
    [{ maxPendingHandshakes: 0 }, 'maxPendingHandshakes'],
  ])('rejects %j (%s) before touching the key material', (extra, path) => {
    expect(issuesOf(() => resolveTlsSettings({ cert: 'x', key: 'y', ...extra })).map((i) => i.path)).toEqual([path]);
  });

  it('reports unusable PEM as cert/key', () => {
    expect(issuesOf(() => resolveTlsSettings({ cert: PEM, key: PEM }))[0]!.path).toBe('cert/key');
  });
});

describe('tlsServerOptions', () => {
  it('pins TLS 1.3 by default, AEAD suites only, and client-certificate checks only with clientAuth', () => {
    const o = tlsServerOptions({
      material: { cert: 'c', key: 'k', ca: null },
      clientAuth: false,
      minVersion: 'TLSv1.3',
      handshakeTimeoutMs: 1234,
      maxPendingHandshakes: 1,
    });
    expect(o).toMatchObject({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', requestCert: false, rejectUnauthorized: false, handshakeTimeout: 1234, ciphers: TLS_CIPHERS });
    expect(o).not.toHaveProperty('ca');
    for (const suite of TLS_CIPHERS.split(':')) expect(suite).toMatch(/GCM|CHACHA20/);
    expect(TLS_CIPHERS.split(':').filter((s) => !s.startsWith('TLS_')).every((s) => s.startsWith('ECDHE-'))).toBe(true);
  });
});
