import { index, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestamp } from './columns';
import { users } from './users';

/**
 * Milestones a user has reached, one row per (user, badge). The badges
 * themselves are declared in code (src/features/sprints/badges.ts); the unique
 * index makes awarding `INSERT … ON CONFLICT DO NOTHING RETURNING`, so two
 * completions racing award a badge once and only one of them announces it.
 */
export const userBadges = sqliteTable(
  'user_badges',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    badgeId: text('badge_id').notNull(),
    awardedAt: timestamp('awarded_at').notNull(),
  },
  (t) => [
    uniqueIndex('user_badges_user_badge_idx').on(t.userId, t.badgeId),
    index('user_badges_badge_idx').on(t.badgeId),
  ],
);
