import { drizzle } from 'drizzle-orm/d1';

/**
 * The query builder over D1. No schema is passed: the relational query API
 * (`db.query.*`) is not used, and building its table map cost about a tenth
 * of the CPU of a request that does no I/O at all.
 */
export function createDb(d1: D1Database) {
  return drizzle(d1);
}

export type Database = ReturnType<typeof createDb>;
