import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { verifyAccessToken } from '../features/auth/access-token';
import { isSessionRevoked } from '../features/auth/revocation';
import { hasRole } from '../features/users/users.service';
import { AppError } from '../lib/errors';

function bearerToken(c: Context<AppEnv>): string | null {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/**
 * Verifies the access token and that its session has not been ended, then
 * sets `userId` and `sessionId`. The revocation check is one KV read: logout,
 * password changes and deactivation take effect on the next request.
 */
async function authenticate(c: Context<AppEnv>, token: string): Promise<void> {
  const claims = await verifyAccessToken(c.var.config, token);
  if (await isSessionRevoked(c.env.KV, claims.sessionId)) {
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
export function requireAuth(): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    const token = bearerToken(c);
    if (!token) throw new AppError('unauthorized', 'Sign in: send Authorization: Bearer <access token>.');
    await authenticate(c, token);
    await next();
  };
}

/** Authenticates when a token is present and valid; otherwise the request goes on anonymous. */
export function optionalAuth(): MiddlewareHandler<AppEnv> {
  return async function optionalAuth(c, next) {
    const token = bearerToken(c);
    if (token) {
      try {
        await authenticate(c, token);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
      }
    }
    await next();
  };
}

/**
 * Requires a role, read from D1 on every request so a role change takes
 * effect at once. Use after `requireAuth`.
 *
 * @example
 * app.use('/api/admin/*', requireAuth(), requireRole('admin'));
 */
export function requireRole(role: string): MiddlewareHandler<AppEnv> {
  return async function requireRole(c, next) {
    const userId = c.var.userId;
    if (!userId) throw new AppError('unauthorized', 'Sign in first.');
    if (!(await hasRole(c.var.db, userId, role))) throw new AppError('forbidden', `This needs the ${role} role.`);
    await next();
  };
}

/** The signed-in user's id; for handlers behind `requireAuth`. */
export function currentUserId(c: Context<AppEnv>): string {
  const userId = c.var.userId;
  if (!userId) throw new AppError('unauthorized', 'Sign in first.');
  return userId;
}
