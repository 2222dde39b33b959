/**
 * Checks of a loaded scenario against the packet catalogue it will run with.
 * The loader cannot make them (the catalogue is loaded by the runner), so the
 * runner calls {@link validateAgainstCatalogue} and reports the issues
 * exactly like load errors (same paths, same YAML lines, exit 104).
 */
import type { ScenarioIssue } from './errors.ts';
import { originOf } from './origins.ts';
import { suggest } from './suggest.ts';
import type { ExpectConfig, Scenario, Step } from './types.ts';
import { formatPath } from './yaml-source.ts';
import type { DocPath } from './yaml-source.ts';

/** Optional deeper checks. */
export interface CatalogueCheckOptions {
  /**
   * Field names of a packet (undefined when unknown or not field-based, e.g.
   * protobuf). When given, `send.values`, `expect.match` and `expect.capture`
   * are checked against them.
   */
  fieldsOf?: (packet: string) => readonly string[] | undefined;
}

/**
 * Packets the ping step needs. (The connect step needs none: without
 * SessionConnectReq/Res in the catalogue a TCP connection is the session.)
 */
const PING_PACKETS = ['PingReq', 'PongRes'] as const;

/**
 * Every packet name the scenario uses — send/expect packets, and PingReq/
 * PongRes when it has ping steps — must be in `packetNames`. Returns the
 * issues (empty when all is well); never throws.
 */
export function validateAgainstCatalogue(
  scenario: Scenario,
  packetNames: ReadonlySet<string>,
  options: CatalogueCheckOptions = {},
): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const known = [...packetNames].sort();
  const report = (owner: object, rest: DocPath, message: string): void => {
    const o = originOf(owner, rest);
    issues.push({ path: o === null ? formatPath(rest) : formatPath(o.path), line: o?.line ?? null, message });
  };
  const unknown = (name: string): string => {
    const close = suggest(name, known);
    return `unknown packet '${name}'${close === null ? '' : ` (did you mean '${close}'?)`} (catalogue packets: ${known.join(', ') || 'none'})`;
  };

  const checkFields = (owner: object, rest: DocPath, packet: string, fields: readonly string[], what: string): void => {
    const allowed = options.fieldsOf?.(packet);
    if (allowed === undefined) return;
    for (const f of fields) {
      if (!allowed.includes(f)) report(owner, [...rest, f], `packet ${packet} has no field '${f}' for ${what} (fields: ${allowed.join(', ') || 'none'})`);
    }
  };

  const checkExpect = (expect: ExpectConfig): void => {
    if (!packetNames.has(expect.packet)) report(expect, ['packet'], unknown(expect.packet));
    else {
      checkFields(expect, ['match'], expect.packet, Object.keys(expect.match), 'match');
      checkFields(expect, ['capture'], expect.packet, Object.values(expect.capture), 'capture');
    }
  };

  const visit = (steps: readonly Step[]): void => {
    for (const step of steps) {
      switch (step.kind) {
        case 'ping':
          if (!PING_PACKETS.every((p) => packetNames.has(p))) {
            report(step, [], `a ping step needs packets ${PING_PACKETS.join(' and ')}, which the catalogue does not define (catalogue packets: ${known.join(', ') || 'none'})`);
          }
          break;
        case 'send':
          if (!packetNames.has(step.packet)) report(step, ['send', 'packet'], unknown(step.packet));
          else checkFields(step, ['send', 'values'], step.packet, Object.keys(step.values), 'values');
          if (step.expect !== null) checkExpect(step.expect);
          break;
        case 'loop':
          visit(step.steps);
          break;
        default:
          break;
      }
    }
  };
  visit(scenario.flow.onStart);
  visit(scenario.flow.iteration);
  visit(scenario.flow.onStop);
  for (const phase of scenario.phases) if (phase.executor === 'constant-request-rate') visit([phase.request]);
  return issues;
}
