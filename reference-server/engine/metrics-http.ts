/**
 * The observability endpoint (node:http):
 *   GET /metrics  Prometheus text format, rendered on each scrape
 *   GET /healthz  200 {"status":"ok",...} while listening,
 *                 503 {"status":"shutting_down",...} during shutdown
 * Anything else is 404; methods other than GET/HEAD are 405.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { listenError } from './errors.ts';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.ts';

/** What the endpoint serves; implemented by the engine. */
export interface MetricsSource {
  renderMetrics(): string;
  /** `healthy` false turns /healthz into a 503. */
  health(): { healthy: boolean; body: Record<string, unknown> };
}

/** A running metrics endpoint. */
export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  /** Closes the listener and every open keep-alive connection. */
  close(): Promise<void>;
}

const kSource = Symbol('nmt.metricsSource');
type TaggedServer = http.Server & { [kSource]: MetricsSource };

function onRequest(this: TaggedServer, req: http.IncomingMessage, res: http.ServerResponse): void {
  const source = this[kSource];
  const path = (req.url ?? '/').split('?', 1)[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
    return;
  }
  try {
    if (path === '/metrics') {
      const body = source.renderMetrics();
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (path === '/healthz') {
      const h = source.health();
      res.writeHead(h.healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(h.body));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  } catch (err) {
    // A rendering bug must not take the server down; report it to the scraper.
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

function onClientError(err: Error, socket: Duplex): void {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  else socket.destroy(err);
}

/**
 * Starts the endpoint. Rejects with a ServerListenError (role `metrics`)
 * naming the address when the port cannot be bound.
 */
export function startMetricsServer(
  host: string,
  port: number,
  source: MetricsSource,
  onError: (err: Error) => void,
): Promise<MetricsServer> {
  const server = http.createServer({ keepAliveTimeout: 5000 }) as TaggedServer;
  server[kSource] = source;
  server.on('request', onRequest);
  server.on('clientError', onClientError);
  return new Promise<MetricsServer>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, host, port, 'metrics')));
    server.listen({ host, port }, () => {
      server.removeAllListeners('error');
      // Errors after listen (rare: EMFILE on accept) are logged, never thrown.
      server.on('error', onError);
      const info = server.address() as AddressInfo;
      resolve({
        host: info.address,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
