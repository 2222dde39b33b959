import { describe, expect, it } from 'vitest';
import { ROLE_PATTERN, Role, isValidRole } from './roles.ts';

describe('roles', () => {
  it.each([
    ['admin', true],
    ['user', true],
    ['db-link_2', true],
    ['a', true],
    ['x'.repeat(32), true],
    ['x'.repeat(33), false],
    ['', false],
    ['Admin', false],
    ['2fa', false],
    ['admin user', false],
    ['admin\n', false],
    [42, false],
    [null, false],
  ])('%j is a valid role: %s', (value, valid) => {
    expect(isValidRole(value)).toBe(valid);
  });

  it('the built-in roles are valid', () => {
    for (const r of Object.values(Role)) expect(r).toMatch(ROLE_PATTERN);
  });
});
