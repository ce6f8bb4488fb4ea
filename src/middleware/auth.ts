import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { verifyAccessToken } from '../features/auth/access-token';
import { isSessionRevoked } from '../features/auth/revocation';
import type { Permission } from '../features/roles/permissions';
import { loadPermissions } from '../features/roles/user-permissions';
import { findSignedInUser } from '../features/users/user-access';
import { AppError } from '../lib/errors';

function bearerToken(c: Context<AppEnv>): string | null {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}

export interface AuthOptions {
  /**
   * For routes that need the signed-in account anyway: read it, with its roles and
   * permissions, in the same D1 query that checks the session has not ended, instead
   * of the KV revocation read. One query in all, and the handler finds the account in
   * `c.var.signedInUser`.
   */
  withUser?: boolean;
}

/**
 * Verifies the access token and that its session has not been ended, then
 * sets `userId` and `sessionId`. The revocation check is one KV read (or, with
 * `withUser`, part of the account's D1 query): logout, password changes and
 * deactivation take effect on the next request.
 */
async function authenticate(c: Context<AppEnv>, token: string, options: AuthOptions): Promise<void> {
  const claims = await verifyAccessToken(c.var.config, token);
  if (options.withUser) {
    const found = await findSignedInUser(c.var.db, claims.userId, claims.sessionId);
    if (!found) throw new AppError('unauthorized', 'This session has ended; sign in again.');
    c.set('signedInUser', found);
    c.set('permissions', found.permissions);
  } else if (await isSessionRevoked(c.env.KV, claims.sessionId)) {
    throw new AppError('unauthorized', 'This session has ended; sign in again.');
  }
  c.set('userId', claims.userId);
  c.set('sessionId', claims.sessionId);
}

/**
 * Refuses the request with 401 unless it carries a valid access token.
 *
 * @example
 * app.use('/api/users/*', requireAuth());
 */
export function requireAuth(options: AuthOptions = {}): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    const token = bearerToken(c);
    if (!token) throw new AppError('unauthorized', 'Sign in: send Authorization: Bearer <access token>.');
    await authenticate(c, token, options);
    await next();
  };
}

/** Authenticates when a token is present and valid; otherwise the request goes on anonymous. */
export function optionalAuth(): MiddlewareHandler<AppEnv> {
  return async function optionalAuth(c, next) {
    const token = bearerToken(c);
    if (token) {
      try {
        await authenticate(c, token, {});
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
      }
    }
    await next();
  };
}

/**
 * What the signed-in user may do, read from D1 on the request's first ask and
 * kept on the context for the rest of it: a role or permission change holds
 * from the user's next request, with the token they already have.
 */
export async function permissionsOf(c: Context<AppEnv>): Promise<ReadonlySet<Permission>> {
  const cached = c.var.permissions;
  if (cached) return cached;
  const permissions = await loadPermissions(c.var.db, currentUserId(c));
  c.set('permissions', permissions);
  return permissions;
}

/** Whether the signed-in user holds `permission`; for checks inside a handler. */
export async function hasPermission(c: Context<AppEnv>, permission: Permission): Promise<boolean> {
  return (await permissionsOf(c)).has(permission);
}

/**
 * Requires a permission from the catalogue (src/features/roles/permissions.ts),
 * never a role name: the built-in admin role holds every permission, custom
 * roles the ones chosen for them. Use after `requireAuth`; 403 `forbidden` without it.
 *
 * @example
 * middleware: [requireAuth(), requirePermission('users.manage')] as const
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function requirePermission(c, next) {
    if (!(await hasPermission(c, permission))) {
      throw new AppError('forbidden', `This needs the ${permission} permission.`);
    }
    await next();
  };
}

/** The signed-in user's id; for handlers behind `requireAuth`. */
export function currentUserId(c: Context<AppEnv>): string {
  const userId = c.var.userId;
  if (!userId) throw new AppError('unauthorized', 'Sign in first.');
  return userId;
}
