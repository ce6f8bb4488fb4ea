import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../lib/errors';

/**
 * Refuses a request that relies on a cookie unless a browser says it comes
 * from one of our own origins. SameSite=Strict already keeps the cookie off
 * cross-site requests; this is the second lock, and it also covers sibling
 * subdomains, which count as "same site".
 *
 * Clients that are not browsers send neither header and cannot be tricked
 * into sending someone else's cookie, so they pass.
 */
export function assertSameOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header('origin');
  if (origin !== undefined) {
    if (!c.var.config.allowedOrigins.includes(origin)) {
      throw new AppError('forbidden', 'Cross-site requests cannot use the session cookie.');
    }
    return;
  }
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('forbidden', 'Cross-site requests cannot use the session cookie.');
  }
}
