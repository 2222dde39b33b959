import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { ProcProbe, PrometheusProbe, ServerMonitor, processTree, readProc } from './server-monitor.ts';

describe('ProcProbe', () => {
  let parent: ChildProcess;
  let grandchild = 0;

  beforeAll(async () => {
    // A wrapper process whose child holds ~40 MB, like `npx tsx server.ts`.
    const inner = "const b = Buffer.alloc(40 * 1024 * 1024, 1); console.log(process.pid); setInterval(() => b[0]++, 1000);";
    const outer = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(inner)}], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);`;
    parent = spawn(process.execPath, ['-e', outer], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
    grandchild = Number(chunk.toString().trim());
  });

  afterAll(() => {
    if (grandchild > 0) process.kill(grandchild, 'SIGKILL');
    parent.kill('SIGKILL');
  });

  it('finds the descendants of a process', () => {
    expect(processTree(parent.pid!)).toContain(grandchild);
  });

  it('sums RSS over the process tree', async () => {
    const own = readProc(parent.pid!)!;
    const tree = await new ProcProbe(parent.pid!).read();
    expect(tree).not.toBeNull();
    expect(tree!.rssBytes).toBeGreaterThan(own.rssBytes + 30 * 1024 * 1024);
    expect(tree!.cpuSeconds).toBeGreaterThanOrEqual(own.cpuSeconds);
  });

  it('yields null with a reason for a process that does not exist', async () => {
    const p = new ProcProbe(0x3fffffff);
    expect(await p.read()).toBeNull();
    expect(p.lastError).toMatch(/gone/);
  });

  it('ServerMonitor reports RSS and a CPU percent after a baseline', async () => {
    const m = new ServerMonitor([new ProcProbe(parent.pid!)]);
    await m.baseline();
    await new Promise((r) => setTimeout(r, 200));
    const s = await m.sample(1234);
    expect(s).not.toBeNull();
    expect(s!.atMs).toBe(1234);
    expect(s!.rssBytes).toBeGreaterThan(30 * 1024 * 1024);
    expect(s!.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(s!.cpuPercent).toBeLessThan(400);
  });
});

describe('PrometheusProbe', () => {
  let server: Server;
  let base = '';
  let cpu = 1;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/metrics') {
        cpu += 0.5;
        res.end(`nmt_process_resident_memory_bytes 1000\nnmt_process_cpu_seconds_total{mode="user"} ${cpu}\n`);
      } else if (req.url === '/empty') {
        res.end('# nothing here\n');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.close();
  });

  it('reads the prefixed process metrics', async () => {
    const r = await new PrometheusProbe(`${base}/metrics`).read();
    expect(r).toEqual({ rssBytes: 1000, cpuSeconds: cpu });
  });

  it.each([
    ['/nope', /HTTP 404/],
    ['/empty', /no process_resident_memory_bytes/],
  ])('%s → null with reason', async (path, reason) => {
    const p = new PrometheusProbe(`${base}${path}`);
    expect(await p.read()).toBeNull();
    expect(p.lastError).toMatch(reason);
  });

  it('a refused connection → null with reason, and the monitor lists it', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const m = new ServerMonitor([new PrometheusProbe(`http://127.0.0.1:${port}/metrics`)]);
    expect(await m.sample(0)).toBeNull();
    expect(m.errors()).toEqual([expect.stringMatching(/cannot scrape/)]);
  });
});
