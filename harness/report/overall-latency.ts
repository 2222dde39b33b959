/**
 * The corrected latency of all requests together, recomputed from the
 * per-request histograms of results.json: the HDR merge is exact, so this is
 * what a `latency.p99` threshold (no packet tag) saw.
 */
import { addEncoded, createMergeHistogram, summarizeHistogram, type HistogramSummary } from '../metrics/histogram.ts';
import type { HistogramSet } from '../runner/results.ts';

/** Merged corrected latency of every request of a histogram set; null when there were no samples. */
export function overallLatency(set: HistogramSet): HistogramSummary | null {
  const h = createMergeHistogram();
  try {
    for (const name of Object.keys(set.requests)) addEncoded(h, set.requests[name]!.latency);
    return h.totalCount === 0 ? null : summarizeHistogram(h);
  } finally {
    h.destroy();
  }
}
