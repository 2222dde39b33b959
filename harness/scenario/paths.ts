/** Files a scenario names: paths relative to the scenario file, and why one cannot be used. */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** `p` resolved against the scenario's directory (absolute paths stay as they are). */
export function resolveFrom(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

/** Why `file` cannot be read as a file, or null when it can. */
export function fileProblem(file: string): string | null {
  try {
    return statSync(file).isFile() ? null : 'is not a file';
  } catch {
    return 'does not exist or cannot be read';
  }
}
