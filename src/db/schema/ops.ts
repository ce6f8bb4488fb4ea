import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { id, timestamp } from './columns';

export const ERROR_SOURCES = ['fetch', 'queue', 'scheduled', 'durable_object'] as const;
export type ErrorSource = (typeof ERROR_SOURCES)[number];

/**
 * Unhandled errors, as the admin system page lists them: what failed and
 * where, scrubbed like the Sentry report (no bodies, no tokens, no query
 * strings). Kept 14 days by the cleanup job.
 */
export const opsErrors = sqliteTable(
  'ops_errors',
  {
    id: id(),
    at: timestamp('at').notNull(),
    source: text('source', { enum: ERROR_SOURCES }).notNull(),
    /** Route template (`GET /api/rooms/:id`), job type, or room kind and hook. */
    route: text('route'),
    requestId: text('request_id'),
    /** Not a foreign key: an error report outlives a deleted account for its 14 days. */
    userId: text('user_id'),
    name: text('name').notNull(),
    message: text('message').notNull(),
  },
  (t) => [index('ops_errors_at_idx').on(t.at)],
);

export const QUEUE_OUTCOMES = ['done', 'retried', 'dead_letter'] as const;

/**
 * One row per job message handled (`done`, `retried`) and per message that
 * reached the dead-letter queue, without its body (a body can hold an email
 * address or a text with a code). Kept 14 days; the system page counts them.
 */
export const opsQueueEvents = sqliteTable(
  'ops_queue_events',
  {
    id: id(),
    at: timestamp('at').notNull(),
    type: text('type').notNull(),
    outcome: text('outcome', { enum: QUEUE_OUTCOMES }).notNull(),
    attempts: integer('attempts').notNull(),
  },
  (t) => [index('ops_queue_events_at_idx').on(t.at)],
);

/**
 * What the alert webhook was last told, one row per alert key (`health`).
 * A change of state is one conditional UPDATE (`… WHERE state = 'ok'`), so of
 * two cron runs that see the same failure only one changes the row, and only
 * that one posts.
 */
export const opsAlertState = sqliteTable('ops_alert_state', {
  key: text('key').primaryKey(),
  state: text('state', { enum: ['ok', 'failing'] }).notNull(),
  /** What was failing, as the alert said it. */
  detail: text('detail'),
  changedAt: timestamp('changed_at').notNull(),
});
