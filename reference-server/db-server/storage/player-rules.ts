/**
 * What both backends do alike: the SQL text the two dialects share, and the
 * rules of each write (the checks, and the row or result it produces) as pure
 * functions. sqlite-operations.ts and mariadb-operations.ts differ only in
 * how they run statements (synchronous inside a group commit, or awaited on a
 * pooled connection with row locks).
 */
import { DbBalanceOverflowError, DbInsufficientFundsError, DbVersionConflictError } from './errors.ts';
import type { Player, TransferGoldResult } from './types.ts';
import { SCHEMA_LIMITS, type NormalizedCreate, type NormalizedUpdate } from './validation.ts';

const PLAYER_COLUMNS = 'id, name, level, gold, version, created_at AS createdAt, updated_at AS updatedAt';

/** Statements written the same way in SQLite and MariaDB (parameters only: no value is spliced into SQL text). */
export const SHARED_SQL = Object.freeze({
  selectPlayer: `SELECT ${PLAYER_COLUMNS} FROM players WHERE id = ?`,
  insertPlayer: 'INSERT INTO players (name, level, gold, version, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)',
  updatePlayer: 'UPDATE players SET name = ?, level = ?, gold = ?, version = ?, updated_at = ? WHERE id = ?',
  updateBalance: 'UPDATE players SET gold = ?, version = ?, updated_at = ? WHERE id = ?',
  deletePlayer: 'DELETE FROM players WHERE id = ?',
  selectKey: 'SELECT operation, request_hash AS requestHash, result FROM idempotency_keys WHERE idem_key = ?',
  insertKey: 'INSERT INTO idempotency_keys (idem_key, operation, request_hash, result, created_at) VALUES (?, ?, ?, ?, ?)',
});

/** Idempotency keys deleted per pruning statement at most (short lock windows, a short event-loop block for SQLite). */
export const PRUNE_BATCH = 5000;

/** The row a createPlayer inserted as `id`. */
export function createdPlayer(id: number, a: NormalizedCreate, now: number): Player {
  return { id, name: a.name, level: a.level, gold: a.gold, version: 1, createdAt: now, updatedAt: now };
}

/** The row after an update of `p` (read under the write lock); throws NMT_DB_VERSION_CONFLICT when the caller's copy is stale. */
export function updatedPlayer(p: Player, a: NormalizedUpdate, now: number): Player {
  if (a.expectedVersion !== null && a.expectedVersion !== p.version) throw new DbVersionConflictError(a.id, a.expectedVersion, p.version);
  return {
    id: p.id,
    name: a.name ?? p.name,
    level: a.level ?? p.level,
    gold: a.gold ?? p.gold,
    version: p.version + 1,
    createdAt: p.createdAt,
    updatedAt: now,
  };
}

/** The outcome of moving `amount` from `from` to `to` (both read under the write lock); throws before anything changes. */
export function transferOutcome(from: Player, to: Player, amount: number): TransferGoldResult {
  if (from.gold < amount) throw new DbInsufficientFundsError(from.id, from.gold, amount);
  if (to.gold > SCHEMA_LIMITS.goldMax - amount) throw new DbBalanceOverflowError(to.id, to.gold, amount, SCHEMA_LIMITS.goldMax);
  return {
    fromId: from.id,
    toId: to.id,
    amount,
    fromGold: from.gold - amount,
    toGold: to.gold + amount,
    fromVersion: from.version + 1,
    toVersion: to.version + 1,
  };
}
