import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MARIADB_URL,
  DEFAULT_MAX_QUEUE,
  SETTING_SPECS,
  parseMariaDbUrl,
  redactUrl,
  resolveMariaDbUrl,
  resolveStorageConfig,
} from './config.ts';
import { DbErrorCode, type DbIssue, type DbValidationError } from './errors.ts';

function issuesOf(input: unknown): DbIssue[] {
  try {
    resolveStorageConfig(input);
  } catch (err) {
    expect((err as DbValidationError).code).toBe(DbErrorCode.CONFIG_INVALID);
    return [...(err as DbValidationError).issues];
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('resolveStorageConfig', () => {
  it('fills every SQLite default and freezes the result', () => {
    const c = resolveStorageConfig({ backend: 'sqlite', dataDir: '/tmp/x' });
    expect(c).toEqual({
      backend: 'sqlite',
      dataDir: '/tmp/x',
      fileName: 'nmt.sqlite3',
      synchronous: 'FULL',
      busyTimeoutMs: 20,
      maxBatchSize: 512,
      walAutocheckpointPages: 1000,
      requestTimeoutMs: 5000,
      maxQueue: DEFAULT_MAX_QUEUE.sqlite,
      maxLogEntriesPerCall: 10_000,
      idempotencyRetentionMs: 86_400_000,
      idempotencyPruneIntervalMs: 600_000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('fills MariaDB defaults, derives minIdle from poolSize and parses the URL', () => {
    const c = resolveStorageConfig({ backend: 'mariadb', url: 'mariadb://game:s%40cret@db.local:3307/nmt', poolSize: 6 });
    if (c.backend !== 'mariadb') throw new Error('wrong backend');
    expect(c).toMatchObject({ poolSize: 6, minIdle: 6, maxQueue: DEFAULT_MAX_QUEUE.mariadb, acquireTimeoutMs: 2000, maxRetries: 3 });
    expect(c.connection).toEqual({ host: 'db.local', port: 3307, user: 'game', password: 's@cret', database: 'nmt' });
  });

  it('lets every setting be overridden', () => {
    const c = resolveStorageConfig({ backend: 'sqlite', dataDir: 'd', synchronous: 'NORMAL', maxBatchSize: 7, requestTimeoutMs: 99 });
    expect(c).toMatchObject({ synchronous: 'NORMAL', maxBatchSize: 7, requestTimeoutMs: 99 });
  });

  it.each([
    ['no backend', {}, ['backend']],
    ['an unknown backend', { backend: 'postgres' }, ['backend']],
    ['sqlite without dataDir', { backend: 'sqlite' }, ['dataDir']],
    ['an unknown setting', { backend: 'sqlite', dataDir: 'd', poolSize: 3 }, ['poolSize']],
    ['a bad enum and a bad range at once', { backend: 'sqlite', dataDir: 'd', synchronous: 'OFF', maxBatchSize: 0 }, ['synchronous', 'maxBatchSize']],
    ['a file name with a slash', { backend: 'sqlite', dataDir: 'd', fileName: '../x.db' }, ['fileName']],
    ['mariadb without url', { backend: 'mariadb' }, ['url']],
    ['minIdle over poolSize', { backend: 'mariadb', url: 'mariadb://u@h/db', poolSize: 2, minIdle: 3 }, ['minIdle']],
    ['backoff start over its max', { backend: 'mariadb', url: 'mariadb://u@h/db', reconnectInitialMs: 900, reconnectMaxMs: 100 }, ['reconnectInitialMs']],
    ['a non-integer timeout', { backend: 'mariadb', url: 'mariadb://u@h/db', requestTimeoutMs: 100.5 }, ['requestTimeoutMs']],
  ])('rejects %s, naming each bad setting', (_, input, paths) => {
    expect(issuesOf(input).map((i) => i.path)).toEqual(paths);
  });

  it('has a spec (default, help) for every setting and no duplicate keys', () => {
    const keys = SETTING_SPECS.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of SETTING_SPECS) expect(s.help.length).toBeGreaterThan(10);
  });
});

describe('parseMariaDbUrl', () => {
  it.each([
    ['mariadb://root@127.0.0.1:3306/test', { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' }],
    ['mysql://u:p@localhost/app_1', { host: 'localhost', port: 3306, user: 'u', password: 'p', database: 'app_1' }],
    ['mariadb://u@[::1]:3310/d', { host: '::1', port: 3310, user: 'u', password: '', database: 'd' }],
  ])('parses %s', (url, expected) => {
    const issues: DbIssue[] = [];
    expect(parseMariaDbUrl(url, issues)).toEqual(expected);
    expect(issues).toEqual([]);
  });

  it.each([
    ['not a url', /not a URL/],
    ['postgres://u@h/db', /scheme "postgres:"/],
    ['mariadb://h/db', /no user/],
    ['mariadb://u@h/', /database name ""/],
    ['mariadb://u@h/my-db', /database name "my-db"/],
    ['mariadb://u@h/db?ssl=true', /query parameters/],
  ])('rejects %s', (url, message) => {
    const issues: DbIssue[] = [];
    expect(parseMariaDbUrl(url, issues)).toBeNull();
    expect(issues.map((i) => i.message).join('; ')).toMatch(message);
  });

  it('never puts the password into an issue', () => {
    const issues: DbIssue[] = [];
    parseMariaDbUrl('postgres://u:hunter2@h/my-db', issues);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });
});

describe('redactUrl / resolveMariaDbUrl', () => {
  it('hides the password', () => {
    expect(redactUrl('mariadb://u:hunter2@h:1/db')).toBe('mariadb://u:***@h:1/db');
    expect(redactUrl('mariadb://u@h/db')).toBe('mariadb://u@h/db');
    expect(redactUrl('%%%')).toBe('(unparseable URL)');
  });

  it.each([
    ['the flag first', 'mariadb://flag@h/db', { NMT_MARIADB_URL: 'mariadb://env@h/db' }, 'mariadb://flag@h/db'],
    ['then NMT_MARIADB_URL', undefined, { NMT_MARIADB_URL: 'mariadb://env@h/db' }, 'mariadb://env@h/db'],
    ['then the default', undefined, {}, DEFAULT_MARIADB_URL],
    ['ignoring empty values', '', { NMT_MARIADB_URL: '' }, DEFAULT_MARIADB_URL],
  ])('takes %s', (_, flag, env, expected) => {
    expect(resolveMariaDbUrl(flag, env)).toBe(expected);
  });
});

describe('docs/database.md', () => {
  it('documents every setting and every error code', () => {
    const doc = readFileSync(new URL('../../../docs/database.md', import.meta.url), 'utf8');
    for (const s of SETTING_SPECS) expect(doc, `setting ${s.key}`).toContain(`\`${s.key}\``);
    for (const code of Object.values(DbErrorCode)) expect(doc, `code ${code}`).toContain(`\`${code}\``);
  });
});
