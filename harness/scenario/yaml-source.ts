/**
 * YAML parsing with positions: the scenario is parsed with the `yaml`
 * package's `parseDocument` and a `LineCounter`, so every issue found later
 * — by the schema, by semantic checks, or by the runner against the
 * catalogue — can be reported with the line of the node it is about.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import type { ScenarioIssue } from './errors.ts';

/** A path into the document: keys and list indices from the root. */
export type DocPath = readonly (string | number)[];

/** Finds the 1-based line of the node at `path` (or of its key); the nearest existing ancestor when absent. */
export type LineOf = (path: DocPath, atKey?: boolean) => number | null;

/** A parsed YAML scenario: plain data plus a way back to lines. */
export interface YamlSource {
  /** Plain JS data (undefined when there were syntax errors). */
  data: unknown;
  lineOf: LineOf;
  /** YAML syntax errors (duplicate keys included), each with its line. */
  syntaxIssues: ScenarioIssue[];
}

/** Limits on YAML parsing; the defaults are far above any real scenario. */
export interface YamlLimits {
  /** Alias expansions allowed (guards against "billion laughs" documents). Default 100. */
  maxAliasCount?: number;
}

/** Parses YAML text, collecting every syntax error with its line instead of stopping at the first. */
export function readYaml(text: string, limits: YamlLimits = {}): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  const lineOf: LineOf = (path, atKey = false) => {
    let node: unknown = doc.contents;
    let line: number | null = rangeLine(node, lineAt);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (pair === undefined) return line;
        const keyLine = rangeLine(pair.key, lineAt);
        if (last && atKey) return keyLine ?? line;
        node = pair.value;
        line = rangeLine(node, lineAt) ?? keyLine ?? line;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return line;
        node = item;
        line = rangeLine(node, lineAt) ?? line;
      } else {
        return line;
      }
    }
    return line;
  };

  const syntaxIssues: ScenarioIssue[] = doc.errors.map((e) => ({
    path: '',
    line: lineAt(e.pos[0]),
    message: `YAML syntax error: ${firstLine(e.message)}`,
  }));
  if (syntaxIssues.length > 0) return { data: undefined, lineOf, syntaxIssues };
  try {
    return { data: doc.toJS({ maxAliasCount: limits.maxAliasCount ?? 100 }), lineOf, syntaxIssues };
  } catch (err) {
    // toJS throws on excessive alias expansion.
    return { data: undefined, lineOf, syntaxIssues: [{ path: '', line: null, message: `YAML error: ${(err as Error).message}` }] };
  }
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function rangeLine(node: unknown, lineAt: (offset: number) => number): number | null {
  const range = (node as Node | null | undefined)?.range;
  return range === undefined || range === null ? null : lineAt(range[0]);
}

/** yaml's messages carry a context excerpt after the first line; the line number says where already. */
function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return (nl === -1 ? message : message.slice(0, nl)).replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** Formats a path as users read it: `phases[1].stages[0].duration`, `variables["a b"]`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
