/**
 * The packet catalogue: packets described as data (YAML), compiled into
 * encoders, decoders and field readers at load time. See docs/catalogue.md.
 */
export { BUILTIN_CATALOGUE_PATH, builtinCatalogue, loadCatalogue, parseCatalogue } from './load.ts';
export type { ParseCatalogueOptions } from './load.ts';
export { CatalogueError, CatalogueErrorCode, formatIssues } from './errors.ts';
export type { CatalogueErrorDetails, CatalogueIssue } from './errors.ts';
export type { Catalogue, CatalogueFieldInfo, Direction, FieldReader, PacketCodec } from './types.ts';
export { DEFAULT_MAX_PACKET_SIZE } from './validate.ts';
