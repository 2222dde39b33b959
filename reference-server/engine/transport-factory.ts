/**
 * One place that turns a transport choice (`--transport tcp|tls|ws|wss`
 * and its settings) into a {@link Transport}, so applications (TestServer,
 * later DBServer) select transports the same way.
 *
 *   tcp  TcpTransport                          plain TCP (default)
 *   tls  TlsTransport                          TLS 1.3 (1.2 if configured), optional client certificates
 *   ws   WsTransport                           WebSocket over HTTP
 *   wss  WsTransport with TLS settings         WebSocket over TLS (same TLS policy as tls)
 */
import type { EngineLimits } from './config.ts';
import { DEFAULT_LIMITS } from './config.ts';
import { TransportConfigError } from './errors.ts';
import { TcpTransport } from './tcp-transport.ts';
import type { TlsSettings } from './tls-config.ts';
import { TlsTransport } from './tls-transport.ts';
import type { Transport } from './transport.ts';
import { WsTransport, type WsTransportOptions } from './ws-transport.ts';

/** Transport kinds, as written on the command line and in scenarios. */
export const TRANSPORT_KINDS = ['tcp', 'tls', 'ws', 'wss'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

/** A transport choice with its settings (plain data, e.g. from the CLI). */
export interface TransportSpec {
  kind: TransportKind;
  /** Required for `tls` and `wss`, not allowed otherwise. */
  tls?: TlsSettings | null;
  /** `ws` and `wss` only (path, message size, upgrade limits). */
  ws?: Omit<WsTransportOptions, 'tls' | 'maxPacketSize' | 'backlog'> | null;
  /** Listen backlog. Default 511. */
  backlog?: number;
}

/** True for a ready {@link Transport} instance (as opposed to a {@link TransportSpec}). */
export function isTransport(value: Transport | TransportSpec): value is Transport {
  return typeof (value as Transport).listen === 'function';
}

/**
 * Builds the transport. `limits.maxPacketSize` sizes the WebSocket message
 * cap. Throws {@link TransportConfigError} (NMT_SERVER_TRANSPORT_CONFIG_INVALID)
 * for a missing or misplaced TLS section and for unusable TLS material.
 */
export function createTransport(spec: TransportSpec, limits: Pick<EngineLimits, 'maxPacketSize'> = DEFAULT_LIMITS): Transport {
  const secure = spec.kind === 'tls' || spec.kind === 'wss';
  const hasTls = spec.tls !== undefined && spec.tls !== null;
  const isWs = spec.kind === 'ws' || spec.kind === 'wss';
  const issues = [];
  if (!(TRANSPORT_KINDS as readonly string[]).includes(spec.kind)) issues.push({ path: 'kind', message: `must be one of ${TRANSPORT_KINDS.join(', ')}, got ${String(spec.kind)}` });
  if (secure && !hasTls) issues.push({ path: 'tls', message: `transport ${spec.kind} needs a certificate and key (--tls-cert, --tls-key)` });
  if (!secure && hasTls) issues.push({ path: 'tls', message: `TLS settings apply to transports tls and wss, not ${spec.kind}` });
  if (!isWs && spec.ws !== undefined && spec.ws !== null) issues.push({ path: 'ws', message: `WebSocket settings apply to transports ws and wss, not ${spec.kind}` });
  if (issues.length > 0) throw new TransportConfigError(issues);
  switch (spec.kind) {
    case 'tcp':
      return new TcpTransport({ backlog: spec.backlog });
    case 'tls':
      return new TlsTransport({ ...spec.tls!, backlog: spec.backlog });
    default:
      return new WsTransport({ ...(spec.ws ?? {}), tls: spec.tls ?? null, maxPacketSize: limits.maxPacketSize, backlog: spec.backlog });
  }
}
