/**
 * Shared set-up for tests and benchmarks that drive a {@link VuConnection}
 * directly (no executor, no VU): its environment over plain TCP, and a small
 * catalogue of one variable-size client packet for send-path tests.
 */
import { parseCatalogue, type Catalogue } from '../../protocol/catalogue/index.ts';
import type { MetricsRecorder } from '../metrics/recorder.ts';
import { PLAIN_TCP } from '../security/client-security.ts';
import type { ConnectionEnv } from './connection.ts';
import { resolveSessionPackets } from './session-packets.ts';
import type { DeadlineSweeper } from './sweeper.ts';

/** A ConnectionEnv over plain TCP; the sweeper does nothing unless one is given. */
export function connectionEnv(catalogue: Catalogue, recorder: MetricsRecorder, sweeper?: DeadlineSweeper): ConnectionEnv {
  return {
    catalogue,
    recorder,
    sweeper: sweeper ?? ({ watch() {}, unwatch() {} } as unknown as DeadlineSweeper),
    session: resolveSessionPackets(catalogue),
    dial: PLAIN_TCP,
    connectTimeoutMs: 2000,
    closeGraceMs: 2000,
    stats: { backpressureStalls: 0 },
    warn: () => {},
    socketOpened: () => {},
    socketClosed: () => {},
  };
}

/** Catalogue `blob`: one client packet `Blob { text: string (u16 length) }`, no handshake packets. */
export function blobCatalogue(): Catalogue {
  return parseCatalogue(
    [
      'catalogue: blob',
      'header: { endianness: little, fields: [size, id], size: { type: u16, includesHeader: true }, id: { type: u16 } }',
      'packets:',
      '  Blob: { id: 0x10, direction: client, fields: [ { name: text, type: string, lengthPrefix: u16 } ] }',
    ].join('\n'),
    { source: 'blob.yaml', baseDir: '/tmp' },
  );
}
