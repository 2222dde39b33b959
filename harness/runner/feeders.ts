/**
 * Loads feeder CSV files into rows, once per worker process. The first
 * record is the header (column names); every later record becomes a row
 * `{ column: value }`. RFC 4180 quoting: fields in double quotes may hold
 * commas, newlines and `""` escapes. A UTF-8 BOM is ignored; blank lines are
 * skipped. A record with more fields than the header is an error (a stray
 * comma usually means a broken file); fewer fields leave columns ''.
 */
import { readFileSync, statSync } from 'node:fs';
import type { FeederConfig } from '../scenario/types.ts';
import { RunError, RunErrorCode } from './errors.ts';

/** Limits of feeder loading. */
export interface FeederLimits {
  /** Largest CSV file accepted, bytes (default 256 MiB: rows live in every worker's memory). */
  maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

/** Parses CSV text into records (arrays of fields). Throws an Error on an unterminated quote. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quoteLine = 0;
  let line = 1;
  const endRecord = (): void => {
    record.push(field);
    field = '';
    if (!(record.length === 1 && record[0]!.trim() === '')) records.push(record);
    record = [];
  };
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field.trim() === '') {
      field = '';
      quoted = true;
      quoteLine = line;
    } else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n') {
      if (field.endsWith('\r')) field = field.slice(0, -1);
      endRecord();
      line++;
    } else field += ch;
  }
  if (quoted) throw new Error(`unterminated quoted field starting on line ${quoteLine}`);
  if (field !== '' || record.length > 0) {
    if (field.endsWith('\r')) field = field.slice(0, -1);
    endRecord();
  }
  return records;
}

/** Rows of one CSV file; see the module comment. Throws {@link RunError} `NMT_RUN_FEEDER`. */
export function loadCsvRows(file: string, limits: FeederLimits = {}): Record<string, string>[] {
  const max = limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > max) {
      throw new RunError(RunErrorCode.FEEDER, `feeder file ${file} is ${size} bytes; the limit is ${max} bytes`);
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof RunError) throw err;
    throw new RunError(RunErrorCode.FEEDER, `cannot read feeder file ${file}: ${(err as Error).message}`);
  }
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (err) {
    throw new RunError(RunErrorCode.FEEDER, `feeder file ${file}: ${(err as Error).message}`);
  }
  const header = records[0]?.map((h) => h.trim());
  if (header === undefined || header.every((h) => h === '')) {
    throw new RunError(RunErrorCode.FEEDER, `feeder file ${file} is empty: its first line must name the columns`);
  }
  const rows: Record<string, string>[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.length > header.length) {
      throw new RunError(
        RunErrorCode.FEEDER,
        `feeder file ${file}: record ${r + 1} has ${rec.length} fields but the header names ${header.length} columns`,
      );
    }
    const row: Record<string, string> = {};
    for (let c = 0; c < header.length; c++) row[header[c]!] = rec[c] ?? '';
    rows.push(Object.freeze(row));
  }
  return rows;
}

/** Rows of every feeder of a scenario, by feeder name. */
export function loadFeeders(
  feeders: readonly FeederConfig[],
  limits: FeederLimits = {},
): Readonly<Record<string, readonly Record<string, string>[]>> {
  const out: Record<string, readonly Record<string, string>[]> = {};
  for (const f of feeders) out[f.name] = Object.freeze(loadCsvRows(f.file, limits));
  return Object.freeze(out);
}
