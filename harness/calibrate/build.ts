/**
 * Builds the C reference programs with `calibration/build.sh` (system C
 * compiler, -O2, into calibration/build/, only what is out of date) and
 * returns their paths. The script's exit code says what happened:
 * 0 built or up to date, 3 no compiler (→ NMT_CAL_NO_COMPILER: skip
 * calibration with its message), anything else a failed compile
 * (→ NMT_CAL_BUILD_FAILED with the compiler's output).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { OutputTail } from '../runner/output-tail.ts';
import { CalibrationError, CalibrationErrorCode } from './errors.ts';

/** Paths of the built calibration programs. */
export interface CalibrationTools {
  pongServer: string;
  loadClient: string;
}

/** Options of {@link buildCalibrationTools}. */
export interface BuildOptions {
  /** Project root (where `calibration/` is). */
  projectRoot: string;
  /** Rebuild even when up to date. */
  force?: boolean;
  /** Environment of the build (e.g. `CC`); default this process's. */
  env?: NodeJS.ProcessEnv;
  /** Longest a build may take (ms). Default 120 s. */
  timeoutMs?: number;
}

/** Exit code of build.sh when no C compiler exists. */
export const NO_COMPILER_EXIT = 3;

/** Runs calibration/build.sh; resolves with the program paths or rejects with a {@link CalibrationError}. */
export async function buildCalibrationTools(options: BuildOptions): Promise<CalibrationTools> {
  const dir = join(options.projectRoot, 'calibration');
  const script = join(dir, 'build.sh');
  const out = new OutputTail(16 * 1024);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const code = await new Promise<number | string>((resolve) => {
    // /bin/sh by path: the environment given may have no PATH to find it.
    const child = spawn('/bin/sh', [script, ...(options.force === true ? ['--force'] : [])], {
      cwd: dir,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    out.follow(child.stdout).follow(child.stderr);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('timeout');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(`cannot run /bin/sh ${script}: ${err.message}`);
    });
    child.once('exit', (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? `killed by ${signal}`);
    });
  });
  const tail = out.text(40);
  if (code === 0) {
    return { pongServer: join(dir, 'build', 'pong-server'), loadClient: join(dir, 'build', 'load-client') };
  }
  if (code === NO_COMPILER_EXIT) {
    throw new CalibrationError(
      CalibrationErrorCode.NO_COMPILER,
      tail === '' ? 'calibration skipped: no C compiler found (install cc/gcc/clang or set CC)' : `calibration skipped: ${tail.replace(/^calibration: /, '')}`,
    );
  }
  const why = code === 'timeout' ? `did not finish within ${timeoutMs} ms` : typeof code === 'string' ? code : `exited with code ${code}`;
  throw new CalibrationError(
    CalibrationErrorCode.BUILD_FAILED,
    `building the calibration programs (sh ${script}) ${why}${tail === '' ? '' : `:\n${tail}`}`,
    tail === '' ? null : tail,
  );
}
