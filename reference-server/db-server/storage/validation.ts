/**
 * Validation and normalisation of request arguments. Values come from the
 * wire, so every field is checked against the schema's limits before any SQL
 * runs, and every problem is reported at once with its path. Normalised
 * requests carry their idempotency fingerprint.
 */
import { DbErrorCode, DbValidationError, type DbIssue } from './errors.ts';
import { fingerprint } from './idempotency.ts';
import type { CreatePlayerInput, DeletePlayerInput, SessionLogEntry, TransferGoldInput, UpdatePlayerInput } from './types.ts';

/** Limits fixed by the schema's column types (changing one needs a migration). */
export const SCHEMA_LIMITS = Object.freeze({
  /** players.name: characters (Unicode code points). */
  nameMaxChars: 64,
  /** idempotency_keys.idem_key and session_log.entry_key: printable ASCII characters. */
  keyMaxChars: 128,
  /** session_log.event. */
  eventMaxChars: 32,
  /** session_log.detail. */
  detailMaxChars: 255,
  /** players.level is a signed 32-bit INT. */
  levelMax: 2_147_483_647,
  /** Gold is a BIGINT but is returned as a JS number, so it stays an exact integer. */
  goldMax: Number.MAX_SAFE_INTEGER,
});

const KEY = /^[\x21-\x7e]+$/;
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
const LONE_SURROGATE = /\p{Cs}/u;

/** Normalised fields common to every idempotent write. */
export interface NormalizedWrite {
  key: string;
  hash: string;
}
export interface NormalizedCreate extends NormalizedWrite {
  name: string;
  level: number;
  gold: number;
}
export interface NormalizedUpdate extends NormalizedWrite {
  id: number;
  expectedVersion: number | null;
  name: string | null;
  level: number | null;
  gold: number | null;
}
export interface NormalizedDelete extends NormalizedWrite {
  id: number;
}
export interface NormalizedTransfer extends NormalizedWrite {
  fromId: number;
  toId: number;
  amount: number;
}
export interface NormalizedLogEntry {
  key: string | null;
  sessionId: number;
  playerId: number | null;
  event: string;
  detail: string | null;
  at: number;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return typeof v;
}

/** Collects issues; each check returns the value when valid. */
class Checker {
  readonly issues: DbIssue[] = [];

  integer(path: string, v: unknown, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.issues.push({ path, message: `must be an integer in ${min}..${max}, got ${describe(v)}` });
      return min;
    }
    return v;
  }

  id(path: string, v: unknown): number {
    return this.integer(path, v, 1, Number.MAX_SAFE_INTEGER);
  }

  key(path: string, v: unknown): string {
    if (typeof v !== 'string' || v.length === 0 || v.length > SCHEMA_LIMITS.keyMaxChars || !KEY.test(v)) {
      this.issues.push({ path, message: `must be 1..${SCHEMA_LIMITS.keyMaxChars} printable ASCII characters (no spaces), got ${describe(v)}` });
      return '';
    }
    return v;
  }

  /** `allowControl`: free text (newlines, tabs) rather than a name; it may then also be empty. */
  text(path: string, v: unknown, maxChars: number, allowControl: boolean): string {
    if (typeof v !== 'string' || (v.length === 0 && !allowControl)) {
      this.issues.push({ path, message: `must be a ${allowControl ? '' : 'non-empty '}string, got ${describe(v)}` });
      return '';
    }
    if ((allowControl ? LONE_SURROGATE : CONTROL_OR_LONE_SURROGATE).test(v)) {
      this.issues.push({ path, message: allowControl ? 'must be valid Unicode (no lone surrogates)' : 'must not contain control characters or lone surrogates' });
    }
    const n = codePoints(v);
    if (n > maxChars) this.issues.push({ path, message: `must be at most ${maxChars} characters, got ${n}` });
    return v;
  }

  object(path: string, v: unknown, allowed: readonly string[]): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.issues.push({ path: path === '' ? '(input)' : path, message: `must be an object, got ${describe(v)}` });
      return {};
    }
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) this.issues.push({ path: path === '' ? k : `${path}.${k}`, message: 'unknown field' });
    }
    return v as Record<string, unknown>;
  }

  done(operation: string): void {
    if (this.issues.length > 0) throw new DbValidationError(DbErrorCode.INVALID_ARGUMENT, `${operation} arguments`, this.issues);
  }
}

const GOLD = [0, SCHEMA_LIMITS.goldMax] as const;
const LEVEL = [0, SCHEMA_LIMITS.levelMax] as const;

/** Validates a player id argument (getPlayer). */
export function normalizeId(id: unknown, operation: string): number {
  const c = new Checker();
  const v = c.id('id', id);
  c.done(operation);
  return v;
}

