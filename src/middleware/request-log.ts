import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import type { Config } from '../lib/config';

/** A request that took longer than this (wall time, mostly waiting on I/O) is logged whatever its status. */
export const SLOW_REQUEST_MS = 1000;

/**
 * One structured JSON line per request worth reading: with `REQUEST_LOG=refusals`
 * (the default), every answer of 400 or more and every slow one; with `all`, each
 * request. Workers Logs indexes JSON fields, so `status >= 500` or one `requestId`
 * can be queried without parsing text.
 *
 * Successful requests are already in the platform's invocation log (`[observability]`
 * in wrangler.toml: method, URL, status, duration). Writing a line for each of them
 * as well was the largest single CPU cost of a cheap request (profiled: 42 % of the
 * JavaScript time of `GET /api/meta`), so by default they are not repeated here.
 *
 * @example
 * app.use(requestLog());
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const started = performance.now();
    await next();
    logRequest(c.var.config.requestLog, {
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
export function logRequest(
  mode: Config['requestLog'],
  line: {
    method: string;
    path: string;
    status: number;
    /** `performance.now()` when the request arrived. */
    started: number;
    requestId: string;
    userId: string | null;
  },
): void {
  const { started, ...fields } = line;
  // Workers freeze timers during a request's I/O-free compute, so this is wall time
  // spent waiting on I/O plus whatever the clock was allowed to advance.
  const ms = Math.round(performance.now() - started);
  if (mode === 'refusals' && line.status < 400 && ms < SLOW_REQUEST_MS) return;
  console.log(JSON.stringify({ level: line.status >= 500 ? 'error' : 'info', msg: 'request', ...fields, ms }));
}
