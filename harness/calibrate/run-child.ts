/**
 * Runs a measuring process (the C load-client, the harness probe) to
 * completion: stdout collected (bounded), stderr tail kept, a deadline, and
 * an AbortSignal that stops it (SIGTERM, then SIGKILL). The process runs in
 * its own group so a terminal's Ctrl-C reaches the harness only, which then
 * stops it through the signal — in order, like the run's servers.
 */
import { spawn } from 'node:child_process';
import { OutputTail } from '../runner/output-tail.ts';

/** How a child run ended. */
export interface ChildOutcome {
  /** Exit code, or null when killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderrTail: string;
  /** Why it was stopped by us: deadline or abort; null when it ended on its own. */
  stoppedBy: 'timeout' | 'abort' | null;
  /** Set when it could not be spawned at all. */
  spawnError: string | null;
}

/** Options of {@link runChild}. */
export interface ChildRun {
  command: string;
  args: string[];
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Environment; default this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Most stdout kept; a result is one JSON line, far smaller. */
const MAX_STDOUT = 1024 * 1024;
/** After SIGTERM, how long before SIGKILL. */
const KILL_AFTER_MS = 3000;

/** Runs the command; never rejects (problems are in the outcome). */
export function runChild(run: ChildRun): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    if (run.signal?.aborted === true) {
      resolve({ code: null, signal: null, stdout: '', stderrTail: '', stoppedBy: 'abort', spawnError: null });
      return;
    }
    const child = spawn(run.command, run.args, {
      cwd: run.cwd,
      env: run.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr = new OutputTail().follow(child.stderr);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_STDOUT) stdout += chunk.toString('utf8');
    });
    let stoppedBy: ChildOutcome['stoppedBy'] = null;
    let spawnError: string | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // Already gone.
      }
    };
    const stop = (why: 'timeout' | 'abort'): void => {
      if (stoppedBy !== null) return;
      stoppedBy = why;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_AFTER_MS);
    };
    const timer = setTimeout(() => stop('timeout'), run.timeoutMs);
    const onAbort = (): void => stop('abort');
    run.signal?.addEventListener('abort', onAbort, { once: true });
    const killOnExit = (): void => signalGroup('SIGKILL');
    process.once('exit', killOnExit);
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      if (killTimer !== null) clearTimeout(killTimer);
      run.signal?.removeEventListener('abort', onAbort);
      process.removeListener('exit', killOnExit);
      resolve({ code, signal, stdout, stderrTail: stderr.text(), stoppedBy, spawnError });
    };
    child.once('error', (err) => {
      spawnError = err.message;
      finish(null, null);
    });
    child.once('close', (code, signal) => {
      if (spawnError === null) finish(code, signal);
    });
  });
}

/** The last line of `stdout` that parses as a JSON object, or null. */
export function lastJsonLine(stdout: string): Record<string, unknown> | null {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // Not JSON; keep looking.
    }
  }
  return null;
}
