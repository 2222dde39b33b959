/** The `--help` text of `npm run bench`. Kept beside the parser so the two stay in step. */
export const USAGE = `Usage: npm run bench -- <scenario.yaml> [options]

Runs a load scenario against a server and reports latency, throughput,
connections and errors, checked against the scenario's thresholds.

Arguments:
  <scenario.yaml>        the scenario to run (format: docs/scenarios.md)

Options:
  --target host:port     drive this server instead of the scenario's target;
                         without any target the harness starts the reference
                         TestServer (or scenario server.command) itself
  --duration <d>         run time, e.g. 30s, 2m, 1m30s: sets a single constant
                         phase's duration, or scales every phase proportionally
  --workers <n>          worker processes (default: scenario 'workers', else
                         auto: 1 per 15,000 connections, at least 1)
  --out <dir>            write results.json into <dir>
                         (default: reports/<YYYYMMDD-HHMMSS>-<scenario>/)
  --json                 print results.json on stdout instead of the summary
  --quiet                no progress and no log lines; summary/JSON only
  --help, -h             show this help

Output:
  Progress goes to stderr: one redrawn line on a terminal, a plain line every
  5 s otherwise. The summary table (or --json) goes to stdout.

Exit codes:
  0    passed: the run finished and every threshold passed
  99   thresholds failed (also after an abortOnFail stop)
  104  invalid scenario, catalogue, feeder file or command line (nothing ran)
  105  run error: a server did not start, a worker crashed or hung,
       results could not be written
  130  interrupted (Ctrl-C / SIGTERM); results so far are still written.
       A second Ctrl-C kills workers and servers at once.

Docs: docs/running.md (this command), docs/results.md (results.json),
docs/scenarios.md (scenario format and thresholds).
`;
