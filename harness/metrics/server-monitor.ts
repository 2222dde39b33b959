/**
 * Server resource monitoring, sampled once a second by the coordinator:
 *
 * - {@link ProcProbe}: a server process the harness started. Reads
 *   `/proc/<pid>/stat` (utime + stime) and `/proc/<pid>/status` (VmRSS) of
 *   the process and all its descendants — a `server.command` like
 *   `npx tsx server.ts` is a wrapper whose real server is a grandchild.
 * - {@link PrometheusProbe}: a target with a metrics URL. Scrapes
 *   `process_resident_memory_bytes` and `process_cpu_seconds_total` (or the
 *   same names with a prefix, as the reference server's `nmt_process_*`).
 *
 * CPU percent is the CPU-seconds delta between two samples over the wall
 * time between them (100 % = one core busy). Probes never throw: a failed
 * read yields null and the first failure's reason is kept for a warning.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { familyValue, parsePrometheusText } from './prometheus.ts';
import type { ServerSample } from './metric-query.ts';

/** A point-in-time reading: resident memory and cumulative CPU seconds. */
export interface ResourceReading {
  rssBytes: number;
  cpuSeconds: number;
}

/** Something that can read a server's resources. */
export interface ResourceProbe {
  /** Human-readable name for warnings ("pid 1234", "http://…/metrics"). */
  readonly label: string;
  /** Reads the resources; null when unavailable (process gone, scrape failed). */
  read(): Promise<ResourceReading | null>;
  /** Why the last read failed, if it did. */
  readonly lastError: string | null;
}

let clockTicks: number | null = null;

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on virtually every Linux). */
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim());
      clockTicks = Number.isFinite(v) && v > 0 ? v : 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Direct children of a process, from every thread's `children` file. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text !== '') for (const c of text.split(/\s+/)) out.push(Number(c));
    } catch {
      // The thread exited meanwhile.
    }
  }
  return out;
}

/** The process and all its descendants (bounded: a runaway fork tree cannot loop us). */
export function processTree(pid: number, limit = 256): number[] {
  const seen = new Set<number>([pid]);
  const queue = [pid];
  while (queue.length > 0 && seen.size < limit) {
    for (const c of childrenOf(queue.shift()!)) {
      if (!seen.has(c)) {
        seen.add(c);
        queue.push(c);
      }
    }
  }
  return [...seen];
}

/** Reads one process: RSS from status, CPU from stat. Null if it is gone. */
export function readProc(pid: number): ResourceReading | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    const ticks = Number(rest[11]) + Number(rest[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    // Zombies and kernel threads have no VmRSS.
    const rssBytes = m === null ? 0 : Number(m[1]) * 1024;
    return { rssBytes, cpuSeconds: ticks / ticksPerSecond() };
  } catch {
    return null;
  }
}

/** Reads a process tree the harness started, through /proc. */
export class ProcProbe implements ResourceProbe {
  readonly label: string;
  lastError: string | null = null;
  private readonly pid: number;

  constructor(pid: number) {
    this.pid = pid;
    this.label = `pid ${pid}`;
  }

  async read(): Promise<ResourceReading | null> {
    const root = readProc(this.pid);
    if (root === null) {
      this.lastError = `process ${this.pid} is gone or /proc/${this.pid} is unreadable`;
      return null;
    }
    let rssBytes = root.rssBytes;
    let cpuSeconds = root.cpuSeconds;
    for (const pid of processTree(this.pid)) {
      if (pid === this.pid) continue;
      const r = readProc(pid);
      if (r === null) continue;
      rssBytes += r.rssBytes;
      cpuSeconds += r.cpuSeconds;
    }
    return { rssBytes, cpuSeconds };
  }
}

/** Scrapes a Prometheus `/metrics` URL. */
export class PrometheusProbe implements ResourceProbe {
  readonly label: string;
  lastError: string | null = null;
  private readonly url: string;
  private readonly timeoutMs: number;

  /** @param timeoutMs per-scrape timeout (default 800 ms: a sample each second must not pile up) */
  constructor(url: string, timeoutMs = 800) {
    this.url = url;
    this.label = url;
    this.timeoutMs = timeoutMs;
  }

  async read(): Promise<ResourceReading | null> {
    try {
      const res = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) {
        this.lastError = `GET ${this.url} answered HTTP ${res.status}`;
        return null;
      }
      const samples = parsePrometheusText(await res.text());
      const rssBytes = familyValue(samples, 'process_resident_memory_bytes');
      const cpuSeconds = familyValue(samples, 'process_cpu_seconds_total');
      if (rssBytes === undefined || cpuSeconds === undefined) {
        this.lastError =
          `${this.url} has no process_resident_memory_bytes / process_cpu_seconds_total ` +
          `(nor *_process_… variants): server.rss and server.cpu are not measured`;
        return null;
      }
      return { rssBytes, cpuSeconds };
    } catch (err) {
      this.lastError = `cannot scrape ${this.url}: ${(err as Error).message}`;
      return null;
    }
  }
}

/** Samples a set of probes and sums them into one {@link ServerSample}. */
export class ServerMonitor {
  private readonly probes: ResourceProbe[];
  private readonly last = new Map<ResourceProbe, { at: number; cpuSeconds: number }>();

  constructor(probes: ResourceProbe[]) {
    this.probes = probes;
  }

  get size(): number {
    return this.probes.length;
  }

  /** Reasons probes failed (for warnings), deduplicated. */
  errors(): string[] {
    return [...new Set(this.probes.map((p) => p.lastError).filter((e): e is string => e !== null))];
  }

  /** Takes the CPU baseline; call before the run so the first sample has a CPU figure. */
  async baseline(): Promise<void> {
    await this.sample(0);
  }

  /**
   * Reads every probe; returns the sum (RSS, CPU%) at `atMs`, or null when
   * no probe could be read. A probe read for the first time contributes its
   * RSS but no CPU (it has no previous reading to diff against).
   */
  async sample(atMs: number): Promise<ServerSample | null> {
    const readings = await Promise.all(this.probes.map((p) => p.read()));
    const now = performance.now();
    let any = false;
    let rssBytes = 0;
    let cpuPercent = 0;
    for (let i = 0; i < this.probes.length; i++) {
      const r = readings[i];
      if (r === null || r === undefined) continue;
      any = true;
      rssBytes += r.rssBytes;
      const probe = this.probes[i]!;
      const prev = this.last.get(probe);
      if (prev !== undefined && now > prev.at) {
        cpuPercent += Math.max(0, ((r.cpuSeconds - prev.cpuSeconds) / ((now - prev.at) / 1000)) * 100);
      }
      this.last.set(probe, { at: now, cpuSeconds: r.cpuSeconds });
    }
    return any ? { atMs, rssBytes, cpuPercent: Math.round(cpuPercent * 10) / 10 } : null;
  }
}
