/** Wire protocol v1: header, packet ids, packets, streaming decoder, errors. */
export * from './errors.ts';
export * from './header.ts';
export * from './packet-ids.ts';
export * from './packets.ts';
export * from './decoder.ts';
