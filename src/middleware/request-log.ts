import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

/**
 * One structured JSON line per request. Workers Logs indexes JSON fields, so
 * `status >= 500` or one `requestId` can be queried without parsing text.
 *
 * @example
 * app.use(requestLog());
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const started = performance.now();
    await next();
    logRequest({
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      started,
      requestId: c.var.requestId,
      userId: c.var.userId ?? null,
    });
  };
}

/** The request line itself, for paths answered outside the Hono app too (socket upgrades). */
export function logRequest(line: {
  method: string;
  path: string;
  status: number;
  /** `performance.now()` when the request arrived. */
  started: number;
  requestId: string;
  userId: string | null;
}): void {
  const { started, ...fields } = line;
  console.log(
    JSON.stringify({
      level: line.status >= 500 ? 'error' : 'info',
      msg: 'request',
      ...fields,
      // Workers freeze timers during a request's I/O-free compute, so this is wall time
      // spent waiting on I/O plus whatever the clock was allowed to advance.
      ms: Math.round(performance.now() - started),
    }),
  );
}
