/**
 * Finds a free loopback TCP port by binding port 0 and closing again. There
 * is a small window in which another process could take the port; callers
 * that start a server on it report the server's own bind error if so.
 */
import { createServer } from 'node:net';

/** A currently free port on `host` (default 127.0.0.1). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}
