/**
 * Entry points: parse a catalogue from text, load one from a file, or get the
 * built-in wire protocol v1 catalogue.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CatalogueError, CatalogueErrorCode, invalidCatalogue } from './errors.ts';
import { compilePacket } from './packet-codec.ts';
import type { Catalogue, PacketCodec } from './types.ts';
import { validateCatalogue } from './validate.ts';
import { SourceContext } from './yaml-source.ts';

/** Where parseCatalogue's text came from. */
export interface ParseCatalogueOptions {
  /** Shown in errors and kept as `Catalogue.source` (usually the file path). */
  readonly source: string;
  /** Directory that relative `protobuf:` file paths are resolved against. */
  readonly baseDir: string;
}

/**
 * Validates and compiles a catalogue from YAML text.
 *
 * @throws CatalogueError `NMT_CATALOGUE_INVALID` whose `issues` list every
 *   problem found (path, YAML line, message) — not just the first.
 */
export function parseCatalogue(text: string, opts: ParseCatalogueOptions): Catalogue {
  const ctx = new SourceContext(text);
  const spec = validateCatalogue(ctx, opts.baseDir);
  if (spec === null || ctx.issues.length > 0) {
    // In file order (stable: issues on one line keep the order they were found in).
    const issues = [...ctx.issues].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    throw invalidCatalogue(opts.source, issues.length > 0 ? issues : [{ path: '', message: 'invalid catalogue' }]);
  }
  const packets: readonly PacketCodec[] = Object.freeze(
    spec.packets.map((p) => compilePacket(p, spec.header, spec.maxPacketSize)),
  );
  const names = new Map(packets.map((p) => [p.name, p]));
  const ids = new Map(packets.map((p) => [p.id, p]));
  return Object.freeze({
    name: spec.name,
    description: spec.description,
    source: opts.source,
    layout: spec.header.layout,
    maxPacketSize: spec.maxPacketSize,
    packets,
    byName: (name: string) => names.get(name),
    byId: (id: number) => ids.get(id),
  });
}

/**
 * Reads (synchronously), validates and compiles a catalogue file; `.proto`
 * files it lists are resolved relative to it.
 *
 * @throws CatalogueError `NMT_CATALOGUE_READ` when the file cannot be read,
 *   `NMT_CATALOGUE_INVALID` when it is not a valid catalogue.
 */
export function loadCatalogue(path: string): Catalogue {
  const full = resolve(path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    const message = `cannot read catalogue ${full}: ${(err as Error).message}`;
    throw new CatalogueError(CatalogueErrorCode.READ, message, [{ path: '', message }], { source: full });
  }
  return parseCatalogue(text, { source: full, baseDir: dirname(full) });
}

/** Path of the built-in v1 catalogue file. */
export const BUILTIN_CATALOGUE_PATH = fileURLToPath(new URL('./game-v1.yaml', import.meta.url));

let builtin: Catalogue | null = null;

/**
 * The built-in catalogue of wire protocol v1 (protocol/catalogue/game-v1.yaml):
 * SessionConnectReq, SessionConnectRes, PingReq, PongRes, DisconnectNotice.
 * Loaded once and cached.
 */
export function builtinCatalogue(): Catalogue {
  builtin ??= loadCatalogue(BUILTIN_CATALOGUE_PATH);
  return builtin;
}
