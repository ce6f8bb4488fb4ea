import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';
import { coworkingSessions } from './coworking';
import { users } from './users';

/**
 * Focused time, one row per sprint: a solo sprint, or a person's part in a
 * coworking session (written when the session ends). `local_date` is the
 * calendar day, in the user's time zone at the moment the sprint was
 * credited, that streaks count: stored when written, so a later change of
 * time zone neither counts a day twice nor drops one.
 */
export const sprints = sqliteTable(
  'sprints',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['solo', 'session'] }).notNull(),
    sessionId: text('session_id').references(() => coworkingSessions.id, { onDelete: 'set null' }),
    goal: text('goal'),
    plannedMinutes: integer('planned_minutes').notNull(),
    startedAt: timestamp('started_at').notNull(),
    plannedEndAt: timestamp('planned_end_at').notNull(),
    endedAt: timestamp('ended_at'),
    status: text('status', { enum: ['running', 'completed', 'abandoned', 'expired'] }).notNull(),
    creditedMinutes: integer('credited_minutes').notNull().default(0),
    /** Whether the person says they did what they set out to (`complete { done }`); null when not said. */
    goalDone: integer('goal_done', { mode: 'boolean' }),
    /** `YYYY-MM-DD` in the user's time zone when credited; null until then. */
    localDate: text('local_date'),
    createdAt: createdAt(),
  },
  (t) => [
    index('sprints_user_day_idx').on(t.userId, t.localDate),
    // A session credits each participant once, however often its end is written.
    uniqueIndex('sprints_session_user_idx').on(t.sessionId, t.userId).where(sql`kind = 'session'`),
    // One running solo sprint per user.
    uniqueIndex('sprints_running_solo_idx').on(t.userId).where(sql`kind = 'solo' AND status = 'running'`),
  ],
);
