/**
 * Where parts of a loaded scenario came from in its YAML, so checks made
 * after loading (the runner's catalogue check) report paths and lines the
 * same way the loader does. Keyed by object identity in a WeakMap: the
 * Scenario type stays plain data, and scenarios built in code simply have
 * no origin (lines are then null).
 */
import type { DocPath, LineOf } from './yaml-source.ts';

interface Origin {
  path: DocPath;
  lineOf: LineOf;
}

const origins = new WeakMap<object, Origin>();

/** Remembers that `value` was built from the YAML node at `path`. */
export function setOrigin(value: object, path: DocPath, lineOf: LineOf): void {
  origins.set(value, { path, lineOf });
}

/** The YAML path and line of `value` joined with `rest`, or null when unknown. */
export function originOf(value: object, rest: DocPath = []): { path: DocPath; line: number | null } | null {
  const o = origins.get(value);
  if (o === undefined) return null;
  const path = [...o.path, ...rest];
  return { path, line: o.lineOf(path) };
}
