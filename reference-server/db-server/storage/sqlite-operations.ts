/**
 * SQL of the SQLite backend: the prepared statements and one module-level
 * executor per operation. Executors are synchronous (better-sqlite3) and run
 * inside the group-commit transaction, each under its own savepoint (see
 * sqlite-storage.ts), so one failing write never undoes its neighbours.
 *
 * Every write first looks up its idempotency key, then does all its checks
 * before its first change, then stores the key with the result.
 */
import { DbNotFoundError } from './errors.ts';
import { answerStored, type StoredOutcome, type WriteOperation } from './idempotency.ts';
import { PRUNE_BATCH, SHARED_SQL, createdPlayer, transferOutcome, updatedPlayer } from './player-rules.ts';
import type { StorageMetrics } from './stats.ts';
import type { SqliteDatabase, SqliteRunResult, SqliteStatement } from './sqlite-driver.ts';
import type { DeletePlayerResult, Player, StatementKind, TransferGoldResult } from './types.ts';
import type { NormalizedCreate, NormalizedDelete, NormalizedLogEntry, NormalizedTransfer, NormalizedUpdate, NormalizedWrite } from './validation.ts';

export { PRUNE_BATCH };

/** Prepared statements of one connection, with per-kind timing. */
export class SqliteStatements {
  readonly metrics: StorageMetrics;
  readonly begin: SqliteStatement;
  readonly commit: SqliteStatement;
  readonly rollback: SqliteStatement;
  readonly savepoint: SqliteStatement;
  readonly release: SqliteStatement;
  readonly rollbackTo: SqliteStatement;
  readonly selectPlayer: SqliteStatement;
  readonly insertPlayer: SqliteStatement;
  readonly updatePlayer: SqliteStatement;
  readonly updateBalance: SqliteStatement;
  readonly deletePlayer: SqliteStatement;
  readonly selectKey: SqliteStatement;
  readonly insertKey: SqliteStatement;
  readonly pruneKeys: SqliteStatement;
  readonly insertLog: SqliteStatement;
  readonly sumGold: SqliteStatement;
  readonly countPlayers: SqliteStatement;

  constructor(db: SqliteDatabase, metrics: StorageMetrics) {
    this.metrics = metrics;
    // IMMEDIATE takes the write lock at BEGIN, so a busy database fails here, before any work is done.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT w');
    this.release = db.prepare('RELEASE w');
    this.rollbackTo = db.prepare('ROLLBACK TO w');
    this.selectPlayer = db.prepare(SHARED_SQL.selectPlayer);
    this.insertPlayer = db.prepare(SHARED_SQL.insertPlayer);
    this.updatePlayer = db.prepare(SHARED_SQL.updatePlayer);
    this.updateBalance = db.prepare(SHARED_SQL.updateBalance);
    this.deletePlayer = db.prepare(SHARED_SQL.deletePlayer);
    this.selectKey = db.prepare(SHARED_SQL.selectKey);
    this.insertKey = db.prepare(SHARED_SQL.insertKey);
    // Bounded per transaction so pruning a large backlog never blocks the event loop for long.
    this.pruneKeys = db.prepare(
      'DELETE FROM idempotency_keys WHERE idem_key IN (SELECT idem_key FROM idempotency_keys WHERE created_at < ? LIMIT ?)',
    );
    // NULL keys never conflict (NULLs are distinct in a UNIQUE index); a stored key makes the row a no-op.
    this.insertLog = db.prepare(
      'INSERT INTO session_log (entry_key, session_id, player_id, event, detail, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entry_key) DO NOTHING',
    );
    this.sumGold = db.prepare('SELECT COALESCE(SUM(gold), 0) FROM players').pluck();
    this.countPlayers = db.prepare('SELECT COUNT(*) FROM players').pluck();
  }

  /** Runs a read statement, timing it under `select`. */
  get(stmt: SqliteStatement, ...params: unknown[]): unknown {
    const t0 = performance.now();
    try {
      const row = stmt.get(...params);
      this.metrics.statement('select', t0, row === undefined ? 0 : 1, true);
      return row;
    } catch (err) {
      this.metrics.statement('select', t0, 0, false);
      throw err;
    }
  }

