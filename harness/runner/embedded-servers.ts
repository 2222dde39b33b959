/**
 * Servers the harness starts itself when the run has no target:
 *
 * - the reference TestServer (`scenario.server.command` null): `processes`
 *   copies of `node --max-semi-space-size=1 <bundle of reference-server/test-server/main.ts>
 *   --host 127.0.0.1 --port 0 --metrics-port 0 --ready-json …options` (the
 *   bundle is built on demand, tsx is the fallback: server-bundle.ts); ready
 *   when it prints its `{"event":"ready","port":…}` line;
 * - a command (`scenario.server.command`): `{port}` in its argv is replaced
 *   by a free loopback port; ready when that port accepts a connection.
 *
 * Each server runs in its own process group (`detached`), so a terminal's
 * Ctrl-C does not reach it — the coordinator stops it after the workers, in
 * order — and so stopping a wrapper command (`npx tsx server.ts`) also stops
 * the real server it spawned. Stopping is SIGTERM to the group, then SIGKILL
 * after a deadline; only groups this module created are signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Endpoint } from '../executors/types.ts';
import type { Scenario } from '../scenario/types.ts';
import { RunError, RunErrorCode } from './errors.ts';
import { findFreePort } from './free-port.ts';
import { OutputTail } from './output-tail.ts';
import { testServerLaunch } from './server-bundle.ts';

/** A started server process. */
export interface ServerProcessInfo {
  pid: number;
  host: string;
  port: number;
  /** Prometheus port (TestServer), null for commands. */
  metricsPort: number | null;
  /** The command line, for logs and results. */
  argv: string[];
  kind: 'test-server' | 'command';
}

/** Options of {@link startEmbeddedServers}. */
export interface EmbeddedServerOptions {
  /** Project root: cwd of TestServer processes, where `node_modules/tsx` lives. */
  projectRoot: string;
  /** How long a stop waits after SIGTERM before SIGKILL (default 8000 ms; TestServer's own shutdown deadline is 5 s). */
  stopGraceMs?: number;
  /** TestServer flags the run adds (transport, TLS files, JWT keys: harness/security/prepare.ts); not for commands. */
  extraFlags?: string[];
  /** Called when a server exits while the run still needs it. */
  onUnexpectedExit?: (info: ServerProcessInfo, code: number | null, signal: NodeJS.Signals | null, stderrTail: string) => void;
}

const HOST = '127.0.0.1';
/** How often a stop checks whether the rest of a server's process group has exited. */
const GROUP_POLL_MS = 50;
/** How often a command server's port is probed while waiting for it. */
const PROBE_INTERVAL_MS = 100;

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** TestServer flags from `server.options`: `{ maxSessions: 60000, metrics: false }` → `--max-sessions 60000 --no-metrics`. */
export function optionFlags(options: Readonly<Record<string, string | number | boolean>>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const flag = `--${kebab(key)}`;
    if (value === true) out.push(flag);
    else if (value === false) out.push(`--no-${kebab(key)}`);
    else out.push(flag, String(value));
  }
  return out;
}

class ManagedProcess {
  readonly child: ChildProcess;
  readonly stderr = new OutputTail();
  readonly stdout = new OutputTail();
  exited = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  stopping = false;
  readonly exitPromise: Promise<void>;
  spawnError: Error | null = null;

  constructor(command: string, args: string[], cwd: string) {
    this.child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.stderr.follow(this.child.stderr);
    this.stdout.follow(this.child.stdout);
    this.exitPromise = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.spawnError = err;
        this.exited = true;
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
    });
  }

  /** Signals the whole process group this module created; ignores "no such process". */
  signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + graceMs;
    if (!this.exited) {
      this.signalGroup('SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
      if ((await Promise.race([this.exitPromise.then(() => 'exited' as const), timer])) === 'timeout') {
        this.signalGroup('SIGKILL');
        await this.exitPromise;
      }
    }
    // Children of a wrapper command (npx → tsx → a launcher and its servers) may outlive
    // their leader while they shut down and clean up (stack.ts removes its temporary data
    // directory last): give them the rest of the grace period, then kill what is left.
    while (this.groupAlive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, GROUP_POLL_MS));
    this.signalGroup('SIGKILL');
  }

  /** True while a live (not zombie) process of the group this module created exists. */
  private groupAlive(): boolean {
    const pid = this.child.pid;
    return pid !== undefined && groupHasLiveProcess(pid);
  }

  describeExit(): string {
    if (this.spawnError !== null) return `could not be started (${this.spawnError.message})`;
    return this.exitSignal !== null ? `was killed by ${this.exitSignal}` : `exited with code ${this.exitCode}`;
  }
}

/**
 * True while process group `pgid` has a member that is not a zombie (Linux:
 * /proc/N/stat). A zombie only waits to be reaped by whoever adopted it; it
 * must not hold a stop up. Elsewhere, any member (`kill(-pgid, 0)`) counts.
 */
export function groupHasLiveProcess(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const e of entries) {
    if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** Running embedded servers. */
export class EmbeddedServers {
  readonly servers: ServerProcessInfo[];
  private readonly procs: ManagedProcess[];
  private readonly stopGraceMs: number;
  private readonly killOnExit = (): void => this.killNow();

  constructor(servers: ServerProcessInfo[], procs: ManagedProcess[], stopGraceMs: number) {
    this.servers = servers;
    this.procs = procs;
    this.stopGraceMs = stopGraceMs;
    // Last resort: if the coordinator exits without stopping them, do not leave servers behind.
    process.once('exit', this.killOnExit);
  }

  /** Where the VUs connect, one endpoint per server. */
  get endpoints(): Endpoint[] {
    return this.servers.map((s) => ({ host: s.host, port: s.port }));
  }

  /** SIGTERM every server, SIGKILL what is left after the grace period. */
  async stop(graceMs = this.stopGraceMs): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop(graceMs)));
    process.removeListener('exit', this.killOnExit);
  }

  /** SIGKILL every server group at once (second Ctrl-C, process exit). */
  killNow(): void {
    for (const p of this.procs) {
      p.stopping = true;
      p.signalGroup('SIGKILL');
    }
  }
}

