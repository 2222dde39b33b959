/** Rendering of scenario issues for the CLI and logs. */
import type { ScenarioIssue } from './errors.ts';

/**
 * One line per issue, compiler style, so editors can jump to them:
 *
 *   scenarios/ping.yaml:12: phases[0].vus: vus must be ≥ 1, got 0
 *   scenarios/ping.yaml: (--duration): --duration must be greater than 0, got 0ms
 *
 * `source` is printed as given (pass the path the user typed).
 */
export function formatIssues(issues: readonly ScenarioIssue[], source: string): string {
  return issues
    .map((i) => {
      const where = i.line === null ? source : `${source}:${i.line}`;
      return i.path === '' ? `${where}: ${i.message}` : `${where}: ${i.path}: ${i.message}`;
    })
    .join('\n');
}
