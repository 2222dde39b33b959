import { describe, expect, it } from 'vitest';
import { defaultCalibrateConfig } from '../scenario/calibrate.ts';
import type { CalibrateConfig } from '../scenario/types.ts';
import { CalibrationErrorCode } from './errors.ts';
import { configProblems, runCalibration } from './run.ts';

const base = defaultCalibrateConfig();

describe('configProblems (settings built in code)', () => {
  it('accepts the defaults', () => {
    expect(configProblems(base)).toEqual([]);
  });

  it.each([
    [{ ...base, warmupMs: -1 }, 'warmupMs must be ≥ 0, got -1'],
    [{ ...base, durationMs: 0 }, 'durationMs must be > 0, got 0'],
    [{ ...base, repeats: 1.5 }, 'repeats must be an integer 1–100, got 1.5'],
    [{ ...base, compare: [] }, 'compare lists no comparison'],
    [{ ...base, compare: [base.compare[0]!, base.compare[0]!] }, "compare[1]: name 'server-c100-k1' is used twice"],
    [{ ...base, compare: [{ ...base.compare[0]!, connections: 0 }] }, 'compare[0] (server-c100-k1): connections must be an integer 1–1000000, got 0'],
    [{ ...base, compare: [{ ...base.compare[0]!, inflight: 5000 }] }, 'compare[0] (server-c100-k1): inflight must be an integer 1–4096, got 5000'],
    [{ ...base, compare: [{ ...base.compare[0]!, size: 64 }] }, 'compare[0] (server-c100-k1): only harness comparisons take a size other than 16'],
  ] as [CalibrateConfig, string][])('%#: %s', (config, problem) => {
    expect(configProblems(config)).toEqual([problem]);
  });

  it('makes runCalibration report NMT_CAL_INVALID_CONFIG without starting anything', async () => {
    const report = await runCalibration({ config: { ...base, repeats: 0 }, projectRoot: '/nonexistent' });
    expect(report.status).toBe('error');
    expect(report.code).toBe(CalibrationErrorCode.INVALID_CONFIG);
    expect(report.message).toBe('invalid calibration settings: repeats must be an integer 1–100, got 0');
    expect(report.servers).toEqual([]);
    expect(report.comparisons.map((c) => c.problem)).toEqual(base.compare.map(() => 'not run: invalid calibration settings: repeats must be an integer 1–100, got 0'));
  });
});
