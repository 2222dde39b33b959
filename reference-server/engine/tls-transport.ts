/**
 * {@link Transport} over TLS (`node:tls`), TLS 1.3 by default.
 *
 * A `TLSSocket` is a `net.Socket`, so everything after the handshake is the
 * TCP transport unchanged: {@link TcpConnection}, the module-level socket
 * handlers, half-close, backpressure. This class only creates a
 * `tls.Server` and hands the engine sockets on `secureConnection`, i.e. once
 * the handshake completed. The engine's own handshake deadline
 * (handshakeTimeoutMs, for SessionConnectReq) starts then; the TLS
 * handshake has its own deadline and its own bound on how many may be in
 * progress ({@link TlsSettings}).
 *
 * Failed handshakes (a TLS 1.2-only client, plain TCP, a missing or foreign
 * client certificate, a timeout) never reach the engine: they are counted
 * by reason in `nmt_tls_handshake_failures_total` and the socket is closed.
 *
 * How a client connects: `tls.connect({ host, port, ca, servername,
 * minVersion: 'TLSv1.3' })` (plus `cert`/`key` when the server verifies
 * client certificates), then the same packets as over TCP.
 */
import tls from 'node:tls';
import type { Server } from 'node:net';
import { TcpTransport, type TcpTransportOptions } from './tcp-transport.ts';
import { resolveTlsSettings, secureContextOptions, tlsServerOptions, type ResolvedTlsSettings, type TlsMaterial, type TlsSettings } from './tls-config.ts';
import { TlsHandshakeTracker } from './tls-handshake-stats.ts';
import { TransportConfigError } from './errors.ts';
import type { MetricFamily } from './prometheus.ts';

/** Options of {@link TlsTransport}. */
export interface TlsTransportOptions extends TlsSettings, TcpTransportOptions {}

/** Accepts TLS connections; see the module comment. */
export class TlsTransport extends TcpTransport {
  override readonly kind: string = 'tls';
  /** Validated settings (defaults filled). */
  readonly settings: ResolvedTlsSettings;
  /** Handshake counters: completed, pending, failures by reason. */
  readonly handshakes: TlsHandshakeTracker;
  private tlsServer: tls.Server | null = null;

  /** Throws {@link TransportConfigError} (NMT_SERVER_TRANSPORT_CONFIG_INVALID) for unusable settings. */
  constructor(options: TlsTransportOptions) {
    super({ backlog: options.backlog });
    this.settings = resolveTlsSettings(options);
    this.handshakes = new TlsHandshakeTracker(this.settings.maxPendingHandshakes);
  }

  protected override createServer(): Server {
    // Not half-open during the handshake: a peer that sends FIN mid-handshake
    // is closed (and counted) at once instead of holding a pending slot until
    // the handshake deadline. Half-open is switched on per socket once secure.
    const server = tls.createServer({ ...tlsServerOptions(this.settings), allowHalfOpen: false, noDelay: true });
    this.handshakes.attach(server);
    server.on('secureConnection', socketAllowHalfOpen);
    this.tlsServer = server;
    return server;
  }

  protected override acceptEvent(): string {
    return 'secureConnection';
  }

  /**
   * Replaces certificate, key and CA for handshakes from now on (certificate
   * rotation without a restart; open connections keep theirs). Throws
   * {@link TransportConfigError} and keeps the old ones if the new material
   * is unusable, or when called before `listen`.
   */
  setCertificates(material: TlsMaterial): void {
    reloadSecureContext(this.tlsServer, material, this.settings);
  }

  metrics(): readonly MetricFamily[] {
    return this.handshakes.metrics(this.kind);
  }
}

/** After the handshake a TLS session behaves like TCP: a peer's FIN still gets the answers it is owed. */
function socketAllowHalfOpen(socket: tls.TLSSocket): void {
  socket.allowHalfOpen = true;
}

/** Shared by the TLS and WSS transports: validate new material, then swap the server's context. */
export function reloadSecureContext(server: tls.Server | null, material: TlsMaterial, settings: ResolvedTlsSettings): void {
  if (server === null) {
    throw new TransportConfigError([{ path: 'cert/key', message: 'certificates can be replaced only once the transport listens' }], 'TLS reload');
  }
  const next = resolveTlsSettings({ ...material, clientAuth: settings.clientAuth, minVersion: settings.minVersion });
  server.setSecureContext(secureContextOptions(next.material, next.minVersion));
}
