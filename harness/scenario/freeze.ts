/** Deep freezing of the validated scenario: nothing downstream may change it. */

/** Freezes `value` and everything reachable from it; returns it typed as deeply readonly-in-practice. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
