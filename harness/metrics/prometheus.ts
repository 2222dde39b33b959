/**
 * A small reader for the Prometheus text exposition format (0.0.4): enough
 * to pick a server's memory and CPU counters out of its `/metrics` page.
 * Comments and malformed lines are skipped, never fatal: a server's page is
 * input we do not control.
 */

/** One sample line: `name{labels} value [timestamp]`. */
export interface PromSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
    default:
      return Number(text);
  }
}

function parseLabels(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let pos = 0;
  const body = text.trim();
  while (pos < body.length) {
    LABEL.lastIndex = pos;
    const m = LABEL.exec(body);
    if (m === null) return null;
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    pos = LABEL.lastIndex;
    while (pos < body.length && body[pos] === ' ') pos++;
  }
  return out;
}

/** Parses an exposition; lines that are not samples are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels = m[3] === undefined ? {} : parseLabels(m[3]);
    const value = parseValue(m[4]!);
    if (labels === null || Number.isNaN(value)) continue;
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/**
 * The value of a metric family summed over its label sets (e.g. CPU seconds
 * by mode). Looks for `name` exactly, else for any family ending in
 * `_name` (servers often prefix the standard process metrics, e.g. the
 * reference server's `nmt_process_cpu_seconds_total`). Undefined when absent.
 */
export function familyValue(samples: readonly PromSample[], name: string): number | undefined {
  const sum = (match: (n: string) => boolean): number | undefined => {
    let total: number | undefined;
    for (const s of samples) if (match(s.name)) total = (total ?? 0) + s.value;
    return total;
  };
  return sum((n) => n === name) ?? sum((n) => n.endsWith(`_${name}`));
}
