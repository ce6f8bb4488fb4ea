import { index, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamp } from './columns';
import { users } from './users';

/** What made a user active on a day: the first meaningful action of that day is the one kept. */
export const ACTIVITY_KINDS = ['sprint', 'session', 'message', 'file'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/**
 * The days each user was active (UTC), one row per (user, day), written with
 * `INSERT … ON CONFLICT DO NOTHING` on a meaningful action (a credited sprint,
 * a coworking session attended, a chat message sent, a file uploaded) and at
 * most once per isolate per user and day (src/features/metrics/activity.ts).
 * DAU, WAU, MAU, lifecycle and retention are counted from it.
 */
export const userActivityDays = sqliteTable(
  'user_activity_days',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `YYYY-MM-DD`, UTC. */
    day: text('day').notNull(),
    firstKind: text('first_kind', { enum: ACTIVITY_KINDS }).notNull(),
  },
  // Trailing windows read a range of days: (day, user_id) covers them without the table.
  (t) => [primaryKey({ columns: [t.userId, t.day] }), index('user_activity_days_day_idx').on(t.day, t.userId)],
);

/**
 * One snapshot per UTC day of the figures `GET /api/admin/metrics` shows, written by the
 * cleanup job (an upsert by day, so a rerun replaces the row). `figures` is `DayFigures`
 * (src/features/metrics/rollup.ts) as JSON.
 */
export const metricsDaily = sqliteTable('metrics_daily', {
  day: text('day').primaryKey(),
  figures: text('figures', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  computedAt: timestamp('computed_at').notNull(),
});
