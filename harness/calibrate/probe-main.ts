/**
 * Process entry of the harness probe (probe.ts), started by
 * probe-process.ts as `node --import tsx harness/calibrate/probe-main.ts '<json>'`
 * with `{ "spec": LoadSpec, "server": label }`. Prints one JSON line — the
 * SideMeasurement — on stdout; exit 2 for a bad argument, 1 when the
 * measurement failed (the reason on stderr). SIGTERM/SIGINT end the
 * measurement early.
 */
import { measureHarness } from './probe.ts';
import type { LoadSpec } from './types.ts';

async function main(): Promise<number> {
  let input: { spec: LoadSpec; server: string };
  try {
    input = JSON.parse(process.argv[2] ?? '') as typeof input;
    if (typeof input.spec !== 'object' || typeof input.server !== 'string') throw new Error('expected { spec, server }');
  } catch (err) {
    process.stderr.write(`probe: bad argument: ${(err as Error).message}\n`);
    return 2;
  }
  const abort = new AbortController();
  process.once('SIGTERM', () => abort.abort());
  process.once('SIGINT', () => abort.abort());
  const result = await measureHarness(input.spec, input.server, abort.signal);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`probe: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
