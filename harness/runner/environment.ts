/**
 * Where a run happened, for results.json: results from different machines
 * or revisions are not comparable, and the file should say so by itself.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';

/** The `environment` section of results.json. */
export interface Environment {
  node: string;
  platform: string;
  osRelease: string;
  arch: string;
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  hostname: string;
  /** `git rev-parse HEAD` of the project, null when not a git checkout or git is missing. */
  gitRevision: string | null;
  /** True when the checkout has uncommitted changes (null when unknown). */
  gitDirty: boolean | null;
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Describes this machine and the project checkout at `projectRoot`. */
export function collectEnvironment(projectRoot: string): Environment {
  const cpuList = cpus();
  const rev = git(['rev-parse', 'HEAD'], projectRoot);
  const status = rev === null ? null : git(['status', '--porcelain', '--untracked-files=no'], projectRoot);
  return {
    node: process.version,
    platform: platform(),
    osRelease: release(),
    arch: arch(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    totalMemoryBytes: totalmem(),
    hostname: hostname(),
    gitRevision: rev === '' ? null : rev,
    gitDirty: status === null ? null : status !== '',
  };
}

/** Name and version of the harness, from the project's package.json. */
export function readToolInfo(projectRoot: string): { name: string; version: string } {
  try {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { name?: string; version?: string };
    return { name: pkg.name ?? 'network-module-test', version: pkg.version ?? '0.0.0' };
  } catch {
    return { name: 'network-module-test', version: '0.0.0' };
  }
}
