import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { configProblems } from '../lib/config';
import { AppError } from '../lib/errors';

/**
 * Refuses to serve a production deployment that is missing secrets or still
 * uses the public development keys. Only `/api/health` answers, and it says
 * what is wrong.
 *
 * @example
 * app.use('/api/*', configGuard({ allow: ['/api/health'] }));
 */
export function configGuard(options: { allow: string[] }): MiddlewareHandler<AppEnv> {
  return async function configGuard(c, next) {
    if (options.allow.includes(c.req.path)) return next();
    if (configProblems(c.var.config).length > 0) {
      throw new AppError('unavailable', 'This deployment is not configured for production; see /api/health.');
    }
    await next();
  };
}
