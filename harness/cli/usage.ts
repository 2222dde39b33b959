/** The `--help` text of `npm run bench`. Kept beside the parser so the two stay in step. */
export const USAGE = `Usage: npm run bench -- <scenario.yaml> [options]
       npm run bench -- --calibrate [--out dir] [--json] [--quiet]

Runs a load scenario against a server and reports latency, throughput,
connections and errors, checked against the scenario's thresholds.

Arguments:
  <scenario.yaml>        the scenario to run (format: docs/scenarios.md)

Options:
  --target host:port     drive this server instead of the scenario's target;
                         without any target the harness starts the reference
                         TestServer (or scenario server.command) itself
  --transport <t>        tcp, tls, ws or wss instead of the scenario's transport
                         (the embedded TestServer is started to match)
  --duration <d>         run time, e.g. 30s, 2m, 1m30s: sets a single constant
                         phase's duration, or scales every phase proportionally
  --workers <n>          worker processes (default: scenario 'workers', else
                         auto: 1 per 15,000 connections, at least 1)
  --out <dir>            write results.json (and the report files) into <dir>
                         (default: reports/<YYYYMMDD-HHMMSS>-<scenario>/)
  --reports-dir <dir>    where runs go by default, where --baseline latest
                         looks, and where index.html is kept (default: reports)
  --baseline <b>         compare with a baseline: a results.json, a run folder,
                         a --repeat set folder (its medians), or 'latest' (the
                         newest earlier finished run of this scenario under
                         the reports dir); deltas in the summary and report
  --fail-on-regression <percent>
                         with --baseline: exit 98 when a gated metric is worse
                         by more than this (rps down, latency/errors up)
  --repeat <n>           run the scenario n times (1-100) into run-1..run-n of
                         one set folder; compare the medians and print the spread
  --json                 print results.json on stdout instead of the summary
  --quiet                no progress and no log lines; summary/JSON only
  --calibrate            also measure the server and the harness against a C
                         reference (built with the system C compiler) in this
                         run; alone, without a scenario: calibration only
                         (docs/performance.md)
  --help, -h             show this help

Output:
  Progress goes to stderr: one redrawn line on a terminal, a plain line every
  5 s otherwise. The summary table (or --json) goes to stdout.

Exit codes:
  0    passed: the run finished and every threshold passed
  98   regression: --fail-on-regression tripped (thresholds passed)
  99   thresholds failed (also after an abortOnFail stop)
  104  invalid scenario, catalogue, feeder file or command line (nothing ran)
  105  run error: a server did not start, a worker crashed or hung,
       results could not be written
  130  interrupted (Ctrl-C / SIGTERM); results so far are still written.
       A second Ctrl-C kills workers and servers at once.

Next to results.json every run writes report.html (open it in a browser),
junit.xml and summary.md (for CI); reports/index.html lists every run.

Docs: docs/running.md (this command), docs/results.md (results.json),
docs/reports.md (reports, baselines, regression gate),
docs/scenarios.md (scenario format and thresholds).
`;
