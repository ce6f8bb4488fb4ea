import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

/**
 * The headers every response of the worker carries, whichever path made it:
 * Hono routes, raw `Response`s streamed from R2, thrown errors, and the
 * websocket refusals answered before the app. One list, applied in one way.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'DENY',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
  // API responses are data, never documents: nothing may load from them or frame them.
  // The few HTML routes (docs, share pages) and file downloads set their own policy.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

const SECURITY_ENTRIES = Object.entries(SECURITY_HEADERS);
/**
 * The security headers a route may set itself (its own policy: docs, share pages,
 * file downloads); the rest are always ours, so setting them needs no look first.
 * Each header call crosses into the runtime, and this runs on every response.
 */
const OWN_POLICY: ReadonlySet<string> = new Set(['Content-Security-Policy', 'X-Content-Type-Options']);

const REQUEST_ID_HEADER = 'X-Request-Id';
/** A caller's own id is kept when it is a plausible id (so traces join up), never when it could inject. */
const CALLER_ID = /^[\w.:=-]{8,128}$/;

/** The request id for `request`: the caller's `X-Request-Id` when well-formed, else a fresh UUID. */
export function requestIdFor(request: Request): string {
  const given = request.headers.get(REQUEST_ID_HEADER);
  return given !== null && CALLER_ID.test(given) ? given : crypto.randomUUID();
}

/**
 * Adds the request id and every missing security header. Responses whose
 * headers are immutable (fetched, or built by the runtime) are copied first.
 * A 101 carries a websocket and goes out untouched.
 */
export function withResponseHeaders(response: Response, requestId: string): Response {
  if (response.status === 101) return response;
  let out = response;
  try {
    out.headers.set(REQUEST_ID_HEADER, requestId);
  } catch {
    out = new Response(response.body, response);
    out.headers.set(REQUEST_ID_HEADER, requestId);
  }
  const headers = out.headers;
  for (const [name, value] of SECURITY_ENTRIES) {
    if (!OWN_POLICY.has(name) || !headers.has(name)) headers.set(name, value);
  }
  return out;
}

/**
 * Names the request (`c.var.requestId`, used by logs and problem bodies) and,
 * once the response exists, puts the id and the security headers on it.
 * Runs after `next()` so raw responses and error responses get them too.
 *
 * @example
 * app.use(responseHeaders());
 */
export function responseHeaders(): MiddlewareHandler<AppEnv> {
  return async function responseHeaders(c, next) {
    c.set('requestId', requestIdFor(c.req.raw));
    await next();
    const response = withResponseHeaders(c.res, c.var.requestId);
    if (response !== c.res) {
      // Assigning c.res merges the old response's headers; clear it first so the copy stands alone.
      c.res = undefined;
      c.res = response;
    }
  };
}
