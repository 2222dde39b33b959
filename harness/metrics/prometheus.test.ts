import { describe, expect, it } from 'vitest';
import { familyValue, parsePrometheusText } from './prometheus.ts';

const PAGE = `# HELP nmt_process_resident_memory_bytes Resident set size.
# TYPE nmt_process_resident_memory_bytes gauge
nmt_process_resident_memory_bytes 52428800
# TYPE nmt_process_cpu_seconds_total counter
nmt_process_cpu_seconds_total{mode="user"} 1.5
nmt_process_cpu_seconds_total{mode="system"} 0.25
nmt_packets_in_total{packet="PingReq",note="a \\"quoted\\" \\\\ value"} 42 1700000000000
weird line without value
nmt_inf +Inf
nmt_nan NaN
`;

describe('parsePrometheusText', () => {
  const samples = parsePrometheusText(PAGE);

  it('reads samples with labels and skips comments, junk and NaN', () => {
    expect(samples.map((s) => s.name)).toEqual([
      'nmt_process_resident_memory_bytes',
      'nmt_process_cpu_seconds_total',
      'nmt_process_cpu_seconds_total',
      'nmt_packets_in_total',
      'nmt_inf',
    ]);
    expect(samples[3]).toEqual({
      name: 'nmt_packets_in_total',
      labels: { packet: 'PingReq', note: 'a "quoted" \\ value' },
      value: 42,
    });
    expect(samples[4]!.value).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    ['process_resident_memory_bytes', 52428800],
    ['process_cpu_seconds_total', 1.75],
    ['nmt_process_cpu_seconds_total', 1.75],
    ['missing_metric', undefined],
  ])('familyValue(%s) = %s', (name, expected) => {
    expect(familyValue(samples, name)).toBe(expected);
  });

  it('prefers the exact family name over a prefixed one', () => {
    const s = parsePrometheusText('process_cpu_seconds_total 3\nnmt_process_cpu_seconds_total 9\n');
    expect(familyValue(s, 'process_cpu_seconds_total')).toBe(3);
  });
});