  /** Runs a write statement, timing it under `kind`. */
  run(kind: StatementKind, stmt: SqliteStatement, ...params: unknown[]): SqliteRunResult {
    const t0 = performance.now();
    try {
      const r = stmt.run(...params);
      this.metrics.statement(kind, t0, r.changes, true);
      return r;
    } catch (err) {
      this.metrics.statement(kind, t0, 0, false);
      throw err;
    }
  }
}

/** A write executor: runs inside the open transaction, returns the caller's result. */
export type SqliteWrite<A> = (s: SqliteStatements, args: A, now: number) => unknown;

function stored(s: SqliteStatements, key: string): StoredOutcome | undefined {
  return s.get(s.selectKey, key) as StoredOutcome | undefined;
}

function remember(s: SqliteStatements, op: WriteOperation, a: NormalizedWrite, result: unknown, now: number): void {
  s.run('insert', s.insertKey, a.key, op, a.hash, JSON.stringify(result), now);
}

function lockedPlayer(s: SqliteStatements, id: number): Player {
  const p = s.get(s.selectPlayer, id) as Player | undefined;
  if (p === undefined) throw new DbNotFoundError('player', id);
  return p;
}

/** Reads one player (outside any transaction). */
export function readPlayer(s: SqliteStatements, id: number): Player | null {
  return (s.get(s.selectPlayer, id) as Player | undefined) ?? null;
}

export function execCreatePlayer(s: SqliteStatements, a: NormalizedCreate, now: number): Player {
  const prior = stored(s, a.key);
  if (prior !== undefined) return answerStored(s.metrics, prior, a.key, 'createPlayer', a.hash);
  const r = s.run('insert', s.insertPlayer, a.name, a.level, a.gold, now, now);
  const player = createdPlayer(Number(r.lastInsertRowid), a, now);
  remember(s, 'createPlayer', a, player, now);
  return player;
}

export function execUpdatePlayer(s: SqliteStatements, a: NormalizedUpdate, now: number): Player {
  const prior = stored(s, a.key);
  if (prior !== undefined) return answerStored(s.metrics, prior, a.key, 'updatePlayer', a.hash);
  const p = lockedPlayer(s, a.id);
  const next = updatedPlayer(p, a, now);
  s.run('update', s.updatePlayer, next.name, next.level, next.gold, next.version, now, p.id);
  remember(s, 'updatePlayer', a, next, now);
  return next;
}

export function execDeletePlayer(s: SqliteStatements, a: NormalizedDelete, now: number): DeletePlayerResult {
  const prior = stored(s, a.key);
  if (prior !== undefined) return answerStored(s.metrics, prior, a.key, 'deletePlayer', a.hash);
  const r = s.run('delete', s.deletePlayer, a.id);
  if (r.changes === 0) throw new DbNotFoundError('player', a.id);
  const result: DeletePlayerResult = { id: a.id, deleted: true };
  remember(s, 'deletePlayer', a, result, now);
  return result;
}

export function execTransferGold(s: SqliteStatements, a: NormalizedTransfer, now: number): TransferGoldResult {
  const prior = stored(s, a.key);
  if (prior !== undefined) return answerStored(s.metrics, prior, a.key, 'transferGold', a.hash);
  // One writer at a time (BEGIN IMMEDIATE), so no lock ordering is needed here, unlike MariaDB.
  const from = lockedPlayer(s, a.fromId);
  const to = lockedPlayer(s, a.toId);
  const result = transferOutcome(from, to, a.amount);
  s.run('update', s.updateBalance, result.fromGold, result.fromVersion, now, from.id);
  s.run('update', s.updateBalance, result.toGold, result.toVersion, now, to.id);
  remember(s, 'transferGold', a, result, now);
  return result;
}

/** Appends one logSessions call's entries; returns how many the call had (inserted or already stored by key). */
export function execLogSessions(s: SqliteStatements, entries: readonly NormalizedLogEntry[]): number {
  for (const e of entries) s.run('insert', s.insertLog, e.key, e.sessionId, e.playerId, e.event, e.detail, e.at);
  return entries.length;
}

/** Deletes up to {@link PRUNE_BATCH} idempotency keys created before `olderThanMs`; returns how many. */
export function execPrune(s: SqliteStatements, olderThanMs: number): number {
  return s.run('delete', s.pruneKeys, olderThanMs, PRUNE_BATCH).changes;
}
