/**
 * Entry point of a worker process, forked by the coordinator with
 * `execArgv: ['--import', 'tsx']`. Wires Node's IPC channel to a
 * {@link WorkerRuntime}.
 *
 * Signals: a terminal's Ctrl-C reaches the whole foreground process group,
 * workers included. Workers ignore SIGINT/SIGTERM and wait for the
 * coordinator's `stop` message instead, so the run stops in order (grace
 * period, final deltas) rather than losing the workers' last second.
 */
import { isCoordinatorMessage, type WorkerMessage } from './ipc.ts';
import { WorkerRuntime } from './worker.ts';

if (process.send === undefined) {
  process.stderr.write('harness/runner/worker-main.ts is started by the bench coordinator (npm run bench), not directly\n');
  process.exit(2);
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) {
      resolve();
      return;
    }
    process.send!(message, undefined, undefined, () => resolve());
  });
}

function exitSoon(code: number): void {
  // Give the IPC pipe a moment to flush, then leave even if sockets or timers linger.
  setTimeout(() => process.exit(code), 50);
}

const runtime = new WorkerRuntime({ send });

process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

process.on('disconnect', () => {
  // The coordinator is gone (or dropped us before the start): nobody will
  // read our results. Stop and leave; before the start there is nothing to stop.
  if (runtime.finished === null) process.exit(1);
  runtime.orphaned();
  setTimeout(() => process.exit(1), 2000).unref();
});

process.on('uncaughtException', (err) => {
  void send({ type: 'fatal', message: `uncaught exception: ${err.message}`, stack: err.stack ?? null }).then(() => exitSoon(1));
});
process.on('unhandledRejection', (reason) => {
  const err = reason instanceof Error ? reason : new Error(String(reason));
  void send({ type: 'fatal', message: `unhandled rejection: ${err.message}`, stack: err.stack ?? null }).then(() => exitSoon(1));
});

process.on('message', (message: unknown) => {
  if (!isCoordinatorMessage(message)) return;
  const handled = runtime.handle(message);
  if (message.type === 'start') {
    handled.then(
      () => exitSoon(0),
      // The runtime already sent `fatal` with the error.
      () => exitSoon(1),
    );
  } else {
    handled.catch((err: Error) => {
      void send({ type: 'fatal', message: err.message, stack: err.stack ?? null }).then(() => exitSoon(1));
    });
  }
});
