/**
 * Helpers for the catalogue tests: build a one-packet catalogue from field
 * definitions without writing a file.
 */
import { parseCatalogue } from './load.ts';
import type { Catalogue, PacketCodec } from './types.ts';

/** A v1-shaped header (u16 size incl. header, u16 id) with the given byte order. */
export function headerYaml(endianness: 'little' | 'big' = 'little'): string {
  return `header:\n  endianness: ${endianness}\n  fields: [size, id]\n  size: { type: u16 }\n  id: { type: u16 }`;
}

/**
 * A catalogue whose only packet `P` (id 1) has `fields` (YAML flow mappings,
 * one per field). `extra` goes at the top level (e.g. `maxPacketSize: 64`).
 */
export function catalogueWith(fields: readonly string[], options: { header?: string; extra?: string } = {}): Catalogue {
  const list = fields.length === 0 ? '    fields: []' : `    fields:\n${fields.map((f) => `      - ${f}`).join('\n')}`;
  const text = `catalogue: t\n${options.header ?? headerYaml()}\n${options.extra ?? ''}packets:\n  P:\n    id: 1\n    direction: both\n${list}\n`;
  return parseCatalogue(text, { source: 'test', baseDir: '.' });
}

/** The packet `P` of {@link catalogueWith}. */
export function packetWith(fields: readonly string[], options: { header?: string; extra?: string } = {}): PacketCodec {
  return catalogueWith(fields, options).byName('P')!;
}

/** Hex of a buffer without the 4-byte v1-style header. */
export function payloadHex(buf: Buffer): string {
  return buf.subarray(4).toString('hex');
}

/** A 64-bit integer as decode reports it: a number when exact, else a bigint. */
export function narrow(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export function thrown(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected an error');
}
