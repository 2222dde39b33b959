import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../protocol/index.ts';
import { PeerPool } from '../testing/server-fixture.ts';
import { ExitCode } from './errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: () => string;
  /** Resolves with the first stdout line matching `re`. */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const procs: ChildProcess[] = [];

/** Runs the CLI with node --import tsx (signals reach the server process directly, no wrapper). */
function run(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  const stdout: string[] = [];
  let err = '';
  let partial = '';
  const listeners: (() => void)[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    partial += c.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    stdout.push(...parts);
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const line = (re: RegExp, timeoutMs = 30_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = stdout.find((l) => re.test(l));
        if (hit === undefined) return false;
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => reject(new Error(`no stdout line matching ${re} within ${timeoutMs} ms; stdout=${JSON.stringify(stdout)} stderr=${err}`)), timeoutMs);
      if (!check()) {
        listeners.push(check);
        void exit.then(() => setTimeout(() => check() || reject(new Error(`exited without ${re}; stdout=${JSON.stringify(stdout)} stderr=${err}`)), 50));
      }
    });
  return { child, stdout, stderr: () => err, line, exit };
}

async function exitWithin(p: Proc, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`process did not exit within ${ms} ms; stderr=${p.stderr()}`)), ms);
  });
  try {
    return await Promise.race([p.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function holdPort(): Promise<net.Server> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

describe('TestServer CLI (child process)', () => {
  const pool = new PeerPool();

  afterEach(() => {
    pool.destroyAll();
    for (const c of procs.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('prints its ready lines, serves, and on %s sends ServerShutdown to every session and exits 0', async (signal) => {
    const p = run(['--port', '0', '--metrics-port', '0', '--ready-json', '--log-level', 'warn', '--shutdown-deadline-ms', '3000']);
    const ready = JSON.parse(await p.line(/^\{"event":"ready"/)) as { port: number; metricsPort: number; host: string; pid: number };
    expect(ready).toMatchObject({ event: 'ready', host: '127.0.0.1', pid: p.child.pid });
    expect(ready.port).toBeGreaterThan(0);
    expect(p.stdout).toContain(`TestServer listening on 127.0.0.1:${ready.port} (metrics http://127.0.0.1:${ready.metricsPort}/metrics)`);

    const peers = await Promise.all([1, 2, 3].map(() => pool.connected(ready.port)));
    const fresh = await pool.connect(ready.port);
    expect((await peers[0]!.ping(5)).seq).toBe(5);
    expect((await fetch(`http://127.0.0.1:${ready.metricsPort}/healthz`)).status).toBe(200);

    p.child.kill(signal);
    for (const peer of [...peers, fresh]) {
      expect((await peer.expectNotice(10_000)).reason).toBe(DisconnectReason.ServerShutdown);
      expect(await peer.waitClosed(10_000)).toBe(true);
    }
    expect(await exitWithin(p, 15_000)).toEqual({ code: ExitCode.OK, signal: null });
    const stopped = JSON.parse(await p.line(/^\{"event":"stopped"/, 1000)) as { sessionsAtStart: number; destroyed: number; signal: string };
    expect(stopped).toMatchObject({ sessionsAtStart: 4, destroyed: 0, signal });
  });

  it('reads a --config file; flags override it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nmt-server-'));
    try {
      const file = join(dir, 'server.json');
      writeFileSync(file, JSON.stringify({ port: 1, metrics: false, readyJson: true, logLevel: 'error' }));
      const p = run(['--config', file, '--port', '0']);
      const ready = JSON.parse(await p.line(/^\{"event":"ready"/)) as { port: number; metricsPort: number | null };
      expect(ready.metricsPort).toBeNull();
      expect(ready.port).not.toBe(1);
      expect(p.stdout.some((l) => l.endsWith('(metrics disabled)'))).toBe(true);
      p.child.kill('SIGTERM');
      expect((await exitWithin(p, 15_000)).code).toBe(ExitCode.OK);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help documents the flags and exits 0', async () => {
    const p = run(['--help']);
    expect((await exitWithin(p, 20_000)).code).toBe(ExitCode.OK);
    const text = p.stdout.join('\n');
    expect(text).toContain('--max-sessions <count>');
    expect(text).toContain('(default 20000)');
  });

  it('invalid flags exit 2 with every problem listed', async () => {
    const p = run(['--port', 'seven', '--frobnicate']);
    expect((await exitWithin(p, 20_000)).code).toBe(ExitCode.USAGE);
    expect(p.stderr()).toContain('--port must be an integer, got "seven"');
    expect(p.stderr()).toContain('unknown flag --frobnicate');
    expect(p.stderr()).toContain('--help');
  });

  it.each([
    ['game', (port: number) => ['--port', String(port), '--no-metrics'], '--port'],
    ['metrics', (port: number) => ['--port', '0', '--metrics-port', String(port)], '--metrics-port'],
  ])('a %s port in use exits 3 with a message naming it', async (_what, args, flag) => {
    const holder = await holdPort();
    try {
      const port = (holder.address() as net.AddressInfo).port;
      const p = run(args(port));
      expect((await exitWithin(p, 20_000)).code).toBe(ExitCode.LISTEN);
      expect(p.stderr()).toContain(`127.0.0.1:${port}`);
      expect(p.stderr()).toContain('already in use (EADDRINUSE)');
      expect(p.stderr()).toContain(flag);
    } finally {
      holder.close();
    }
  });
});
