/**
 * SQL of the MariaDB backend: one module-level unit of work per operation,
 * run by {@link MariaDbRunner} on a pooled connection and retried as a whole
 * after a deadlock or a lost connection. Parameters only: no value is ever
 * spliced into SQL text.
 *
 * Every write: look up its idempotency key (a replay needs no transaction),
 * BEGIN, lock and check the rows it touches, change them, insert the key with
 * the result, COMMIT. Two concurrent requests with the same new key both do
 * the work, but the second one's key insert hits the primary key (1062) once
 * the first commits; it then rolls back and answers from the stored key.
 */
import type { PoolConnection, UpsertResult } from 'mariadb';
import { DbNotFoundError } from './errors.ts';
import { answerStored, type StoredOutcome, type WriteOperation } from './idempotency.ts';
import { isDuplicateKey } from './mariadb-errors.ts';
import type { Ticket } from './mariadb-runner.ts';
import { PRUNE_BATCH, SHARED_SQL, createdPlayer, transferOutcome, updatedPlayer } from './player-rules.ts';
import type { DeletePlayerResult, Player, StatementKind, TransferGoldResult } from './types.ts';
import type { NormalizedCreate, NormalizedDelete, NormalizedLogEntry, NormalizedTransfer, NormalizedUpdate, NormalizedWrite } from './validation.ts';

export { PRUNE_BATCH };
const { selectPlayer: SELECT_PLAYER, insertPlayer: INSERT_PLAYER, updatePlayer: UPDATE_PLAYER, updateBalance: UPDATE_BALANCE, deletePlayer: DELETE_PLAYER } = SHARED_SQL;
const { selectKey: SELECT_KEY, insertKey: INSERT_KEY } = SHARED_SQL;
const LOCK_PLAYER = `${SELECT_PLAYER} FOR UPDATE`;
const PRUNE_KEYS = `DELETE FROM idempotency_keys WHERE created_at < ? LIMIT ${PRUNE_BATCH}`;
// A stored entry key turns the row into a no-op (not INSERT IGNORE, which would also hide real errors).
const INSERT_LOG = 'INSERT INTO session_log (entry_key, session_id, player_id, event, detail, at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id';

type Rows<T> = T[];

function rowCount(r: unknown): number {
  if (Array.isArray(r)) return r.length;
  return typeof r === 'object' && r !== null && 'affectedRows' in r ? Number((r as UpsertResult).affectedRows) : 0;
}

/** Runs one statement, timing it under `kind`. */
async function q<T>(t: Ticket, conn: PoolConnection, kind: StatementKind, sql: string, params: unknown[] = []): Promise<T> {
  const t0 = performance.now();
  try {
    const r: unknown = await conn.query(sql, params);
    t.metrics.statement(kind, t0, rowCount(r), true);
    return r as T;
  } catch (err) {
    t.metrics.statement(kind, t0, 0, false);
    throw err;
  }
}

async function lookup(t: Ticket, conn: PoolConnection, key: string): Promise<StoredOutcome | undefined> {
  const rows = await q<Rows<StoredOutcome>>(t, conn, 'select', SELECT_KEY, [key]);
  return rows[0];
}

async function rollback(t: Ticket, conn: PoolConnection, txStart: number): Promise<void> {
  try {
    await conn.rollback();
  } catch {
    // The connection is broken; the server rolls back when it notices, and the runner discards the connection.
  }
  t.metrics.rollbacks++;
  t.metrics.statement('transaction', txStart, 0, false);
}

type Body<A, R> = (t: Ticket, conn: PoolConnection, a: A, now: number) => Promise<R>;

/** The idempotent-write frame around `body` (see the file comment). */
async function idempotentWrite<A extends NormalizedWrite, R>(t: Ticket, conn: PoolConnection, op: WriteOperation, a: A, body: Body<A, R>): Promise<R> {
  const prior = await lookup(t, conn, a.key);
  if (prior !== undefined) return answerStored(t.metrics, prior, a.key, op, a.hash);
  const txStart = performance.now();
  await conn.beginTransaction();
  let result: R;
  try {
    const now = Date.now();
    result = await body(t, conn, a, now);
    await q(t, conn, 'insert', INSERT_KEY, [a.key, op, a.hash, JSON.stringify(result), now]);
    t.committing = true;
    await conn.commit();
  } catch (err) {
    // A failed COMMIT leaves the outcome unknown; the runner retries and the key lookup settles it.
    if (t.committing) throw err;
    await rollback(t, conn, txStart);
    if (isDuplicateKey(err)) {
      const stored = await lookup(t, conn, a.key);
      if (stored !== undefined) return answerStored(t.metrics, stored, a.key, op, a.hash);
    }
    throw err;
  }
  t.metrics.commits++;
  t.metrics.statement('transaction', txStart, 1, true);
  return result;
}

async function lockPlayer(t: Ticket, conn: PoolConnection, id: number): Promise<Player> {
  const rows = await q<Rows<Player>>(t, conn, 'select', LOCK_PLAYER, [id]);
  const p = rows[0];
  if (p === undefined) throw new DbNotFoundError('player', id);
  return p;
}

async function createBody(t: Ticket, conn: PoolConnection, a: NormalizedCreate, now: number): Promise<Player> {
  const r = await q<UpsertResult>(t, conn, 'insert', INSERT_PLAYER, [a.name, a.level, a.gold, now, now]);
  return createdPlayer(Number(r.insertId), a, now);
}

