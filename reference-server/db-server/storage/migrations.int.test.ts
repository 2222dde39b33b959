import { afterAll, describe, expect, it } from 'vitest';
import { resolveStorageConfig } from './config.ts';
import { DbErrorCode, type DbError } from './errors.ts';
import { MariaDbStorage } from './mariadb-storage.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
import { SqliteStorage } from './sqlite-storage.ts';
import { backends, cleanupFixtures, type Fixture } from './testing/backends.ts';
import type { Storage } from './types.ts';

afterAll(cleanupFixtures);

/** v1 plus a v2 that adds a table and an index, as a later release would. */
const WITH_V2: readonly Migration[] = [
  ...MIGRATIONS,
  {
    version: 2,
    name: 'test: inventory',
    sqlite: [
      'CREATE TABLE IF NOT EXISTS inventory (player_id INTEGER NOT NULL, item TEXT NOT NULL, PRIMARY KEY (player_id, item)) STRICT',
      'CREATE INDEX IF NOT EXISTS inventory_item ON inventory (item)',
    ],
    mariadb: [
      'CREATE TABLE IF NOT EXISTS inventory (player_id BIGINT NOT NULL, item VARCHAR(32) NOT NULL, PRIMARY KEY (player_id, item), KEY inventory_item (item)) ENGINE=InnoDB',
    ],
  },
];

const opened: Storage[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});

/** A storage on the fixture's database that applies `migrations` instead of the built-in list. */
function openWith(f: Fixture, migrations: readonly Migration[]): Storage {
  const resolved = resolveStorageConfig(f.config());
  const s = resolved.backend === 'sqlite' ? SqliteStorage.open(resolved, { migrations }) : new MariaDbStorage(resolved, resolved.connection, { migrations });
  opened.push(s);
  return s;
}

describe.each(await backends())('$name storage: migrations', (backend) => {
  it('upgrades a v1 database to v2 in place, keeping its data', async () => {
    const f = await backend.fresh();
    const v1 = await f.open();
    const p = await v1.createPlayer({ idempotencyKey: 'k', name: 'kept', gold: 3 });
    await v1.close();
    const v2 = openWith(f, WITH_V2);
    expect(await v2.migrate()).toEqual({ from: 1, to: 2, applied: [2] });
    expect(await v2.migrate()).toEqual({ from: 2, to: 2, applied: [] });
    expect(await v2.getPlayer(p.id)).toEqual(p);
    const raw = await f.raw();
    await raw.query('INSERT INTO inventory (player_id, item) VALUES (?, ?)', [p.id, 'sword']);
    expect(await raw.query('SELECT version FROM schema_version ORDER BY version')).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('refuses a database newer than this build with SCHEMA_TOO_NEW', async () => {
    const f = await backend.fresh();
    await openWith(f, WITH_V2).migrate();
    const old = await f.open({}, { migrate: false });
    const err = (await old.migrate().catch((e: unknown) => e)) as DbError;
    expect(err.code).toBe(DbErrorCode.SCHEMA_TOO_NEW);
    expect(err.message).toMatch(/version 2.*only up to 1/);
    expect((await old.getPlayer(1).catch((e: unknown) => e)) as DbError).toMatchObject({ code: DbErrorCode.NOT_READY });
  });

  it('lets several storages migrate one empty database at once; each version is applied and recorded once', async () => {
    const f = await backend.fresh();
    const storages = [1, 2, 3].map(() => openWith(f, WITH_V2));
    const results = await Promise.all(storages.map((s) => s.migrate()));
    for (const r of results) expect(r.to).toBe(2);
    expect(results.flatMap((r) => r.applied).sort()).toEqual([1, 2]);
    const raw = await f.raw();
    expect(await raw.query('SELECT version FROM schema_version ORDER BY version')).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('rejects a migration list with gaps before touching the database', async () => {
    const f = await backend.fresh();
    const gap = [MIGRATIONS[0] as Migration, { ...(WITH_V2[1] as Migration), version: 3 }];
    const err = (await openWith(f, gap).migrate().catch((e: unknown) => e)) as DbError & { issues: { path: string }[] };
    expect(err.code).toBe(DbErrorCode.CONFIG_INVALID);
    expect(err.issues.map((i) => i.path)).toEqual(['migrations[1].version']);
  });
});
