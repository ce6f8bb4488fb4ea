import { z } from '@hono/zod-openapi';
import { type AnyColumn, asc, desc, gt, lt, type SQL } from 'drizzle-orm';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/**
 * `?limit=&cursor=` for every list. A limit outside 1..100 is a 400, not
 * silently clamped, so a client never believes it got a page it did not ask for.
 */
export const PageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .openapi({ description: `Items per page, 1 to ${MAX_PAGE_SIZE}.`, example: DEFAULT_PAGE_SIZE }),
  cursor: z
    .string()
    .regex(/^[0-9a-z_]{1,64}$/, 'Not a cursor from this API')
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page; omit for the first page.' }),
});

export type PageQuery = z.output<typeof PageQuerySchema>;

export interface Page<T> {
  items: T[];
  /** Pass back as `?cursor=` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** The response schema of a list: `{ items, nextCursor }` (SPEC §2). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * Keyset pagination on a unique, time-sortable column (our ids): the cursor is
 * the last key of the previous page, so rows inserted or deleted meanwhile
 * never shift a page and nothing is skipped or repeated. Fetches one row more
 * than the page so `toPage` knows whether another page follows.
 *
 * @example
 * const keys = keyset(users.id, query);
 * const rows = await db.select().from(users).where(and(filters, keys.where)).orderBy(keys.orderBy).limit(keys.limit);
 * return toPage(rows, query, (row) => row.id);
 */
export function keyset(
  column: AnyColumn,
  page: PageQuery,
  order: 'asc' | 'desc' = 'desc',
): { where: SQL | undefined; orderBy: SQL; limit: number } {
  const cursor = page.cursor;
  return {
    where: cursor === undefined ? undefined : order === 'desc' ? lt(column, cursor) : gt(column, cursor),
    orderBy: order === 'desc' ? desc(column) : asc(column),
    limit: page.limit + 1,
  };
}

/** Cuts the extra row `keyset` asked for and names the cursor of the next page. */
export function toPage<T>(rows: T[], page: PageQuery, cursorOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last !== undefined ? cursorOf(last) : null };
}
