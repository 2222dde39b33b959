/**
 * Formatting of metric values for people: threshold tables, summaries and
 * messages. Values arrive in base units (names.ts): µs, bytes, ratio 0..1,
 * per second, percent, count.
 */
import type { MetricQuery, MetricUnit } from '../metrics/names.ts';

/** Three significant digits, no exponent, no trailing zeros: 1.84, 12.5, 184, 0.001. */
function sig(x: number): string {
  if (x === 0) return '0';
  if (Math.abs(x) >= 100) return String(Math.round(x));
  return String(Number(x.toPrecision(3)));
}

/** Picks the largest scale whose ROUNDED value is ≥ 1, so 999.6µs prints as 1ms, not 1000µs. */
function scaled(value: number, scales: readonly (readonly [number, string])[]): string {
  const abs = Math.abs(value);
  for (let i = scales.length - 1; i > 0; i--) {
    const [factor, suffix] = scales[i] as readonly [number, string];
    const [nextFactor] = (scales[i - 1] as readonly [number, string]);
    // Rounded in the smaller unit, does the value reach this unit?
    if (Number(sig(abs / nextFactor)) * nextFactor >= factor) return `${sig(value / factor)}${suffix}`;
  }
  const [factor, suffix] = scales[0] as readonly [number, string];
  return `${sig(value / factor)}${suffix}`;
}

const TIME_SCALES = [[1, 'µs'], [1_000, 'ms'], [1_000_000, 's']] as const;
const BYTE_SCALES = [[1, 'B'], [1024, 'KiB'], [1024 ** 2, 'MiB'], [1024 ** 3, 'GiB'], [1024 ** 4, 'TiB']] as const;
const RATE_SCALES = [[1, '/s'], [1_000, 'k/s'], [1_000_000, 'M/s']] as const;

/**
 * Formats `value` (in the base unit of `unit`) with three significant digits
 * and a readable unit: time `850µs`, `1.84ms`, `2.5s`, `1m30s`; bytes `512B`,
 * `1.5MiB` (1024-based); ratio `0.1%`; percent `85.2%`; rate `850/s`,
 * `12.3k/s`; count `12345`. NaN and infinities print as `NaN`/`∞`.
 */
export function formatValue(value: number, unit: MetricUnit): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  switch (unit) {
    case 'time': {
      if (Math.abs(value) >= 60_000_000) {
        const sign = value < 0 ? '-' : '';
        const totalSeconds = Math.round(Math.abs(value) / 1_000_000);
        const m = Math.floor(totalSeconds / 60);
        const s = totalSeconds % 60;
        return s === 0 ? `${sign}${m}m` : `${sign}${m}m${s}s`;
      }
      return scaled(value, TIME_SCALES);
    }
    case 'bytes':
      return scaled(value, BYTE_SCALES);
    case 'ratio':
      return `${sig(value * 100)}%`;
    case 'percent':
      return `${sig(value)}%`;
    case 'rate':
      return scaled(value, RATE_SCALES);
    case 'count':
      return Number.isInteger(value) ? String(value) : sig(value);
  }
}

/** The canonical text of a query: `latency{packet:PingReq,phase:steady}.p99`. */
export function formatQuery(query: MetricQuery): string {
  const tags = Object.entries(query.tags);
  const tagText = tags.length === 0 ? '' : `{${tags.map(([k, v]) => `${k}:${v}`).join(',')}}`;
  return `${query.metric}${tagText}.${query.stat}`;
}

/** Left/right aligned columns, two spaces apart. */
export function textTable(rows: readonly (readonly string[])[], rightAlign: (col: number) => boolean): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - [...c].length);
        return rightAlign(i) ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}
