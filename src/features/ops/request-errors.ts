import type { Context, ErrorHandler } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../lib/errors';
import { reportError, type WaitUntil } from './errors';
import { routeTemplate } from './metrics';

/**
 * Wraps the app's error handler: the answer is the same, and an unhandled
 * error (a 5xx that is not an `AppError` the code chose to throw) is also
 * reported, with the request id, the route template and the user id.
 *
 * @example
 * app.onError(reportingErrors(handleError));
 */
export function reportingErrors(handle: ErrorHandler<AppEnv>): ErrorHandler<AppEnv> {
  return async function reportingErrors(error, c) {
    const response = await handle(error, c);
    if (response.status >= 500 && !(error instanceof AppError)) {
      await reportError(c.env, executionContextOf(c), error, {
        source: 'fetch',
        route: `${c.req.method} ${routeTemplate(c)}`,
        requestId: c.var.requestId ?? null,
        userId: c.var.userId ?? null,
        request: c.req.raw,
      });
    }
    return response;
  };
}

/** `c.executionCtx`, which Hono throws for when the app is called without one (`app.request` in tests). */
function executionContextOf(c: Context<AppEnv>): WaitUntil | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
