import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';

/**
 * `expression LIKE '%text%'` for the search boxes: `%`, `_` and `\` typed by a
 * person match themselves, not as wildcards. The text is NFKC-normalised and
 * lower-cased, so `expression` must hold lower-cased text: stored emails and
 * file name keys already are; wrap anything else in `lower()`.
 *
 * @example
 * db.select().from(users).where(containsText(sql`lower(${users.name})`, query));
 */
export function containsText(expression: SQLWrapper, text: string): SQL {
  const escaped = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\\%_]/g, (char) => `\\${char}`);
  return sql`${expression} LIKE ${`%${escaped}%`} ESCAPE '\\'`;
}
