/**
 * Scenario loading and validation: YAML → validated, frozen {@link Scenario}
 * (types.ts), templates compiled once for the hot path, and the checks the
 * runner makes against the packet catalogue. Format: docs/scenarios.md.
 */
export { loadScenario, parseScenario } from './load.ts';
export type { LoadLimits, ScenarioOverrides } from './load.ts';
export { validateAgainstCatalogue } from './catalogue-check.ts';
export type { CatalogueCheckOptions } from './catalogue-check.ts';
export { formatIssues } from './format-issues.ts';
export { ScenarioError, ScenarioErrorCode, TemplateError } from './errors.ts';
export type { ScenarioIssue } from './errors.ts';
export { compileValue, compileTemplate, hasTemplate, parseTemplate, TEMPLATE_FUNCTIONS, TEMPLATE_ROOTS } from './templates.ts';
export type { CompiledValue, ParsedTemplate, TemplateContext, TemplateNode, TemplateRef } from './templates.ts';
export { DEFAULTS } from './defaults.ts';
export { EXECUTORS, STEP_KINDS } from './schema.ts';
export { phaseDurationMs } from './phases.ts';
export { requestNames } from './normalise.ts';
export { parseCount, parseDurationMicros, parseDurationMs, parseSize } from './units.ts';
export type * from './types.ts';
