/**
 * DBServer storage layer: the {@link Storage} contract, its SQLite and
 * MariaDB implementations, configuration, schema and errors.
 * See docs/database.md.
 */
export * from './types.ts';
export * from './errors.ts';
export { createStorage, type CreateStorageOptions } from './create-storage.ts';
export {
  DEFAULT_MARIADB_URL,
  DEFAULT_MAX_QUEUE,
  SETTING_SPECS,
  parseMariaDbUrl,
  redactUrl,
  resolveMariaDbUrl,
  resolveStorageConfig,
  type MariaDbConnectionInfo,
  type MariaDbSettings,
  type MariaDbStorageConfig,
  type ResolvedStorageConfig,
  type SettingSpec,
  type SqliteSettings,
  type SqliteStorageConfig,
  type StorageConfig,
  type CommonSettings,
} from './config.ts';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.ts';
export { SCHEMA_LIMITS } from './validation.ts';
export { SqliteStorage } from './sqlite-storage.ts';
export { MariaDbStorage } from './mariadb-storage.ts';
