/**
 * Launcher of the two-server stack: DBServer, then a TestServer wired to it
 * with `--db`, each its own process. Used by scenarios/crud.yaml and
 * scenarios/db-direct.yaml through `server.command`, so a benchmark stays
 * one command; usable by hand too:
 *
 *   npx tsx reference-server/db-server/stack.ts --port 7000 [--backend mariadb] [--data-dir DIR]
 *                                               [--db-port 7100] [--db-arg FLAG=VALUE ...] [--db-only]
 *
 * `--db-only` starts DBServer alone on `--port` (db-direct.yaml drives it
 * directly). The backend defaults to `$NMT_DB_BACKEND` (sqlite or mariadb),
 * so one scenario file measures either: `NMT_DB_BACKEND=mariadb npm run bench -- scenarios/crud.yaml`.
 *
 * `--port` is TestServer's game port (the harness passes `{port}`); the
 * stack is ready when that port accepts connections. `--db-port` (default
 * `--port` + 100; the harness's db-direct scenario drives DBServer on it
 * directly) and the SQLite data directory (default: a fresh temporary one,
 * removed on exit) are DBServer's. SIGINT/SIGTERM are forwarded to both;
 * TestServer stops first, then DBServer; if either exits on its own, the
 * other is stopped and the launcher exits with that child's code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const USAGE =
  'usage: stack.ts --port <game port> [--db-port <port>] [--backend sqlite|mariadb] [--data-dir <dir>] [--mariadb-url <url>] [--db-arg --flag=value ...] [--test-arg --flag=value ...] [--db-only]\n';

interface StackArgs {
  port: number;
  dbPort: number;
  backend: string;
  dataDir: string | null;
  mariadbUrl: string | null;
  dbArgs: string[];
  testArgs: string[];
  dbOnly: boolean;
}

function parse(argv: readonly string[]): StackArgs | string {
  const a: StackArgs = { port: NaN, dbPort: NaN, backend: process.env.NMT_DB_BACKEND ?? 'sqlite', dataDir: null, mariadbUrl: null, dbArgs: [], testArgs: [], dbOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--db-only') {
      a.dbOnly = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) return `${flag}: needs a value`;
    if (flag === '--port') a.port = Number(v);
    else if (flag === '--db-port') a.dbPort = Number(v);
    else if (flag === '--backend') a.backend = v;
    else if (flag === '--data-dir') a.dataDir = v;
    else if (flag === '--mariadb-url') a.mariadbUrl = v;
    else if (flag === '--db-arg') a.dbArgs.push(v);
    else if (flag === '--test-arg') a.testArgs.push(v);
    else return `unknown flag "${flag}"`;
  }
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) return '--port: a port from 1 to 65535 is required';
  if (a.dbOnly) a.dbPort = a.port;
  else if (Number.isNaN(a.dbPort)) a.dbPort = a.port + 100 <= 65535 ? a.port + 100 : 0;
  if (a.backend !== 'sqlite' && a.backend !== 'mariadb') return `--backend: sqlite or mariadb, got "${a.backend}"`;
  return a;
}

function tsx(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Resolves with DBServer's port once its ready JSON line appears; rejects if it exits first. */
function dbReady(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      process.stdout.write(`[db] ${line}\n`);
      if (!line.startsWith('{')) return;
      try {
        const msg = JSON.parse(line) as { event?: string; port?: number };
        if (msg.event === 'ready' && typeof msg.port === 'number') resolve(msg.port);
      } catch {
        // Not JSON: an ordinary line, already echoed.
      }
    });
    child.once('exit', (code) => reject(new Error(`DBServer exited with code ${code} before it was ready`)));
  });
}

function waitExit(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`error: ${args}\n${USAGE}`);
    return 2;
  }
  const tempDir = args.backend === 'sqlite' && args.dataDir === null ? mkdtempSync(join(tmpdir(), 'nmt-stack-')) : null;
  const storageArgs =
    args.backend === 'sqlite' ? ['--data-dir', args.dataDir ?? tempDir!] : ['--backend', 'mariadb', ...(args.mariadbUrl === null ? [] : ['--mariadb-url', args.mariadbUrl])];
  const db = tsx('main.ts', ['--port', String(args.dbPort), '--metrics-port', '0', '--ready-json', ...storageArgs, ...args.dbArgs]);
  let test: ChildProcess | null = null;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    stopping = true;
    if (test !== null && test.exitCode === null) test.kill(signal);
    else if (db.exitCode === null) db.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    const dbPort = await dbReady(db);
    if (args.dbOnly) {
      const code = await waitExit(db);
      return stopping ? code : code === 0 ? 1 : code;
    }
    test = tsx('../test-server/main.ts', ['--port', String(args.port), '--metrics-port', '0', '--db', `127.0.0.1:${dbPort}`, ...args.testArgs]);
    test.stdout!.on('data', (d: Buffer) => process.stdout.write(`[test] ${d.toString()}`));
    const first = await Promise.race([waitExit(test).then((c) => ({ who: 'test', c })), waitExit(db).then((c) => ({ who: 'db', c }))]);
    if (!stopping) process.stderr.write(`stack: ${first.who === 'test' ? 'TestServer' : 'DBServer'} exited on its own (code ${first.c}); stopping the other\n`);
    // TestServer first (its sessions may still wait for DBServer), then DBServer.
    if (test.exitCode === null) test.kill('SIGTERM');
    await waitExit(test);
    if (db.exitCode === null) db.kill('SIGTERM');
    const dbCode = await waitExit(db);
    return stopping ? (first.c !== 0 ? first.c : dbCode) : first.c === 0 ? 1 : first.c;
  } catch (err) {
    process.stderr.write(`stack: ${(err as Error).message}\n`);
    if (db.exitCode === null) db.kill('SIGKILL');
    return 1;
  } finally {
    if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${String(err)}\n`);
    process.exit(1);
  },
);
