import { integer, text } from 'drizzle-orm/sqlite-core';

/** Milliseconds since the epoch in SQLite, `Date` in TypeScript. */
export const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const id = () => text('id').primaryKey();

export const createdAt = () => timestamp('created_at').notNull();
