/**
 * TestServer `/metrics` families of its DBServer client and session log
 * (present only with `--db`). Plain counters, read on scrape.
 */
import type { MetricFamily } from '../engine/index.ts';
import type { DbClient } from './db-client.ts';
import type { SessionLogForwarder } from './db-session-log.ts';

/** Families for one scrape. */
export function dbClientMetricFamilies(db: DbClient, log: SessionLogForwarder | null): MetricFamily[] {
  const s = db.stats;
  const out: MetricFamily[] = [
    { name: 'nmt_dbclient_links_up', type: 'gauge', help: 'links to DBServer handshaken and usable', samples: [{ value: s.linksUp }] },
    { name: 'nmt_dbclient_in_flight', type: 'gauge', help: 'DBServer requests waiting for an answer', samples: [{ value: s.inFlight }] },
    { name: 'nmt_dbclient_requests_total', type: 'counter', help: 'requests sent to DBServer', samples: [{ value: s.sent }] },
    { name: 'nmt_dbclient_answered_total', type: 'counter', help: 'DbRes received in time', samples: [{ value: s.answered }] },
    {
      name: 'nmt_dbclient_failures_total',
      type: 'counter',
      help: 'requests answered locally, by reason (timeout, unavailable, overloaded)',
      samples: [
        { labels: { reason: 'timeout' }, value: s.timeouts },
        { labels: { reason: 'unavailable' }, value: s.unavailable },
        { labels: { reason: 'overloaded' }, value: s.overloaded },
      ],
    },
    { name: 'nmt_dbclient_reconnects_total', type: 'counter', help: 'link reconnect attempts', samples: [{ value: s.reconnects }] },
  ];
  if (log !== null) {
    out.push(
      { name: 'nmt_session_log_stored_total', type: 'counter', help: 'session-log entries DBServer accepted', samples: [{ value: log.stats.stored }] },
      { name: 'nmt_session_log_dropped_total', type: 'counter', help: 'session-log entries dropped (queue bound, or refused as invalid)', samples: [{ value: log.stats.dropped }] },
      { name: 'nmt_session_log_pending', type: 'gauge', help: 'session-log entries waiting to be sent', samples: [{ value: log.pending }] },
    );
  }
  return out;
}
