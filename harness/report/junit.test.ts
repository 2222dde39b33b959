import { describe, expect, it } from 'vitest';
import { describeRuns } from './baseline.ts';
import { compareSets } from './compare.ts';
import { escapeXml, renderJUnit } from './junit.ts';
import { HOSTILE, makeResults, parseXml } from './test-support.ts';

const side = (f: number) => describeRuns([{ path: '/x/results.json', results: makeResults({ latencyFactor: f }) }], `run ${f}`);

describe('escapeXml', () => {
  it.each([
    ['a<b>&"\'', 'a&lt;b&gt;&amp;&quot;&apos;'],
    ['bell\u0007 nul\u0000 ok\ttab', 'bell nul ok\ttab'],
    ['lone \uD800 surrogate', 'lone  surrogate'],
    ['pair \uD83D\uDE00', 'pair \uD83D\uDE00'],
  ])('%j', (input, out) => {
    expect(escapeXml(input)).toBe(out);
  });
});

describe('renderJUnit', () => {
  it('has one test case per threshold (plus "run completed"), failures with measured vs target', () => {
    const root = parseXml(renderJUnit([makeResults()], null));
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '3', failures: '1', errors: '0' });
    const suite = root.children[0]!;
    expect(suite.attrs).toMatchObject({ name: 'unit-run: thresholds', tests: '3', failures: '1' });
    const [run, t1, t2] = suite.children;
    expect(run!.attrs).toMatchObject({ classname: 'unit-run.run', name: 'run completed' });
    expect(run!.children).toEqual([]);
    expect(t1!.attrs.name).toBe('errors.count == 0');
    expect(t1!.children[0]!.name).toBe('failure');
    expect(t1!.children[0]!.attrs).toEqual({ type: 'threshold', message: 'measured 2, target == 0' });
    expect(t1!.children[0]!.text).toContain('measured:  2');
    expect(t2!.attrs.name).toBe('latency.p99 < 100ms');
    expect(t2!.children).toEqual([]);
  });

  it('reports a broken run as an error of "run completed"', () => {
    const r = makeResults({ status: 'error' });
    r.run.error = { code: 'NMT_RUN_WORKER_CRASHED', message: 'worker died', stderrTail: 'boom <tail>' };
    const root = parseXml(renderJUnit([r], null));
    const err = root.children[0]!.children[0]!.children[0]!;
    expect(err.name).toBe('error');
    expect(err.attrs.message).toBe('NMT_RUN_WORKER_CRASHED: worker died');
    expect(err.text).toBe('boom <tail>');
    expect(root.attrs.errors).toBe('1');
  });

  it('adds one case per gated metric of the comparison, failing the regressed ones', () => {
    const c = compareSets(side(1), side(2), 20);
    const root = parseXml(renderJUnit([makeResults()], c));
    const reg = root.children[1]!;
    expect(reg.attrs.name).toBe('unit-run: regression vs baseline (tolerance 20%)');
    const gated = c.rows.filter((r) => r.gated);
    expect(reg.children).toHaveLength(gated.length);
    const failed = reg.children.filter((x) => x.children.length > 0);
    expect(failed.map((x) => x.attrs.name)).toEqual(['PingReq p50 (lower is better)', 'PingReq p90 (lower is better)', 'PingReq p99 (lower is better)']);
    expect(failed[2]!.children[0]!.attrs.message).toMatch(/^\+100% \(1\.09ms → 2\.1\dms\), tolerance 20%$/);
    expect(root.attrs.failures).toBe(String(1 + 3));
  });

  it('has no regression suite without a tolerance', () => {
    expect(parseXml(renderJUnit([makeResults()], compareSets(side(1), side(2), null))).children).toHaveLength(1);
  });

  it('has one thresholds suite per run of a repeat set', () => {
    const root = parseXml(renderJUnit([makeResults(), makeResults()], null));
    expect(root.children.map((s) => s.attrs.name)).toEqual(['unit-run run 1: thresholds', 'unit-run run 2: thresholds']);
  });

  it('stays well-formed with hostile names, and reads back to the same text', () => {
    const r = makeResults({ name: 'x' });
    r.thresholds[0]!.expr = HOSTILE;
    r.thresholds[0]!.measuredText = `]]> ${HOSTILE}`;
    const root = parseXml(renderJUnit([r], null));
    const tc = root.children[0]!.children[1]!;
    expect(tc.attrs.name).toBe(HOSTILE);
    expect(tc.children[0]!.attrs.message).toContain(`]]> ${HOSTILE}`);
  });
});

describe('parseXml (the checker itself)', () => {
  it.each([
    ['<a><b></a></b>', /does not close/],
    ['<a>x < y</a>', /malformed tag|raw '<'/],
    ['<a>&bogus;</a>', /unknown entity/],
    ['<a x=1/>', /malformed tag/],
    ['<a/><b/>', /second root/],
    ['<a>', /unclosed/],
  ])('rejects %j', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
  });
});
