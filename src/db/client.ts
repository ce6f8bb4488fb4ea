import { drizzle } from 'drizzle-orm/d1';

const byBinding = new WeakMap<D1Database, ReturnType<typeof drizzle>>();

/**
 * The query builder over D1. No schema is passed: the relational query API
 * (`db.query.*`) is not used, and building its table map cost about a tenth
 * of the CPU of a request that does no I/O at all.
 *
 * One per binding and isolate: the builder holds nothing of a request (each
 * query is its own D1 call), and the runtime hands every request of an isolate
 * the same binding object, so building it again per request was wasted work.
 */
export function createDb(d1: D1Database) {
  let db = byBinding.get(d1);
  if (!db) {
    db = drizzle(d1);
    byBinding.set(d1, db);
  }
  return db;
}

export type Database = ReturnType<typeof createDb>;
