/**
 * Shared state of one scenario validation pass: the issue collector (every
 * problem is collected, nothing stops at the first) and the names templates
 * may refer to.
 */
import type { ScenarioIssue } from './errors.ts';
import { formatPath } from './yaml-source.ts';
import type { DocPath, LineOf } from './yaml-source.ts';

export interface CheckContext {
  /** Records an issue at `path` (at its key when `atKey`). */
  issue(path: DocPath, message: string, atKey?: boolean): void;
  readonly issues: ScenarioIssue[];
  lineOf: LineOf;
  /** Directory relative paths (catalogue, feeders) are resolved from. */
  baseDir: string;
  /** Feeder name → its CSV columns (null when the file could not be read; already reported). */
  feeders: Map<string, readonly string[] | null>;
  /** Variable names defined anywhere: `variables`, `set` steps, `capture`s. */
  vars: Set<string>;
  /** Request timeout for steps that give none. */
  defaultTimeoutMs: number;
}

export function createCheckContext(lineOf: LineOf, baseDir: string): CheckContext {
  const issues: ScenarioIssue[] = [];
  return {
    issues,
    lineOf,
    baseDir,
    feeders: new Map(),
    vars: new Set(),
    defaultTimeoutMs: 0,
    issue(path, message, atKey = false) {
      issues.push({ path: formatPath(path), line: lineOf(path, atKey), message });
    },
  };
}
