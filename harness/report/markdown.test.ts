import { describe, expect, it } from 'vitest';
import { describeRuns } from './baseline.ts';
import { compareSets } from './compare.ts';
import { mdText, renderRunMarkdown, renderSetMarkdown } from './markdown.ts';
import { extractMetrics, medianMetrics } from './metric-set.ts';
import { HOSTILE, makeResults } from './test-support.ts';

const side = (f: number) => describeRuns([{ path: '/x/results.json', results: makeResults({ latencyFactor: f }) }], `run ${f}`);

describe('mdText', () => {
  it.each([
    ['a|b', 'a\\|b'],
    ['*x* _y_ `z` [l](u)', '\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u)'],
    ['<b>&', '&lt;b&gt;&amp;'],
    ['two\nlines', 'two lines'],
  ])('%j → %j', (input, out) => {
    expect(mdText(input)).toBe(out);
  });
});

describe('renderRunMarkdown', () => {
  const md = renderRunMarkdown(makeResults({ status: 'thresholds-failed', exitCode: 99 }));

  it('opens with the verdict and exit code', () => {
    expect(md.split('\n')[0]).toBe('## ❌ unit-run — THRESHOLDS FAILED (exit 99)');
  });

  it('has the key figures, thresholds and requests as tables', () => {
    expect(md).toContain('| responses/s | latency p50 | latency p99 | errors | max open connections | measured time |');
    expect(md).toContain('| ❌ | errors.count == 0 | 2 | == 0 |  |');
    expect(md).toContain('| ✅ | latency.p99 &lt; 100ms | 50ms | &lt; 100ms |  |');
    expect(md).toMatch(/\| PingReq \| 1000 \| 1000 \| 250\/s \| 2 \| .* \| 50ms \|/);
  });

  it('keeps table rows intact and markup inert with hostile text', () => {
    const r = makeResults({ description: HOSTILE });
    r.thresholds[0]!.expr = 'a | b';
    const out = renderRunMarkdown(r);
    expect(out).not.toContain('<script>');
    const row = out.split('\n').find((l) => l.includes('a \\| b'))!;
    // 5 columns → 6 unescaped pipes.
    expect(row.replace(/\\\|/g, '').match(/\|/g)).toHaveLength(6);
  });

  it('adds the comparison and the gate when there is a baseline', () => {
    const out = renderRunMarkdown(makeResults(), compareSets(side(1), side(2), 20));
    expect(out).toContain('### Comparison with baseline');
    expect(out).toContain('❌ regression gate FAILED: 3 gated metric(s) worse by more than 20%');
    expect(out).toMatch(/\| PingReq p99 \| 1\.09ms \| 2\.1\dms \| \+100% \| ✗ regression \(worse by more than 20%\) \|/);
  });
});

describe('renderSetMarkdown', () => {
  it('lists each run, the spread and the median comparison', () => {
    const runs = [1, 2, 3].map((f) => makeResults({ latencyFactor: f, rps: 100 * f }));
    const medians = medianMetrics(runs.map(extractMetrics));
    const cmp = compareSets(side(1), describeRuns(runs.map((results, i) => ({ path: `/r${i}`, results })), 'set'), 500);
    const md = renderSetMarkdown(runs, medians, cmp, 0);
    expect(md.split('\n')[0]).toBe('## ✅ unit-run — 3 runs (exit 0)');
    expect(md).toContain('| 1 | 2026-01-01T12:00:00.000Z | PASSED | 100/s |');
    expect(md).toContain('### Spread over the runs');
    expect(md).toMatch(/\| rps \(all requests\) \| 200\/s \| 100\/s \| 300\/s \| 100\.0% \|/);
    expect(md).toContain('regression gate passed');
  });
});
