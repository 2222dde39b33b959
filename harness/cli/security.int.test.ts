/**
 * The shipped transport and auth scenarios, end to end through the CLI: the
 * harness makes the run's certificate or signing key, starts the TestServer
 * with them, and the workers dial and sign accordingly. Thresholds are not
 * what is tested here (timings on a shared machine); the recorded figures are.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasOpenssl } from '../../fixtures/tls/make-certs.ts';
import { PROJECT_ROOT } from '../runner/coordinator.ts';
import { isAlive, readResults, runBench, serverPids } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'nmt-bench-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shipped = (name: string): string => join(PROJECT_ROOT, 'scenarios', name);

describe('shipped security scenarios (end to end)', () => {
  it.runIf(hasOpenssl())('tls-handshake.yaml: full TLS handshakes in a loop, tls.time recorded for each, certificates deleted after', async () => {
    const out = join(dir, 'tls');
    const r = await runBench([shipped('tls-handshake.yaml'), '--duration', '1500ms', '--out', out]);
    expect([0, 99], r.stderr + r.stdout).toContain(r.code);
    expect(r.stdout).toMatch(/TLS handshake\s+p50/);
    const res = readResults(out);
    const c = res.summary.overall.connections;
    expect(res.summary.overall.errors.count).toBe(0);
    expect(c.established).toBeGreaterThan(8);
    expect(c.tlsTime!.count).toBe(c.established);
    expect(c.handshakeTime.count).toBe(c.established);
    // connect.time runs to the end of TLS: each sample is at least its TLS part, so every quantile is too.
    expect(c.connectTime.p50).toBeGreaterThanOrEqual(c.tlsTime!.p50);
    expect(c.connectTime.max).toBeGreaterThanOrEqual(c.tlsTime!.max);
    expect(res.thresholds.find((t) => t.expr === 'tls.time.p99 < 100ms')?.measured).toBe(c.tlsTime!.p99);
    const certFlag = /--tls-cert (\S+)/.exec(res.run.servers[0]!.argv.join(' '));
    expect(certFlag).not.toBeNull();
    expect(existsSync(certFlag![1]!)).toBe(false);
    for (const pid of serverPids(r.stderr)) expect(isAlive(pid)).toBe(false);
  }, 120_000);

  it('auth.yaml: every VU signs its own token, the server verifies each login, admin stats answered', async () => {
    const out = join(dir, 'auth');
    const r = await runBench([shipped('auth.yaml'), '--duration', '1500ms', '--out', out]);
    expect([0, 99], r.stderr + r.stdout).toContain(r.code);
    expect(r.stderr).toMatch(/signing with a EdDSA key generated for this run/);
    const res = readResults(out);
    expect(res.summary.overall.errors.count).toBe(0);
    expect(res.summary.overall.connections.established).toBeGreaterThan(8);
    const stats = res.summary.overall.requests.find((q) => q.name === 'stats')!;
    expect(stats.responses).toBeGreaterThan(0);
    expect(res.run.servers[0]!.argv).toEqual(expect.arrayContaining(['--auth', 'jwt']));
  }, 120_000);

  it('--transport tcp runs the TLS scenario over plain TCP: no TLS times, no certificate flags', async () => {
    const out = join(dir, 'tcp');
    const r = await runBench([shipped('tls-handshake.yaml'), '--transport', 'tcp', '--duration', '1s', '--out', out]);
    expect([0, 99], r.stderr + r.stdout).toContain(r.code);
    const res = readResults(out);
    expect(res.summary.overall.connections.established).toBeGreaterThan(8);
    expect(res.summary.overall.connections.tlsTime!.count).toBe(0);
    expect(res.run.servers[0]!.argv.join(' ')).not.toMatch(/--tls-cert|--transport/);
  }, 120_000);
});
