/** Authentication and authorization: JWT verification (jose), key sets by kid, roles. */
export * from './errors.ts';
export * from './roles.ts';
export * from './key-set.ts';
export * from './jwt-authenticator.ts';
