/**
 * `npm run report -- html|compare|index …` (see cli.ts and docs/reports.md).
 */
import { runReportCli } from './cli.ts';

try {
  const code = runReportCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    cwd: process.cwd(),
  });
  process.exitCode = code;
} catch (err) {
  process.stderr.write(`internal error (a bug, please report): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 105;
}