async function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: HOST, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

function startError(code: RunErrorCode, what: string, p: ManagedProcess, why: string): RunError {
  const tail = p.stderr.text() || p.stdout.text();
  const hint = tail === '' ? ' (it wrote nothing to stderr)' : `; its last output:\n${tail}`;
  return new RunError(code, `${what} ${why}${hint}`, tail === '' ? null : tail);
}

async function waitTestServerReady(p: ManagedProcess, argv: string[], timeoutMs: number): Promise<ServerProcessInfo> {
  const what = `embedded TestServer (${argv.join(' ')})`;
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          const m = JSON.parse(line) as { event?: string; port?: number; metricsPort?: number | null; host?: string };
          if (m.event === 'ready' && typeof m.port === 'number') {
            done();
            resolve({
              pid: p.child.pid!,
              host: HOST,
              port: m.port,
              metricsPort: typeof m.metricsPort === 'number' ? m.metricsPort : null,
              argv,
              kind: 'test-server',
            });
            return;
          }
        } catch {
          // Not our JSON line; keep reading.
        }
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(startError(RunErrorCode.SERVER_TIMEOUT, what, p, `was not ready within ${timeoutMs} ms (server.readyTimeout)`));
    }, timeoutMs);
    const onExit = (): void => {
      done();
      reject(startError(RunErrorCode.SERVER_START, what, p, `${p.describeExit()} before it was ready`));
    };
    const done = (): void => {
      clearTimeout(timer);
      p.child.stdout?.off('data', onData);
    };
    p.child.stdout?.on('data', onData);
    void p.exitPromise.then(onExit);
  });
}

async function waitPortReady(p: ManagedProcess, argv: string[], port: number, timeoutMs: number): Promise<ServerProcessInfo> {
  const what = `embedded server command (${argv.join(' ')})`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.exited) throw startError(RunErrorCode.SERVER_START, what, p, `${p.describeExit()} before port ${port} accepted connections`);
    if (await portAccepts(port)) {
      return { pid: p.child.pid!, host: HOST, port, metricsPort: null, argv, kind: 'command' };
    }
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
  throw startError(RunErrorCode.SERVER_TIMEOUT, what, p, `did not accept connections on port ${port} within ${timeoutMs} ms (server.readyTimeout)`);
}

/**
 * Starts the scenario's embedded servers and waits until every one is ready.
 * On any failure, stops the ones already started and throws {@link RunError}
 * (`NMT_RUN_SERVER_START` / `NMT_RUN_SERVER_TIMEOUT`) quoting the server's
 * stderr tail.
 */
export async function startEmbeddedServers(scenario: Scenario, options: EmbeddedServerOptions): Promise<EmbeddedServers> {
  const cfg = scenario.server;
  const stopGraceMs = options.stopGraceMs ?? 8000;
  const procs: ManagedProcess[] = [];
  const starts: Promise<ServerProcessInfo>[] = [];
  for (let i = 0; i < cfg.processes; i++) {
    if (cfg.command === null) {
      // Bundled JavaScript with a capped young generation, or tsx when bundling fails (server-bundle.ts).
      const launch = await testServerLaunch(options.projectRoot);
      const flags = optionFlags(cfg.options);
      const hasLogLevel = Object.keys(cfg.options).includes('logLevel');
      // The load is the point of the run: no per-session packet-rate cap unless the scenario sets one
      // (the TestServer's own default, 10,000/s, would disconnect a fast closed-loop VU as RateLimited).
      const hasRateLimit = Object.keys(cfg.options).includes('rateLimitPerSecond');
      const args = [
        ...launch.nodeArgs,
        '--host',
        HOST,
        '--port',
        '0',
        '--metrics-port',
        '0',
        '--ready-json',
        // The server logs JSON lines on stderr; warnings are what a run needs.
        ...(hasLogLevel ? [] : ['--log-level', 'warn']),
        ...(hasRateLimit ? [] : ['--rate-limit-per-second', '0']),
        ...(options.extraFlags ?? []),
        ...flags,
      ];
      const p = new ManagedProcess(process.execPath, args, options.projectRoot);
      procs.push(p);
      starts.push(waitTestServerReady(p, ['node', ...args], cfg.readyTimeoutMs));
    } else {
      const port = await findFreePort(HOST);
      const argv = cfg.command.map((a) => a.replaceAll('{port}', String(port)));
      const cwd = scenario.source === '' ? process.cwd() : dirname(scenario.source);
      const p = new ManagedProcess(argv[0]!, argv.slice(1), cwd);
      procs.push(p);
      starts.push(waitPortReady(p, argv, port, cfg.readyTimeoutMs));
    }
  }
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(procs.map((p) => p.stop(2000)));
    throw failed.reason;
  }
  const infos = results.map((r) => (r as PromiseFulfilledResult<ServerProcessInfo>).value);
  procs.forEach((p, i) => {
    void p.exitPromise.then(() => {
      if (!p.stopping) options.onUnexpectedExit?.(infos[i]!, p.exitCode, p.exitSignal, p.stderr.text());
    });
  });
  return new EmbeddedServers(infos, procs, stopGraceMs);
}
