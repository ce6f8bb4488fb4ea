import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { readBoundedText } from '../lib/body';
import { AppError } from '../lib/errors';

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json(?:\s*;.*)?$/i;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface JsonBodyOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: (c: Context<AppEnv>) => number;
  /** Paths whose bodies are not JSON (uploads); they enforce their own limits. */
  except?: (path: string) => boolean;
}

/**
 * Makes every state-changing API request either bodiless or JSON within a size
 * limit, and parses it once.
 *
 * Anything else is refused here rather than left to each route: a form post
 * from another site (which browsers send without a CORS preflight) never
 * reaches a handler, and a malformed body is `invalid_json` before validation
 * runs. The text goes into Hono's body cache, so validators do not read the
 * stream again.
 *
 * @example
 * app.use('/api/*', jsonBody({ maxBytes: () => 65536 }));
 */
export function jsonBody(options: JsonBodyOptions): MiddlewareHandler<AppEnv> {
  return async function jsonBody(c, next) {
    if (!BODY_METHODS.has(c.req.method) || options.except?.(c.req.path)) return next();
    const contentType = c.req.header('content-type');
    const maxBytes = options.maxBytes(c);
    if (Number(c.req.header('content-length') ?? 0) > maxBytes) {
      throw new AppError('payload_too_large', `JSON bodies are limited to ${maxBytes} bytes.`);
    }
    const text = await readBoundedText(c.req.raw.body, maxBytes);
    // Hono's types call the cache entries values, but its readers store and await promises.
    c.req.bodyCache.text = Promise.resolve(text) as unknown as string;
    if (text.length === 0) return next();
    if (!contentType || !JSON_TYPE.test(contentType)) {
      throw new AppError('unsupported_media_type', 'Send the body as application/json.');
    }
    try {
      JSON.parse(text);
    } catch {
      throw new AppError('invalid_json', 'The request body is not valid JSON.');
    }
    await next();
  };
}
