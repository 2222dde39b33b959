/**
 * junit.xml for CI systems (Jenkins, GitLab, GitHub test reporters): one
 * test case per threshold, failures carrying measured vs target; one test
 * case per gated metric when a baseline comparison with a tolerance was
 * made; and a "run completed" case that errors when the run itself did not
 * finish (run error, interrupt).
 *
 *   <testsuites name="nmt bench" tests failures errors time>
 *     <testsuite name="ping: thresholds" …>
 *       <testcase classname="ping.run" name="run completed"/>
 *       <testcase classname="ping.thresholds" name="rps &gt;= 10000">
 *         <failure type="threshold" message="measured 8.31k/s, target &gt;= 10k/s"/>
 *     <testsuite name="ping: regression vs baseline" …>
 *       <testcase classname="ping.regression" name="PingReq p99 (lower is better)">
 *         <failure type="regression" message="+1650% (1.2ms → 21ms), tolerance 20%"/>
 */
import type { ResultsV1 } from '../runner/results.ts';
import type { Comparison } from './compare.ts';
import { formatDelta, formatMetric } from './format-comparison.ts';

/** Escapes text for XML content and attributes, dropping characters XML 1.0 cannot hold. */
export function escapeXml(value: unknown): string {
  return String(value)
    // eslint-disable-next-line no-control-regex -- removing the control characters XML 1.0 forbids is the point
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

interface Case {
  classname: string;
  name: string;
  time: number;
  failure?: { type: string; message: string; text: string };
  error?: { type: string; message: string; text: string };
}

interface Suite {
  name: string;
  timestamp: string;
  time: number;
  cases: Case[];
}

const secs = (ms: number): string => (ms / 1000).toFixed(3);

/** Test cases of one run: "run completed" and one per threshold. */
export function runSuite(r: ResultsV1, label = ''): Suite {
  const cls = r.scenario.name.replace(/\./g, '_');
  const cases: Case[] = [];
  const completed: Case = { classname: `${cls}.run`, name: 'run completed', time: r.run.durationMs / 1000 };
  if (r.run.status === 'error' || r.run.status === 'interrupted') {
    const msg = r.run.error !== null ? `${r.run.error.code}: ${r.run.error.message}` : (r.run.stop?.detail ?? r.run.status);
    completed.error = { type: r.run.status, message: msg, text: r.run.error?.stderrTail ?? '' };
  }
  cases.push(completed);
  for (const x of r.thresholds) {
    const c: Case = { classname: `${cls}.thresholds`, name: x.expr, time: 0 };
    if (!x.ok) {
      c.failure = {
        type: 'threshold',
        message: `measured ${x.measuredText}, target ${x.op} ${x.targetText}${x.reason === null ? '' : ` (${x.reason})`}`,
        text: `threshold: ${x.expr}\nmeasured:  ${x.measuredText}\ntarget:    ${x.op} ${x.targetText}\nquery:     ${JSON.stringify(x.query)}`,
      };
    }
    cases.push(c);
  }
  return { name: `${r.scenario.name}${label === '' ? '' : ` ${label}`}: thresholds`, timestamp: r.run.startedAt.slice(0, 19), time: r.run.durationMs / 1000, cases };
}

/** Test cases of a comparison: one per gated metric (empty without a tolerance). */
export function regressionSuite(c: Comparison): Suite | null {
  if (c.tolerancePercent === null) return null;
  const cls = `${c.current.scenario.replace(/\./g, '_')}.regression`;
  const cases = c.rows
    .filter((r) => r.gated)
    .map((r): Case => {
      const name = `${r.label} (${r.better} is better)`;
      const change = `${formatDelta(r.deltaPercent)} (${formatMetric(r.baseline, r.unit)} → ${formatMetric(r.current, r.unit)})`;
      return r.regressed
        ? { classname: cls, name, time: 0, failure: { type: 'regression', message: `${change}, tolerance ${c.tolerancePercent}%`, text: `baseline: ${c.baseline.label}\ncurrent:  ${c.current.label}` } }
        : { classname: cls, name, time: 0 };
    });
  return { name: `${c.current.scenario}: regression vs baseline (tolerance ${c.tolerancePercent}%)`, timestamp: c.current.startedAt.slice(0, 19), time: 0, cases };
}

function renderCase(c: Case): string {
  const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="${c.time.toFixed(3)}"`;
  const inner = c.failure ?? c.error;
  if (inner === undefined) return `${open}/>`;
  const tag = c.failure !== undefined ? 'failure' : 'error';
  return `${open}>\n      <${tag} type="${escapeXml(inner.type)}" message="${escapeXml(inner.message)}">${escapeXml(inner.text)}</${tag}>\n    </testcase>`;
}

/** The junit.xml of one run, or of a repeat set (one thresholds suite per run), plus the comparison. */
export function renderJUnit(runs: readonly ResultsV1[], comparison: Comparison | null): string {
  const suites: Suite[] = runs.map((r, i) => runSuite(r, runs.length > 1 ? `run ${i + 1}` : ''));
  const reg = comparison === null ? null : regressionSuite(comparison);
  if (reg !== null) suites.push(reg);
  const count = (s: Suite, k: 'failure' | 'error'): number => s.cases.filter((c) => c[k] !== undefined).length;
  const total = (k: 'failure' | 'error' | 'tests'): number => suites.reduce((a, s) => a + (k === 'tests' ? s.cases.length : count(s, k)), 0);
  const time = runs.reduce((a, r) => a + r.run.durationMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="nmt bench" tests="${total('tests')}" failures="${total('failure')}" errors="${total('error')}" time="${secs(time)}">`,
  ];
  for (const s of suites) {
    lines.push(
      `  <testsuite name="${escapeXml(s.name)}" tests="${s.cases.length}" failures="${count(s, 'failure')}" errors="${count(s, 'error')}" skipped="0" timestamp="${escapeXml(s.timestamp)}" time="${s.time.toFixed(3)}">`,
    );
    for (const c of s.cases) lines.push(renderCase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
