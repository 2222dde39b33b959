/**
 * Helpers for the CLI integration tests: run `harness/cli/main.ts` as a real
 * child process (node --import tsx, so its PID is the CLI itself and signals
 * reach it directly), write scenarios into a temp dir, and inspect processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../runner/coordinator.ts';
import { processTree } from '../metrics/server-monitor.ts';
import type { ResultsV1 } from '../runner/results.ts';

/** The outcome of a CLI process. */
export interface BenchExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process. */
export interface BenchProcess {
  child: ChildProcess;
  /** stderr so far (progress and [bench] log lines). */
  stderr(): string;
  done: Promise<BenchExit>;
}

/** Starts `npm run bench -- …args` as `node --import tsx harness/cli/main.ts …args`. */
export function startBench(args: string[]): BenchProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'harness', 'cli', 'main.ts'), ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<BenchExit>((resolve) => {
    child.once('exit', (code, signal) => {
      // Let the pipes drain before reporting.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
  return { child, stderr: () => stderr, done };
}

/** Runs the CLI to completion. */
export function runBench(args: string[]): Promise<BenchExit> {
  return startBench(args).done;
}

/** Writes a scenario YAML file into `dir`; returns its path. */
export function writeScenario(dir: string, name: string, yaml: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, yaml);
  return p;
}

/** Parsed results.json from a directory. */
export function readResults(dir: string): ResultsV1 {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsV1;
}

/** True while a process with this PID exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** PIDs of the worker processes under a CLI process. */
export function workerPids(cliPid: number): number[] {
  return processTree(cliPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker-main.ts');
    } catch {
      return false;
    }
  });
}

/** Polls `predicate` every 100 ms until true; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Server PIDs announced on stderr (`server pid N ready`). */
export function serverPids(stderr: string): number[] {
  return [...stderr.matchAll(/server pid (\d+) ready/g)].map((m) => Number(m[1]));
}
