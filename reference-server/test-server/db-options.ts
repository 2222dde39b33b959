/**
 * TestServer's `--db host:port` address parsing (the flags themselves are in
 * cli-options.ts's OPTION_SPECS).
 */

/** Parses `host:port` (IPv6 as `[::1]:7100`); returns the problem text instead when invalid. */
export function parseDbAddress(value: string): { host: string; port: number } | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= 1 && port <= 65535)) {
    return `--db: expected host:port of a DBServer (for example 127.0.0.1:7100), got "${value}"`;
  }
  return { host: (m[1] ?? m[2])!, port };
}
