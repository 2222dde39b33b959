/**
 * CLI entry: `npm run client -- --host 127.0.0.1 --port 7000 --count 1000`.
 * All logic is in cli-run.ts; this file wires process I/O and signals.
 */
import { runClientCli } from './cli-run.ts';

// A reader that goes away (`| head`) must not crash the CLI with EPIPE.
process.stdout.on('error', () => {});

const abort = new AbortController();
const onSignal = (): void => abort.abort();
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const code = await runClientCli(
  process.argv.slice(2),
  {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  },
  abort.signal,
);
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
// exitCode (not exit()) lets buffered stdout reach a pipe before the process ends.
process.exitCode = code;
