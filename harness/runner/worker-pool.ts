/**
 * The worker processes of a run: forks them, relays their messages, and
 * notices when one dies. Policy (what a crash means for the run) is the
 * coordinator's; this module only reports.
 *
 *   fork ──▶ init ──▶ ready ──(barrier: all ready)──▶ start ──▶ … ──▶ done ──▶ exit 0
 *                └─▶ init-failed / exit / timeout  →  waitReady() rejects
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { RunError, RunErrorCode } from './errors.ts';
import { isWorkerMessage, type CoordinatorMessage, type InitMessage, type WorkerMessage } from './ipc.ts';
import { OutputTail } from './output-tail.ts';

/** One worker process as the pool sees it. */
export interface WorkerHandle {
  readonly index: number;
  readonly child: ChildProcess;
  readonly stderr: OutputTail;
  ready: boolean;
  /** Sent `done`: finished its phases normally. */
  done: boolean;
  exited: boolean;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** The `fatal` or `init-failed` message it sent, if any. */
  failure: string | null;
  /** We killed it on purpose (forced stop). */
  killed: boolean;
  readonly exitPromise: Promise<void>;
}

/** Events of {@link WorkerPool}. */
export interface WorkerPoolEvents {
  message: [worker: WorkerHandle, message: WorkerMessage];
  exit: [worker: WorkerHandle];
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  count: number;
  /** Absolute path of worker-main.ts. */
  script: string;
  /** cwd of the workers (where node_modules/tsx is). */
  projectRoot: string;
  /** The init message for worker i. */
  initFor: (index: number) => InitMessage;
}

/** Forks and tracks the workers of one run. */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly workers: WorkerHandle[] = [];
  private readonly options: WorkerPoolOptions;

  constructor(options: WorkerPoolOptions) {
    super();
    this.options = options;
  }

  /** Forks every worker and sends it its init message. */
  start(): void {
    for (let i = 0; i < this.options.count; i++) {
      const child = fork(this.options.script, [], {
        cwd: this.options.projectRoot,
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      const stderr = new OutputTail().follow(child.stderr);
      // Drain stdout too: a full pipe would block the worker.
      new OutputTail(1024).follow(child.stdout);
      let resolveExit!: () => void;
      const handle: WorkerHandle = {
        index: i,
        child,
        stderr,
        ready: false,
        done: false,
        exited: false,
        exitCode: null,
        exitSignal: null,
        failure: null,
        killed: false,
        exitPromise: new Promise<void>((r) => (resolveExit = r)),
      };
      this.workers.push(handle);
      child.on('message', (m: unknown) => {
        if (!isWorkerMessage(m)) return;
        if (m.type === 'ready') handle.ready = true;
        else if (m.type === 'done') handle.done = true;
        else if (m.type === 'fatal' || m.type === 'init-failed') handle.failure ??= m.message;
        this.emit('message', handle, m);
      });
      // A spawn failure ('error' without 'exit') must still count as an exit.
      child.once('error', (err) => {
        handle.failure ??= `could not start: ${err.message}`;
        if (child.exitCode === null && child.pid === undefined) finish(null, null);
      });
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (handle.exited) return;
        handle.exited = true;
        handle.exitCode = code;
        handle.exitSignal = signal;
        resolveExit();
        this.emit('exit', handle);
      };
      // 'close', not 'exit': it comes after the IPC channel is drained, so a worker's
      // last messages (final delta, done) are always handled before its exit.
      child.once('close', finish);
      this.send(handle, this.options.initFor(i));
    }
  }

  /** Sends a message to one worker; a worker that is gone is skipped. */
  send(worker: WorkerHandle, message: CoordinatorMessage): void {
    if (worker.exited || !worker.child.connected) return;
    worker.child.send(message, (err) => {
      // The worker died between the check and the write: its exit is handled elsewhere.
      void err;
    });
  }

  /** Sends a message to every live worker. */
  broadcast(message: CoordinatorMessage): void {
    for (const w of this.workers) this.send(w, message);
  }

  /**
   * Resolves when every worker reported ready. Rejects with {@link RunError}:
   * `NMT_RUN_WORKER_INIT` when one could not load (its message), or
   * `NMT_RUN_WORKER_CRASHED` / `NMT_RUN_WORKER_TIMEOUT` (with its stderr tail).
   * `cancel` (e.g. Ctrl-C) rejects it early with `null`.
   */
  waitReady(timeoutMs: number, cancel: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const failed = this.workers.find((w) => !w.ready && (w.failure !== null || w.exited));
        if (failed !== undefined) {
          cleanup();
          reject(this.describeFailure(failed, failed.failure !== null && !failed.exited ? RunErrorCode.WORKER_INIT : RunErrorCode.WORKER_CRASHED));
          return;
        }
        if (this.workers.every((w) => w.ready)) {
          cleanup();
          resolve();
        }
      };
      const onCancel = (): void => {
        cleanup();
        reject(null);
      };
      const timer = setTimeout(() => {
        cleanup();
        const slow = this.workers.filter((w) => !w.ready).map((w) => w.index);
        const tail = this.workers.find((w) => !w.ready)?.stderr.text() ?? '';
        reject(
          new RunError(
            RunErrorCode.WORKER_TIMEOUT,
            `worker(s) ${slow.join(', ')} did not report ready within ${timeoutMs} ms` + (tail === '' ? '' : `; stderr:\n${tail}`),
            tail === '' ? null : tail,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('message', check);
        this.off('exit', check);
        cancel.removeEventListener('abort', onCancel);
      };
      this.on('message', check);
      this.on('exit', check);
      if (cancel.aborted) onCancel();
      else cancel.addEventListener('abort', onCancel, { once: true });
      check();
    });
  }

  /** A RunError describing why a worker failed, with its stderr tail. */
  describeFailure(w: WorkerHandle, code: RunErrorCode = RunErrorCode.WORKER_CRASHED): RunError {
    const how = !w.exited
      ? 'failed'
      : w.exitSignal !== null
        ? `was killed by ${w.exitSignal}`
        : `exited with code ${w.exitCode}`;
    const tail = w.stderr.text();
    const what = code === RunErrorCode.WORKER_INIT ? 'could not load the run' : `${how} before finishing its phases`;
    const reason = w.failure === null ? '' : `: ${w.failure}`;
    return new RunError(
      code,
      `worker ${w.index} (pid ${w.child.pid ?? '?'}) ${what}${reason}` + (tail === '' ? '' : `\nworker stderr:\n${tail}`),
      tail === '' ? null : tail,
    );
  }

  /** Resolves when every worker process has exited. */
  async allExited(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.exitPromise));
  }

  /** SIGKILL every live worker (forced stop, or workers past their deadline). */
  killAll(): void {
    for (const w of this.workers) {
      if (w.exited) continue;
      w.killed = true;
      w.child.kill('SIGKILL');
    }
  }

  /** Closes the IPC channels of workers that never started (they exit on disconnect). */
  disconnectAll(): void {
    for (const w of this.workers) if (w.child.connected) w.child.disconnect();
  }
}