async function updateBody(t: Ticket, conn: PoolConnection, a: NormalizedUpdate, now: number): Promise<Player> {
  const p = await lockPlayer(t, conn, a.id);
  const next = updatedPlayer(p, a, now);
  await q(t, conn, 'update', UPDATE_PLAYER, [next.name, next.level, next.gold, next.version, now, p.id]);
  return next;
}

async function deleteBody(t: Ticket, conn: PoolConnection, a: NormalizedDelete): Promise<DeletePlayerResult> {
  const r = await q<UpsertResult>(t, conn, 'delete', DELETE_PLAYER, [a.id]);
  if (Number(r.affectedRows) === 0) throw new DbNotFoundError('player', a.id);
  return { id: a.id, deleted: true };
}

async function transferBody(t: Ticket, conn: PoolConnection, a: NormalizedTransfer, now: number): Promise<TransferGoldResult> {
  // Every transfer locks the lower id first, so two transfers between the same players cannot wait on each other in a cycle.
  const lowFirst = a.fromId < a.toId;
  const first = await lockPlayer(t, conn, lowFirst ? a.fromId : a.toId);
  const second = await lockPlayer(t, conn, lowFirst ? a.toId : a.fromId);
  const from = lowFirst ? first : second;
  const to = lowFirst ? second : first;
  const result = transferOutcome(from, to, a.amount);
  // Pipelined: both updates go out without waiting for the first reply.
  await Promise.all([
    q(t, conn, 'update', UPDATE_BALANCE, [result.fromGold, result.fromVersion, now, from.id]),
    q(t, conn, 'update', UPDATE_BALANCE, [result.toGold, result.toVersion, now, to.id]),
  ]);
  return result;
}

export function createPlayerWork(conn: PoolConnection, a: NormalizedCreate, t: Ticket): Promise<Player> {
  return idempotentWrite(t, conn, 'createPlayer', a, createBody);
}

export function updatePlayerWork(conn: PoolConnection, a: NormalizedUpdate, t: Ticket): Promise<Player> {
  return idempotentWrite(t, conn, 'updatePlayer', a, updateBody);
}

export function deletePlayerWork(conn: PoolConnection, a: NormalizedDelete, t: Ticket): Promise<DeletePlayerResult> {
  return idempotentWrite(t, conn, 'deletePlayer', a, deleteBody);
}

export function transferGoldWork(conn: PoolConnection, a: NormalizedTransfer, t: Ticket): Promise<TransferGoldResult> {
  return idempotentWrite(t, conn, 'transferGold', a, transferBody);
}

export async function getPlayerWork(conn: PoolConnection, id: number, t: Ticket): Promise<Player | null> {
  const rows = await q<Rows<Player>>(t, conn, 'select', SELECT_PLAYER, [id]);
  return rows[0] ?? null;
}

export async function totalGoldWork(conn: PoolConnection, _: null, t: Ticket): Promise<number> {
  const rows = await q<Rows<{ total: number }>>(t, conn, 'select', 'SELECT COALESCE(SUM(gold), 0) AS total FROM players');
  return Number(rows[0]?.total ?? 0);
}

export async function countPlayersWork(conn: PoolConnection, _: null, t: Ticket): Promise<number> {
  const rows = await q<Rows<{ n: number }>>(t, conn, 'select', 'SELECT COUNT(*) AS n FROM players');
  return Number(rows[0]?.n ?? 0);
}

/** Deletes up to {@link PRUNE_BATCH} idempotency keys older than `olderThanMs`; returns how many. */
export async function pruneWork(conn: PoolConnection, olderThanMs: number, t: Ticket): Promise<number> {
  const r = await q<UpsertResult>(t, conn, 'delete', PRUNE_KEYS, [olderThanMs]);
  return Number(r.affectedRows);
}

/** Inserts the entries of several logSessions calls in one transaction with the bulk protocol. */
export async function logSessionsWork(conn: PoolConnection, entries: readonly NormalizedLogEntry[], t: Ticket): Promise<number> {
  const values = entries.map((e) => [e.key, e.sessionId, e.playerId, e.event, e.detail, e.at]);
  const txStart = performance.now();
  await conn.beginTransaction();
  const t0 = performance.now();
  try {
    const r = (await conn.batch(INSERT_LOG, values)) as UpsertResult | UpsertResult[];
    const affected = Array.isArray(r) ? r.reduce((n, x) => n + Number(x.affectedRows), 0) : Number(r.affectedRows);
    t.metrics.statement('insert', t0, affected, true);
    t.committing = true;
    await conn.commit();
  } catch (err) {
    if (!t.committing) {
      t.metrics.statement('insert', t0, 0, false);
      await rollback(t, conn, txStart);
    }
    throw err;
  }
  t.metrics.commits++;
  t.metrics.statement('transaction', txStart, 1, true);
  return entries.length;
}

/** Durability-relevant server settings, for health(). */
export async function serverFactsWork(conn: PoolConnection, _: null, t: Ticket): Promise<Record<string, string | number | null>> {
  const rows = await q<Rows<Record<string, string | number | null>>>(
    t,
    conn,
    'select',
    'SELECT VERSION() AS serverVersion, @@innodb_flush_log_at_trx_commit AS innodbFlushLogAtTrxCommit, @@sync_binlog AS syncBinlog, @@log_bin AS logBin',
  );
  return rows[0] ?? {};
}
