import { describe, expect, it } from 'vitest';
import { DbErrorCode } from './errors.ts';
import { MIGRATIONS, SCHEMA_VERSION, checkMigrations, runMigrations, type Migration, type MigrationTarget } from './migrations.ts';

function fakeTarget(start: number): MigrationTarget & { appliedSql: string[] } {
  let version = start;
  const appliedSql: string[] = [];
  return {
    dialect: 'mariadb',
    appliedSql,
    currentVersion: async () => version,
    apply: async (m, statements) => {
      appliedSql.push(...statements);
      version = m.version;
      return true;
    },
  };
}

const m = (version: number): Migration => ({ version, name: `m${version}`, sqlite: [`s${version}`], mariadb: [`m${version}`] });

describe('migrations', () => {
  it('the built-in list is well-formed and SCHEMA_VERSION is its last version', () => {
    expect(checkMigrations(MIGRATIONS)).toEqual([]);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)?.version);
  });

  it('creates the same tables on both dialects', () => {
    const tables = (sql: readonly string[]): string[] =>
      sql.flatMap((s) => [...s.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((x) => x[1] as string)).sort();
    for (const mig of MIGRATIONS) expect(tables(mig.sqlite)).toEqual(tables(mig.mariadb));
    expect(tables(MIGRATIONS.flatMap((x) => x.sqlite))).toEqual(['idempotency_keys', 'players', 'session_log']);
  });

  it.each([
    [0, [1, 2, 3]],
    [1, [2, 3]],
    [3, []],
  ])('from version %i applies %j in order, with the dialect’s statements', async (start, expected) => {
    const t = fakeTarget(start);
    const r = await runMigrations(t, [m(1), m(2), m(3)]);
    expect(r).toEqual({ from: start, to: 3, applied: expected });
    expect(t.appliedSql).toEqual(expected.map((v) => `m${v}`));
  });

  it('refuses a newer database with SCHEMA_TOO_NEW and applies nothing', async () => {
    const t = fakeTarget(4);
    await expect(runMigrations(t, [m(1), m(2)])).rejects.toMatchObject({ code: DbErrorCode.SCHEMA_TOO_NEW });
    expect(t.appliedSql).toEqual([]);
  });

  it.each([
    [[m(2)], ['migrations[0].version']],
    [[m(1), m(1)], ['migrations[1].version']],
    [[{ ...m(1), sqlite: [] }], ['migrations[0].sqlite']],
  ])('checkMigrations flags %j', (list, paths) => {
    expect(checkMigrations(list).map((i) => i.path)).toEqual(paths);
  });
});
