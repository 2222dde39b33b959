/**
 * Helpers for the CLI and transport integration tests: run the CLI in-process
 * or as a child process, and start the TLS and secure-WebSocket TestServers
 * with throw-away certificates. Test code only.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeTestCertificates, type TestCertificates } from '../../fixtures/tls/make-certs.ts';
import { startQuietServer } from '../../reference-server/testing/server-fixture.ts';
import type { RunningTestServer } from '../../reference-server/test-server/app.ts';
import { runClientCli } from './cli-run.ts';

/** The repository root (the child process's working directory). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the CLI in this process; resolves with its exit code and output lines. */
export async function runInProcess(argv: string[], signal?: AbortSignal): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClientCli(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) }, signal);
  return { code, out, err };
}

/** Runs the CLI as `npx tsx harness/client/main.ts …`; resolves with exit code and output. */
export function runChild(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'harness/client/main.ts', ...argv], { cwd: ROOT, timeout: 45_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A TLS and a secure-WebSocket TestServer (path /game) sharing fresh certificates. */
export interface SecureServers {
  certs: TestCertificates;
  tls: RunningTestServer;
  wss: RunningTestServer;
  /** Shuts both servers down and deletes the certificates. */
  stop(): Promise<void>;
}

/** Starts {@link SecureServers} on 127.0.0.1, port 0 (needs openssl). */
export async function startSecureServers(): Promise<SecureServers> {
  const certs = makeTestCertificates();
  const material = { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) };
  const tls = await startQuietServer({ transport: { kind: 'tls', tls: material } });
  const wss = await startQuietServer({ transport: { kind: 'wss', tls: material, ws: { path: '/game' } } });
  const stop = async (): Promise<void> => {
    await tls.shutdown({ deadlineMs: 2000 });
    await wss.shutdown({ deadlineMs: 2000 });
    certs.remove();
  };
  return { certs, tls, wss, stop };
}
