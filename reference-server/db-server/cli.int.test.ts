/** `npm run server:db` as a process: help, bad flags, a database it cannot open, a clean start and stop. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function run(args: string[], untilLine?: (line: string) => boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout += `${line}\n`;
    if (untilLine?.(line) === true) child.kill('SIGTERM');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('DBServer CLI', () => {
  it('--help prints the flags and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--mariadb-url');
  });

  it('bad flags exit 2 listing every problem', async () => {
    const r = await run(['--bogus', '--port', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flag "--bogus"');
    expect(r.stderr).toContain('--port: must be an integer');
  });

  it('an unreachable MariaDB exits 4 with the storage error', async () => {
    const r = await run(['--backend', 'mariadb', '--mariadb-url', 'mariadb://root@127.0.0.1:1/test', '--connect-timeout-ms', '200', '--no-metrics', '--log-level', 'silent']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: /);
  });

  it('starts on SQLite, prints its ready line, and stops cleanly on SIGTERM', { timeout: 40_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmt-dbcli-'));
    try {
      const r = await run(['--port', '0', '--no-metrics', '--ready-json', '--data-dir', dir, '--log-level', 'silent'], (l) => l.startsWith('{"event":"ready"'));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/DBServer listening on 127\.0\.0\.1:\d+ \(sqlite, metrics disabled\)/);
      expect(r.stdout).toContain('DBServer stopped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
