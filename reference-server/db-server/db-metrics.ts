/**
 * DBServer metric families for `/metrics`, built from the storage's stats.
 *
 * `storage.stats()` is async (SQLite's write queue and MariaDB's pool answer
 * through promises) while the engine's metrics providers are synchronous, so
 * a refresher keeps the last snapshot (default every 1 s, unref'd timer) and
 * the provider renders that: a scrape sees stats at most one interval old.
 * Label values come from fixed sets (statement kinds, operations), never
 * from peer input.
 */
import type { MetricFamily, MetricSample } from '../engine/index.ts';
import { OPERATION_NAMES, STATEMENT_KINDS, type LatencySummary, type Storage, type StorageStats } from './storage/index.ts';
import type { DbServerCounters } from './request-handlers.ts';

function quantiles(l: LatencySummary, labels: Record<string, string>): MetricSample[] {
  return [
    { labels: { ...labels, quantile: '0.5' }, value: l.p50 },
    { labels: { ...labels, quantile: '0.99' }, value: l.p99 },
    { labels: { ...labels, quantile: '1' }, value: l.max },
  ];
}

/** Metric families for one stats snapshot plus the network counters. */
export function dbMetricFamilies(stats: StorageStats | null, counters: DbServerCounters): MetricFamily[] {
  const out: MetricFamily[] = [
    {
      name: 'nmt_db_requests_total',
      type: 'counter',
      help: 'server-to-server requests received, by operation',
      samples: Object.entries(counters.requests).map(([op, value]) => ({ labels: { op }, value })),
    },
    {
      name: 'nmt_db_request_failures_total',
      type: 'counter',
      help: 'server-to-server requests answered with a status other than Ok, by operation',
      samples: Object.entries(counters.failures).map(([op, value]) => ({ labels: { op }, value })),
    },
    { name: 'nmt_db_requests_in_flight', type: 'gauge', help: 'requests waiting for the database now', samples: [{ value: counters.inFlight }] },
    { name: 'nmt_db_requests_late_total', type: 'counter', help: 'requests answered after the caller\'s deadline', samples: [{ value: counters.late }] },
  ];
  if (stats === null) return out;
  const kinds = STATEMENT_KINDS.map((k) => [k, stats.statements[k]] as const);
  out.push(
    { name: 'nmt_db_statements_total', type: 'counter', help: 'statements executed, by kind', samples: kinds.map(([kind, s]) => ({ labels: { kind }, value: s.count })) },
    { name: 'nmt_db_statement_errors_total', type: 'counter', help: 'statements that failed, by kind', samples: kinds.map(([kind, s]) => ({ labels: { kind }, value: s.errors })) },
    { name: 'nmt_db_statement_rows_total', type: 'counter', help: 'rows returned or changed, by statement kind', samples: kinds.map(([kind, s]) => ({ labels: { kind }, value: s.rows })) },
    { name: 'nmt_db_statement_latency_us', type: 'gauge', help: 'statement latency in µs (p50, p99, max), by kind', samples: kinds.flatMap(([kind, s]) => quantiles(s.latencyMicros, { kind })) },
    {
      name: 'nmt_db_operation_latency_us',
      type: 'gauge',
      help: 'storage operation latency in µs (p50, p99, max), by operation',
      samples: OPERATION_NAMES.flatMap((op) => quantiles(stats.operations[op].latencyMicros, { op })),
    },
    { name: 'nmt_db_pool_in_use', type: 'gauge', help: 'connections in use (SQLite: the writer)', samples: [{ value: stats.pool.inUse }] },
    { name: 'nmt_db_pool_idle', type: 'gauge', help: 'idle connections', samples: [{ value: stats.pool.idle }] },
    { name: 'nmt_db_pool_waiting', type: 'gauge', help: 'requests waiting for a connection or the next group commit', samples: [{ value: stats.pool.waiting }] },
    { name: 'nmt_db_pool_acquire_wait_us', type: 'gauge', help: 'wait for a connection in µs (p50, p99, max)', samples: quantiles(stats.pool.acquireWaitMicros, {}) },
    { name: 'nmt_db_up', type: 'gauge', help: '1 while the database is reachable', samples: [{ value: stats.state === 'up' ? 1 : 0 }] },
    {
      name: 'nmt_db_errors_total',
      type: 'counter',
      help: 'failed storage operations by error code',
      // Codes are the storage layer's fixed NMT_DB_* set.
      samples: Object.entries(stats.errorsByCode).map(([code, value]) => ({ labels: { code }, value })),
    },
  );
  return out;
}

/** Keeps the last storage stats snapshot fresh for the synchronous metrics provider. */
export class StatsRefresher {
  latest: StorageStats | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly storage: Storage,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Takes a first snapshot, then one per interval. */
  start(): void {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private refresh(): void {
    if (this.busy) return;
    this.busy = true;
    this.storage.stats().then(
      (s) => {
        this.latest = s;
        this.busy = false;
      },
      (err: unknown) => {
        this.busy = false;
        this.onError(err);
      },
    );
  }
}
