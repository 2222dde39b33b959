/**
 * Roles carried by a token's `role` claim and required by packets.
 *
 * A role is a short lowercase name. The registry compares it for equality
 * (no hierarchy): a packet registered with `{ role: 'admin' }` is only for
 * sessions whose token said `"role": "admin"`. Packets without a role are
 * open to every connected session, whatever its role.
 */

/** Roles the reference servers use. Others may be defined by applications. */
export const Role = {
  /** May send admin requests (ServerStatsReq 0x0200). */
  Admin: 'admin',
  /** A normal client; the default when a token has no role claim. */
  User: 'user',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** What a role name may look like: 1–32 of a-z, 0-9, `_`, `-`, starting with a letter. */
export const ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** True when `value` is a well-formed role name. */
export function isValidRole(value: unknown): value is string {
  return typeof value === 'string' && ROLE_PATTERN.test(value);
}
