/**
 * Errors of the metrics area. Each carries a stable `code`; callers and tests
 * match on it, never on the message.
 *
 * | code                              | when                                                        |
 * |-----------------------------------|-------------------------------------------------------------|
 * | NMT_METRICS_HISTOGRAM_INVALID     | an encoded histogram in a delta or results file is corrupt   |
 * | NMT_METRICS_DELTA_INVALID         | a worker delta does not have the expected shape or version   |
 * | NMT_METRICS_SCRAPE_FAILED         | a server's Prometheus endpoint could not be read             |
 */
export const MetricsErrorCode = {
  HISTOGRAM_INVALID: 'NMT_METRICS_HISTOGRAM_INVALID',
  DELTA_INVALID: 'NMT_METRICS_DELTA_INVALID',
  SCRAPE_FAILED: 'NMT_METRICS_SCRAPE_FAILED',
} as const;
export type MetricsErrorCode = (typeof MetricsErrorCode)[keyof typeof MetricsErrorCode];

/** An error of the metrics pipeline. */
export class MetricsError extends Error {
  readonly code: MetricsErrorCode;

  constructor(code: MetricsErrorCode, message: string) {
    super(message);
    this.name = 'MetricsError';
    this.code = code;
  }
}
