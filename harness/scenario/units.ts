/**
 * Parsers for the human-friendly quantities scenarios and thresholds use:
 * durations (`1m30s`), counts and rates with k/M suffixes (`10k`) and sizes
 * (`2GB`, 1024-based). Each returns `undefined` for text it does not accept
 * so callers can build an issue that says where and what is allowed.
 *
 * Pure functions with no project imports: both the scenario loader and the
 * threshold parser use them.
 */

/** Shown in messages about malformed durations. */
export const DURATION_EXAMPLES = 'e.g. 500ms, 30s, 2m, 1h30m';
/** Units a duration may use, in messages. */
export const DURATION_UNITS = ['h', 'm', 's', 'ms', 'us', 'µs'] as const;

const MICROS_PER_UNIT: Readonly<Record<string, number>> = {
  h: 3_600_000_000,
  m: 60_000_000,
  s: 1_000_000,
  ms: 1_000,
  us: 1,
  µs: 1,
  // U+03BC GREEK SMALL LETTER MU, which some keyboards produce instead of U+00B5 MICRO SIGN.
  μs: 1,
};

// One `<number><unit>` part; a duration is one or more parts with nothing in between.
const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ms|us|µs|μs|h|m|s)/y;

/**
 * Parses a duration into microseconds: `500ms`, `30s`, `2m`, `1h30m`,
 * `1m30.5s`, `250us`/`250µs`. The number `0` (and `"0"`) is accepted as zero;
 * any other number without a unit is rejected because it is ambiguous.
 * Returns `undefined` when `input` is not a duration.
 */
export function parseDurationMicros(input: unknown): number | undefined {
  if (typeof input === 'number') return input === 0 ? 0 : undefined;
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  let pos = 0;
  DURATION_PART.lastIndex = 0;
  while (pos < text.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(text);
    if (m === null) return undefined;
    const unit = MICROS_PER_UNIT[m[2] as string] as number;
    total += Number(m[1]) * unit;
    pos = DURATION_PART.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}

/** {@link parseDurationMicros} in milliseconds (may be fractional for µs inputs). */
export function parseDurationMs(input: unknown): number | undefined {
  const us = parseDurationMicros(input);
  return us === undefined ? undefined : us / 1000;
}

const COUNT = /^(\d+(?:\.\d+)?|\.\d+)\s*([kKM]?)$/;

/**
 * Parses a count or a rate: a plain non-negative number, or text with an
 * optional `k`/`K` (×1,000) or `M` (×1,000,000) suffix: `10k`, `1.5M`, `250`.
 * Returns `undefined` otherwise (negative numbers included).
 */
export function parseCount(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const m = COUNT.exec(input.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix === 'k' || suffix === 'K') return n * 1_000;
  if (suffix === 'M') return n * 1_000_000;
  return n;
}

const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Units a size may use, in messages. */
export const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)$/;

/**
 * Parses a size in bytes. Every unit is 1024-based — `KB` and `KiB` both mean
 * 1024 bytes — because memory figures (RSS) are what sizes measure here.
 * A plain number is bytes. Units are case-insensitive. Returns `undefined`
 * for anything else.
 */
export function parseSize(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const m = SIZE.exec(input.trim());
  if (m === null) return undefined;
  const unit = (m[2] as string).toLowerCase();
  if (unit === '') return Number(m[1]);
  const factor = BYTES_PER_UNIT[unit];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}
