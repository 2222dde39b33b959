/**
 * Errors of the scenario layer. Every error carries a stable `code`
 * (callers and tests match on it, never on the message); the codes are
 * documented in docs/scenarios.md ("Errors and exit codes").
 */

/** Stable error codes of scenario loading and template compilation. */
export const ScenarioErrorCode = {
  /** The scenario parsed but is wrong: see `issues` (CLI exit code 104). */
  INVALID: 'NMT_SCENARIO_INVALID',
  /** The scenario file could not be read (missing, a directory, no permission). */
  UNREADABLE: 'NMT_SCENARIO_UNREADABLE',
  /** `compileValue()` was given a template with a syntax or reference error. */
  TEMPLATE_INVALID: 'NMT_SCENARIO_TEMPLATE_INVALID',
} as const;
export type ScenarioErrorCode = (typeof ScenarioErrorCode)[keyof typeof ScenarioErrorCode];

/**
 * One thing wrong with a scenario: where (a path like
 * `phases[1].stages[0].duration` and, when the scenario came from YAML, the
 * 1-based line) and what (a message that also says what is allowed).
 */
export interface ScenarioIssue {
  path: string;
  line: number | null;
  message: string;
}

/**
 * A scenario could not be loaded. `issues` holds every problem found — the
 * loader never stops at the first one — sorted by line.
 */
export class ScenarioError extends Error {
  readonly code: ScenarioErrorCode;
  readonly issues: readonly ScenarioIssue[];
  /** The file (as given to the loader) or source label the issues refer to. */
  readonly source: string;

  constructor(code: ScenarioErrorCode, source: string, issues: readonly ScenarioIssue[], message?: string) {
    super(message ?? summarise(source, issues));
    this.name = 'ScenarioError';
    this.code = code;
    this.source = source;
    this.issues = issues;
  }
}

function summarise(source: string, issues: readonly ScenarioIssue[]): string {
  const head = `${source}: invalid scenario (${issues.length} issue${issues.length === 1 ? '' : 's'})`;
  const lines = issues.map((i) => {
    const where = i.line === null ? source : `${source}:${i.line}`;
    return i.path === '' ? `  ${where}: ${i.message}` : `  ${where}: ${i.path}: ${i.message}`;
  });
  return [head, ...lines].join('\n');
}

/**
 * A template (`{{ ... }}`) that does not parse or names something that does
 * not exist. `column` is 1-based within the template string.
 */
export class TemplateError extends Error {
  readonly code = ScenarioErrorCode.TEMPLATE_INVALID;
  readonly column: number;

  constructor(message: string, column: number) {
    super(message);
    this.name = 'TemplateError';
    this.column = column;
  }
}
