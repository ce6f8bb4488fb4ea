import type { z } from '@hono/zod-openapi';
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding';
import { AppError } from './errors';

/**
 * Every decoder that runs on client input lives here, so that a malformed
 * value is always a 400 problem and never an exception that escapes as a 500.
 *
 * Hono decodes path parameters itself (`c.req.param()` uses its
 * `tryDecodeURIComponent`, which never throws: a broken sequence such as
 * `%E0%A4%A` is left as literal text), so a route sees a string no id can
 * equal and answers 404. Code that reads a raw URL outside Hono (the socket
 * upgrade) decodes with `decodePathSegment` instead of `decodeURIComponent`.
 */

/** How deeply client JSON may nest where it is stored; SQLite's JSON functions stop at 1000. */
export const MAX_JSON_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const encoder = new TextEncoder();

/**
 * `decodeURIComponent` that answers 400 `bad_request` instead of throwing a
 * URIError on a broken escape (`%E0%A4%A`, `%zz`, an encoded lone surrogate).
 *
 * @example
 * decodePercent("na%C3%AFve.txt", 'The file name') // 'naïve.txt'
 */
export function decodePercent(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw new AppError('bad_request', `${what} has broken percent-encoding.`, { cause });
  }
}

/**
 * One percent-encoded path segment, e.g. the room id of `/api/rooms/<id>/ws`
 * read from a raw URL: 400 `bad_request` when it cannot be decoded.
 *
 * @example
 * decodePathSegment(match[1]) // throws AppError('bad_request') for '%E0%A4%A'
 */
export function decodePathSegment(segment: string): string {
  return decodePercent(segment, 'The path');
}

/**
 * How deeply `value` nests (a scalar is 0, `{}` and `[]` are 1), counted
 * without recursion so a hostile 60,000-level body cannot overflow the stack;
 * stops counting once past `limit`.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The opaque form of a keyset position: base64url of its JSON. */
export function encodeCursor(position: unknown): string {
  return encodeBase64urlNoPadding(encoder.encode(JSON.stringify(position)));
}

/**
 * Reads a cursor made by `encodeCursor` back, and checks it has the shape the
 * caller expects: anything else (not base64url, not UTF-8, not JSON, JSON of
 * another shape) is 400 `validation_failed` on `query.cursor`, so no value a
 * client made up is ever bound into SQL.
 *
 * @example
 * const [createdAt, id] = decodeCursor(query.cursor, z.tuple([z.number().int(), z.string()]));
 */
export function decodeCursor<S extends z.ZodType>(cursor: string, shape: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(decodeBase64urlIgnorePadding(cursor)));
  } catch {
    throw invalidCursor();
  }
  const parsed = shape.safeParse(json);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

function invalidCursor(): AppError {
  return new AppError('validation_failed', 'The cursor is not one this API gave out.', {
    errors: [{ path: 'query.cursor', message: 'Invalid cursor', code: 'invalid_cursor' }],
  });
}
