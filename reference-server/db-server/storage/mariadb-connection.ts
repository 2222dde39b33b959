/**
 * How the MariaDB backend opens connections: the connector options shared by
 * the pool and by the one-off connections of migrations and reconnect probes.
 */
import mariadb from 'mariadb';
import type { Connection, ConnectionConfig, Pool, PoolConfig } from 'mariadb';
import type { MariaDbConnectionInfo, MariaDbSettings } from './config.ts';

/** Options of every connection: credentials, timeouts, number handling, session settings. */
export function connectionConfig(s: Readonly<MariaDbSettings>, c: Readonly<MariaDbConnectionInfo>): ConnectionConfig {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    connectTimeout: s.connectTimeoutMs,
    // Integers are validated to stay within 2^53 on the way in, so numbers are exact; checkNumberRange throws if not.
    bigIntAsNumber: true,
    insertIdAsNumber: true,
    decimalAsNumber: true,
    checkNumberRange: true,
    // Every locking read is explicit (FOR UPDATE), so READ COMMITTED is enough and avoids gap-lock deadlocks.
    // A server-side lock wait never outlives the request's deadline.
    initSql: [
      'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
      `SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(s.requestTimeoutMs / 1000))}`,
    ],
  };
}

/** A pool per the settings (connections open in the background). */
export function createPool(s: Readonly<MariaDbSettings>, c: Readonly<MariaDbConnectionInfo>): Pool {
  const config: PoolConfig = {
    ...connectionConfig(s, c),
    connectionLimit: s.poolSize,
    minimumIdle: s.minIdle,
    acquireTimeout: s.acquireTimeoutMs,
    initializationTimeout: s.acquireTimeoutMs,
    idleTimeout: Math.ceil(s.idleTimeoutMs / 1000),
    minDelayValidation: s.validationIdleMs,
    pingTimeout: s.connectTimeoutMs,
    // Our transactions always end in COMMIT or ROLLBACK; a full reset per release would add a round trip.
    resetAfterUse: false,
  };
  return mariadb.createPool(config);
}

/** Connects outside the pool and runs `SELECT 1`. Resolves with null when the database answered, else the error. */
export async function ping(s: Readonly<MariaDbSettings>, c: Readonly<MariaDbConnectionInfo>): Promise<unknown> {
  let conn: Connection | null = null;
  try {
    conn = await mariadb.createConnection(connectionConfig(s, c));
    await conn.query('SELECT 1');
    return null;
  } catch (err) {
    return err;
  } finally {
    if (conn !== null) await conn.end().catch(() => conn?.destroy());
  }
}
