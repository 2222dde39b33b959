/**
 * Errors of the packet catalogue. Every error carries a stable `code`
 * (callers and tests match on it, never on the message) and the list of
 * problems found. Codes are documented in docs/catalogue.md.
 */

/** Stable error codes of the catalogue. */
export const CatalogueErrorCode = {
  /** The catalogue file is not valid: see `issues` (every problem, each with its path and YAML line). */
  INVALID: 'NMT_CATALOGUE_INVALID',
  /** The catalogue file (or the built-in one) could not be read from disk. */
  READ: 'NMT_CATALOGUE_READ',
  /** `encode`/`encodeInto` got a missing, mistyped or out-of-range value, or the packet does not fit. */
  ENCODE: 'NMT_CATALOGUE_ENCODE',
  /** `decode` got bytes that do not match the packet's layout. */
  DECODE: 'NMT_CATALOGUE_DECODE',
  /** `fieldReader` was asked for a field the packet does not have. */
  UNKNOWN_FIELD: 'NMT_CATALOGUE_UNKNOWN_FIELD',
} as const;
export type CatalogueErrorCode = (typeof CatalogueErrorCode)[keyof typeof CatalogueErrorCode];

/** One problem in a catalogue file or in the values given to a codec. */
export interface CatalogueIssue {
  /**
   * Where the problem is: a dotted path into the catalogue
   * (`packets.PongRes.fields[2].type`) or, for encode/decode, into the
   * packet (`PongRes.seq`, `Inventory.items[3].count`).
   */
  readonly path: string;
  /** 1-based line in the YAML source, when the problem is in a file. */
  readonly line?: number;
  /** What is wrong and, where it helps, what would be accepted. */
  readonly message: string;
}

/** Context an encode/decode error carries for programmatic use. */
export interface CatalogueErrorDetails {
  /** The catalogue file (INVALID/READ). */
  readonly source?: string;
  /** The packet being encoded or decoded. */
  readonly packet?: string;
  /** The field at fault, as a path inside the packet (`items[3].count`). */
  readonly field?: string;
  /** Byte offset from the start of the packet where decoding failed. */
  readonly offset?: number;
}

/** Raised by catalogue parsing and by packet codecs. */
export class CatalogueError extends Error {
  readonly code: CatalogueErrorCode;
  /** Every problem found (at least one). */
  readonly issues: readonly CatalogueIssue[];
  readonly source: string | undefined;
  readonly packet: string | undefined;
  readonly field: string | undefined;
  readonly offset: number | undefined;

  constructor(
    code: CatalogueErrorCode,
    message: string,
    issues: readonly CatalogueIssue[],
    details: CatalogueErrorDetails = {},
  ) {
    super(message);
    this.name = 'CatalogueError';
    this.code = code;
    this.issues = issues;
    this.source = details.source;
    this.packet = details.packet;
    this.field = details.field;
    this.offset = details.offset;
  }
}

/** Formats issues one per line as `source:line: path: message`, for terminals and logs. */
export function formatIssues(source: string, issues: readonly CatalogueIssue[]): string {
  return issues
    .map((i) => `${source}${i.line !== undefined ? `:${i.line}` : ''}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`)
    .join('\n');
}

/** The INVALID error for a list of issues, with a message that lists them all. */
export function invalidCatalogue(source: string, issues: readonly CatalogueIssue[]): CatalogueError {
  const n = issues.length;
  return new CatalogueError(
    CatalogueErrorCode.INVALID,
    `catalogue ${source} has ${n} problem${n === 1 ? '' : 's'}:\n${formatIssues(source, issues)}`,
    issues,
    { source },
  );
}

/** An ENCODE error for one field of one packet. */
export function encodeError(packet: string, field: string, message: string): CatalogueError {
  const path = field === '' ? packet : `${packet}.${field}`;
  return new CatalogueError(CatalogueErrorCode.ENCODE, `cannot encode ${path}: ${message}`, [{ path, message }], {
    packet,
    field,
  });
}

/** A DECODE error at a byte offset (from the start of the packet) of one packet. */
export function decodeError(packet: string, field: string, offset: number, message: string): CatalogueError {
  const path = field === '' ? packet : `${packet}.${field}`;
  const full = `${message} (at byte offset ${offset} of the packet)`;
  return new CatalogueError(CatalogueErrorCode.DECODE, `cannot decode ${path}: ${full}`, [{ path, message: full }], {
    packet,
    field,
    offset,
  });
}
