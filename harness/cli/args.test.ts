import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.ts';
import { RunErrorCode } from '../runner/errors.ts';

describe('parseArgs', () => {
  it.each([
    [['s.yaml'], { scenario: 's.yaml', json: false, quiet: false, help: false }],
    [['s.yaml', '--json', '--quiet'], { scenario: 's.yaml', json: true, quiet: true }],
    [['--target', '127.0.0.1:7000', 's.yaml'], { scenario: 's.yaml', target: '127.0.0.1:7000' }],
    [['s.yaml', '--target=[::1]:7000'], { target: '[::1]:7000' }],
    [['s.yaml', '--duration', '1m30s'], { durationMs: 90_000 }],
    [['s.yaml', '--duration=500ms'], { durationMs: 500 }],
    [['s.yaml', '--workers', '3'], { workers: 3 }],
    [['s.yaml', '--out', 'reports/x'], { out: 'reports/x' }],
    [['s.yaml'], { repeat: 1 }],
    [['s.yaml', '--baseline', 'latest', '--fail-on-regression', '20'], { baseline: 'latest', failOnRegression: 20 }],
    [['s.yaml', '--baseline=a/results.json', '--fail-on-regression=12.5%'], { baseline: 'a/results.json', failOnRegression: 12.5 }],
    [['s.yaml', '--repeat', '3', '--reports-dir', 'tmp/r'], { repeat: 3, reportsDir: 'tmp/r' }],
    [['--help'], { help: true }],
    [['-h', '--bogus'], { help: true }],
    [['--', '--weird-name.yaml'], { scenario: '--weird-name.yaml' }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [['s.yaml', '--bogus'], /unknown option --bogus/],
    [[], /missing the scenario file/],
    [['a.yaml', 'b.yaml'], /one scenario file at a time/],
    [['s.yaml', '--target', 'nope'], /--target must be host:port/],
    [['s.yaml', '--duration', '10 seconds'], /--duration must be a positive duration/],
    [['s.yaml', '--duration', '0s'], /--duration must be a positive duration/],
    [['s.yaml', '--workers', '0'], /--workers must be an integer/],
    [['s.yaml', '--workers', '1.5'], /--workers must be an integer/],
    [['s.yaml', '--out'], /--out needs a value/],
    [['s.yaml', '--json=yes'], /--json takes no value/],
    [['s.yaml', '--fail-on-regression', '20'], /--fail-on-regression needs --baseline/],
    [['s.yaml', '--baseline', 'latest', '--fail-on-regression', '-5'], /--fail-on-regression must be a percent/],
    [['s.yaml', '--baseline', 'latest', '--fail-on-regression', 'lots'], /--fail-on-regression must be a percent/],
    [['s.yaml', '--repeat', '0'], /--repeat must be an integer from 1 to 100/],
    [['s.yaml', '--repeat', '101'], /--repeat must be an integer from 1 to 100/],
    [['s.yaml', '--baseline'], /--baseline needs a value/],
    [['s.yaml', '--json', '--repeat', '2'], /--json prints one results.json/],
  ])('%j → NMT_RUN_USAGE', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(expect.objectContaining({ code: RunErrorCode.USAGE, exitCode: 104 }));
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      parseArgs(['--bogus', '--workers', 'x', '--duration', 'y']);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message.split('\n')).toHaveLength(4);
    }
  });
});
