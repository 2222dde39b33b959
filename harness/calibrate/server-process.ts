/**
 * A server process started for calibration (the C pong-server, or a
 * TestServer beside it): spawned in its own process group, ready when it
 * prints `{"event":"ready","port":…}` on stdout (both servers do), stopped
 * with SIGTERM to the group, then SIGKILL after a grace period. Only groups
 * started here are ever signalled; an exit hook kills them if the harness
 * exits without stopping them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { OutputTail } from '../runner/output-tail.ts';
import { CalibrationError, CalibrationErrorCode } from './errors.ts';

/** How to start a server. */
export interface ServerSpawn {
  /** For messages: "C pong-server", "TestServer". */
  what: string;
  command: string;
  args: string[];
  cwd: string;
  /** Longest wait for the ready line (ms). */
  readyTimeoutMs: number;
}

/** A running calibration server. */
export class CalibrationServer {
  readonly what: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly argv: string[];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly stderr: OutputTail;
  private hasExited = false;
  private readonly killOnExit = (): void => this.signal('SIGKILL');

  /** @internal use {@link startCalibrationServer} */
  constructor(spec: ServerSpawn, child: ChildProcess, exited: Promise<void>, stderr: OutputTail, host: string, port: number) {
    this.what = spec.what;
    this.argv = [spec.command, ...spec.args];
    this.child = child;
    this.exited = exited.then(() => {
      this.hasExited = true;
    });
    this.stderr = stderr;
    this.host = host;
    this.port = port;
    this.pid = child.pid!;
    process.once('exit', this.killOnExit);
  }

  /** True once the process has exited (crashed, or stopped). */
  get isExited(): boolean {
    return this.hasExited;
  }

  /** The last lines it wrote on stderr. */
  stderrTail(): string {
    return this.stderr.text();
  }

  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.hasExited) {
      this.signal('SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
      if ((await Promise.race([this.exited.then(() => 'exited' as const), timer])) === 'timeout') {
        this.signal('SIGKILL');
        await this.exited;
      }
    }
    process.removeListener('exit', this.killOnExit);
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Starts a server and waits for its ready line. Rejects with
 * NMT_CAL_START_FAILED (quoting its stderr) when it exits first, cannot be
 * spawned, or is not ready in time.
 */
export function startCalibrationServer(spec: ServerSpawn): Promise<CalibrationServer> {
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = new OutputTail().follow(child.stderr);
  let spawnError: Error | null = null;
  let exitText = '';
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitText = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });
  const describe = `${spec.what} (${[spec.command, ...spec.args].join(' ')})`;
  const failure = (why: string): CalibrationError => {
    const tail = stderr.text();
    return new CalibrationError(
      CalibrationErrorCode.START_FAILED,
      `${describe} ${why}${tail === '' ? ' (it wrote nothing to stderr)' : `; its last output:\n${tail}`}`,
      tail === '' ? null : tail,
    );
  };
  return new Promise((resolve, reject) => {
    let buffered = '';
    let settled = false;
    const settle = (): void => {
      settled = true;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      // Keep draining stdout so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
    };
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      if (buffered.length > 64 * 1024) buffered = buffered.slice(-64 * 1024);
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        let m: { event?: unknown; port?: unknown; host?: unknown };
        try {
          m = JSON.parse(line) as typeof m;
        } catch {
          continue;
        }
        if (m.event === 'ready' && typeof m.port === 'number') {
          settle();
          const host = typeof m.host === 'string' ? m.host : '127.0.0.1';
          resolve(new CalibrationServer(spec, child, exited, stderr, host, m.port));
          return;
        }
      }
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settle();
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      reject(failure(`was not ready within ${spec.readyTimeoutMs} ms`));
    }, spec.readyTimeoutMs);
    child.stdout?.on('data', onData);
    void exited.then(() => {
      if (settled) return;
      settle();
      const err = spawnError as Error | null;
      reject(failure(err !== null ? `could not be started (${err.message})` : `${exitText} before it was ready`));
    });
  });
}