/** Validates an epoch-milliseconds argument (pruneIdempotencyKeys). */
export function normalizeTimestamp(ms: unknown, name: string, operation: string): number {
  const c = new Checker();
  const v = c.integer(name, ms, 0, Number.MAX_SAFE_INTEGER);
  c.done(operation);
  return v;
}

export function normalizeCreate(input: CreatePlayerInput): NormalizedCreate {
  const c = new Checker();
  const o = c.object('', input, ['idempotencyKey', 'name', 'level', 'gold']);
  const key = c.key('idempotencyKey', o.idempotencyKey);
  const name = c.text('name', o.name, SCHEMA_LIMITS.nameMaxChars, false);
  const level = o.level === undefined ? 1 : c.integer('level', o.level, ...LEVEL);
  const gold = o.gold === undefined ? 0 : c.integer('gold', o.gold, ...GOLD);
  c.done('createPlayer');
  return { key, name, level, gold, hash: fingerprint('createPlayer', [name, level, gold]) };
}

export function normalizeUpdate(input: UpdatePlayerInput): NormalizedUpdate {
  const c = new Checker();
  const o = c.object('', input, ['idempotencyKey', 'id', 'expectedVersion', 'name', 'level', 'gold']);
  const key = c.key('idempotencyKey', o.idempotencyKey);
  const id = c.id('id', o.id);
  const expectedVersion = o.expectedVersion === undefined ? null : c.integer('expectedVersion', o.expectedVersion, 1, Number.MAX_SAFE_INTEGER);
  const name = o.name === undefined ? null : c.text('name', o.name, SCHEMA_LIMITS.nameMaxChars, false);
  const level = o.level === undefined ? null : c.integer('level', o.level, ...LEVEL);
  const gold = o.gold === undefined ? null : c.integer('gold', o.gold, ...GOLD);
  if (o.name === undefined && o.level === undefined && o.gold === undefined) {
    c.issues.push({ path: '(input)', message: 'nothing to update: give at least one of name, level, gold' });
  }
  c.done('updatePlayer');
  return { key, id, expectedVersion, name, level, gold, hash: fingerprint('updatePlayer', [id, expectedVersion, name, level, gold]) };
}

export function normalizeDelete(input: DeletePlayerInput): NormalizedDelete {
  const c = new Checker();
  const o = c.object('', input, ['idempotencyKey', 'id']);
  const key = c.key('idempotencyKey', o.idempotencyKey);
  const id = c.id('id', o.id);
  c.done('deletePlayer');
  return { key, id, hash: fingerprint('deletePlayer', [id]) };
}

export function normalizeTransfer(input: TransferGoldInput): NormalizedTransfer {
  const c = new Checker();
  const o = c.object('', input, ['idempotencyKey', 'fromId', 'toId', 'amount']);
  const key = c.key('idempotencyKey', o.idempotencyKey);
  const fromId = c.id('fromId', o.fromId);
  const toId = c.id('toId', o.toId);
  const amount = c.integer('amount', o.amount, 1, SCHEMA_LIMITS.goldMax);
  if (typeof o.fromId === 'number' && o.fromId === o.toId) c.issues.push({ path: 'toId', message: `must differ from fromId (${o.fromId})` });
  c.done('transferGold');
  return { key, fromId, toId, amount, hash: fingerprint('transferGold', [fromId, toId, amount]) };
}

/** Validates a logSessions batch; `now` fills entries without `at`. */
export function normalizeLogEntries(entries: readonly SessionLogEntry[], maxEntries: number, now: number): NormalizedLogEntry[] {
  const c = new Checker();
  if (!Array.isArray(entries)) {
    c.issues.push({ path: 'entries', message: `must be an array, got ${describe(entries)}` });
    c.done('logSessions');
  }
  if (entries.length > maxEntries) {
    c.issues.push({ path: 'entries', message: `has ${entries.length} entries; at most ${maxEntries} per call (maxLogEntriesPerCall)` });
    c.done('logSessions');
  }
  const out: NormalizedLogEntry[] = new Array<NormalizedLogEntry>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const p = `entries[${i}]`;
    const o = c.object(p, entries[i], ['key', 'sessionId', 'playerId', 'event', 'detail', 'at']);
    out[i] = {
      key: o.key === undefined || o.key === null ? null : c.key(`${p}.key`, o.key),
      sessionId: c.integer(`${p}.sessionId`, o.sessionId, 0, Number.MAX_SAFE_INTEGER),
      playerId: o.playerId === undefined || o.playerId === null ? null : c.id(`${p}.playerId`, o.playerId),
      event: c.text(`${p}.event`, o.event, SCHEMA_LIMITS.eventMaxChars, false),
      detail: o.detail === undefined || o.detail === null ? null : c.text(`${p}.detail`, o.detail, SCHEMA_LIMITS.detailMaxChars, true),
      at: o.at === undefined ? now : c.integer(`${p}.at`, o.at, 0, Number.MAX_SAFE_INTEGER),
    };
  }
  c.done('logSessions');
  return out;
}
