/**
 * The one entry point the DBServer uses: validate the configuration, open
 * the backend, bring the schema up to date.
 */
import { resolveStorageConfig, type StorageConfig } from './config.ts';
import { MariaDbStorage } from './mariadb-storage.ts';
import { SqliteStorage } from './sqlite-storage.ts';
import type { Storage } from './types.ts';

/** Options of {@link createStorage}. */
export interface CreateStorageOptions {
  /**
   * Run `migrate()` before returning (default true). With false the storage
   * is returned unmigrated and every operation fails with NMT_DB_NOT_READY
   * until `migrate()` succeeds.
   */
  migrate?: boolean;
}

/**
 * Opens a storage for `config` and (by default) migrates its schema.
 *
 * Rejects with `NMT_DB_CONFIG_INVALID` (every problem listed),
 * `NMT_DB_MISCONFIGURED` (bad credentials, unknown database, unusable data
 * directory), `NMT_DB_UNAVAILABLE` (MariaDB unreachable — fails within
 * connectTimeoutMs, it does not hang) or `NMT_DB_SCHEMA_TOO_NEW`. Nothing is
 * left open when it rejects.
 */
export async function createStorage(config: StorageConfig, options: CreateStorageOptions = {}): Promise<Storage> {
  const resolved = resolveStorageConfig(config);
  const storage: Storage = resolved.backend === 'sqlite' ? SqliteStorage.open(resolved) : new MariaDbStorage(resolved, resolved.connection);
  if (options.migrate === false) return storage;
  try {
    await storage.migrate();
  } catch (err) {
    await storage.close().catch(() => undefined);
    throw err;
  }
  return storage;
}
