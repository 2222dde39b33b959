import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Scenario } from '../scenario/types.ts';
import { groupHasLiveProcess, optionFlags, startEmbeddedServers } from './embedded-servers.ts';
import { PROJECT_ROOT } from './coordinator.ts';
import { RunErrorCode } from './errors.ts';
import { isAlive, waitFor } from '../cli/test-support.ts';
import { processTree } from '../metrics/server-monitor.ts';

function scenarioWith(server: Partial<Scenario['server']>): Scenario {
  return {
    source: '',
    server: { processes: 1, options: {}, command: null, readyTimeoutMs: 30_000, ...server },
  } as unknown as Scenario;
}

/** A tiny TCP server on the given port, as a `node -e` command. */
const LISTEN = "require('net').createServer((s) => s.end()).listen(Number(process.argv[1]), '127.0.0.1')";

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('optionFlags', () => {
  it.each([
    [{ maxSessions: 60000 }, ['--max-sessions', '60000']],
    [{ metrics: false, readyJson: true }, ['--no-metrics', '--ready-json']],
    [{ logLevel: 'debug' }, ['--log-level', 'debug']],
  ])('%j → %j', (options, flags) => {
    expect(optionFlags(options)).toEqual(flags);
  });
});

describe('startEmbeddedServers', () => {
  it('keeps a rate limit the scenario sets', async () => {
    const servers = await startEmbeddedServers(scenarioWith({ options: { rateLimitPerSecond: 500 } }), { projectRoot: PROJECT_ROOT });
    try {
      const argv = servers.servers[0]!.argv.join(' ');
      expect(argv).toContain('--rate-limit-per-second 500');
      expect(argv).not.toContain('--rate-limit-per-second 0');
    } finally {
      await servers.stop();
    }
  }, 60_000);

  it('starts TestServer processes on free ports, passes options, and stops them', async () => {
    const servers = await startEmbeddedServers(scenarioWith({ processes: 2, options: { maxSessions: 50 } }), { projectRoot: PROJECT_ROOT });
    try {
      expect(servers.servers).toHaveLength(2);
      const [a, b] = servers.servers;
      expect(a!.port).not.toBe(b!.port);
      expect(a!.metricsPort).toBeGreaterThan(0);
      expect(a!.argv).toEqual(expect.arrayContaining(['--max-sessions', '50', '--port', '0']));
      // No per-session rate cap unless the scenario sets one.
      expect(a!.argv.join(' ')).toContain('--rate-limit-per-second 0');
      expect(servers.endpoints).toEqual([
        { host: '127.0.0.1', port: a!.port },
        { host: '127.0.0.1', port: b!.port },
      ]);
      expect(await accepts(a!.port)).toBe(true);
    } finally {
      await servers.stop();
    }
    for (const s of servers.servers) expect(isAlive(s.pid)).toBe(false);
  }, 60_000);

  it('starts a command with {port} and waits until the port accepts connections', async () => {
    const servers = await startEmbeddedServers(
      scenarioWith({ command: [process.execPath, '-e', LISTEN, '{port}'], readyTimeoutMs: 10_000 }),
      { projectRoot: PROJECT_ROOT },
    );
    const [s] = servers.servers;
    expect(s!.kind).toBe('command');
    expect(s!.argv[3]).toBe(String(s!.port));
    expect(await accepts(s!.port)).toBe(true);
    await servers.stop();
    expect(isAlive(s!.pid)).toBe(false);
  }, 30_000);

  it('lets a wrapper command\'s children finish their cleanup after the leader exits (as stack.ts removes its data directory)', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'nmt-stop-')), 'cleaned');
    // The leader exits at once on SIGTERM; its child (same process group) needs 300 ms to clean up.
    const child = `const fs=require('fs');require('net').createServer((s)=>s.end()).listen(Number(process.argv[1]),'127.0.0.1');` +
      `process.on('SIGTERM',()=>setTimeout(()=>{fs.writeFileSync(process.argv[2],'ok');process.exit(0)},300))`;
    const leader = `const c=require('child_process').spawn(process.execPath,['-e',process.argv[1],process.argv[2],process.argv[3]],{stdio:'inherit'});` +
      `process.on('SIGTERM',()=>process.exit(0))`;
    const servers = await startEmbeddedServers(scenarioWith({ command: [process.execPath, '-e', leader, child, '{port}', marker], readyTimeoutMs: 10_000 }), {
      projectRoot: PROJECT_ROOT,
    });
    await servers.stop(5000);
    expect(existsSync(marker)).toBe(true);
    expect(groupHasLiveProcess(servers.servers[0]!.pid)).toBe(false);
    rmSync(dirname(marker), { recursive: true, force: true });
  }, 30_000);

  it('groupHasLiveProcess sees this process\'s own group, and not an unused one', () => {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(groupHasLiveProcess(pgid)).toBe(true);
    expect(groupHasLiveProcess(2 ** 22 + 12345)).toBe(false);
  });

  it('stops the whole process group of a wrapper command', async () => {
    // sh starts the real server as a child, like `npx tsx server.ts`.
    const script = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(LISTEN)} $0 & wait`;
    const servers = await startEmbeddedServers(scenarioWith({ command: ['sh', '-c', script, '{port}'], readyTimeoutMs: 10_000 }), {
      projectRoot: PROJECT_ROOT,
    });
    const tree = processTree(servers.servers[0]!.pid);
    expect(tree.length).toBeGreaterThanOrEqual(2);
    await servers.stop(2000);
    await waitFor(() => tree.every((pid) => !isAlive(pid)), 5000, 'the wrapper and its child to exit');
  }, 30_000);

  it.each([
    {
      what: 'exits before ready',
      command: [process.execPath, '-e', "process.stderr.write('boom: bad config\\n'); process.exit(3)"],
      code: RunErrorCode.SERVER_START,
      message: /exited with code 3 before port \d+ accepted connections; its last output:\nboom: bad config/,
    },
    {
      what: 'cannot be spawned',
      command: ['/nonexistent/server-binary'],
      code: RunErrorCode.SERVER_START,
      message: /could not be started \(spawn \/nonexistent\/server-binary ENOENT\)/,
    },
    {
      what: 'never listens',
      command: [process.execPath, '-e', "console.error('starting...'); setInterval(() => {}, 1000)"],
      code: RunErrorCode.SERVER_TIMEOUT,
      message: /did not accept connections on port \d+ within 1500 ms \(server\.readyTimeout\); its last output:\nstarting\.\.\./,
    },
  ])('a command that $what → $code with its stderr tail', async ({ command, code, message }) => {
    const err = await startEmbeddedServers(scenarioWith({ command, readyTimeoutMs: 1500 }), { projectRoot: PROJECT_ROOT }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code, exitCode: 105 });
    expect((err as Error).message).toMatch(message);
  }, 30_000);

  it('a TestServer that rejects its options fails with its own message', async () => {
    const err = await startEmbeddedServers(scenarioWith({ options: { noSuchOption: 1 } }), { projectRoot: PROJECT_ROOT }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: RunErrorCode.SERVER_START });
    expect((err as Error).message).toMatch(/unknown flag --no-such-option/);
  }, 60_000);

  it('reports a server that dies during the run', async () => {
    const exits: string[] = [];
    const servers = await startEmbeddedServers(
      scenarioWith({ command: [process.execPath, '-e', `${LISTEN}; setTimeout(() => { console.error('dying'); process.exit(7) }, 300)`, '{port}'], readyTimeoutMs: 10_000 }),
      { projectRoot: PROJECT_ROOT, onUnexpectedExit: (info, code, _signal, tail) => exits.push(`${info.pid}:${code}:${tail}`) },
    );
    await waitFor(() => exits.length === 1, 10_000, 'the exit report');
    expect(exits[0]).toBe(`${servers.servers[0]!.pid}:7:dying`);
    await servers.stop();
  }, 30_000);
});
