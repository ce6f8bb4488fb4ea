import { sql } from 'drizzle-orm';
import { check, index, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';
import { users } from './users';

/**
 * One row per pair of people, keyed by the two ids in order (`user_low <
 * user_high`), so a request and its crossing request land on the same row:
 * the second one's upsert finds the first pending and turns it into a
 * friendship, exactly, whatever the interleaving.
 */
export const friendships = sqliteTable(
  'friendships',
  {
    userLow: text('user_low')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userHigh: text('user_high')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Who asked first; the other one accepts. */
    requesterId: text('requester_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['pending', 'accepted'] }).notNull(),
    createdAt: createdAt(),
    acceptedAt: timestamp('accepted_at'),
  },
  (t) => [
    primaryKey({ columns: [t.userLow, t.userHigh] }),
    index('friendships_high_idx').on(t.userHigh),
    check('friendships_ordered', sql`${t.userLow} < ${t.userHigh}`),
  ],
);

/** `blocker_id` blocked `blocked_id`: each is hidden from the other everywhere they could meet. */
export const blocks = sqliteTable(
  'blocks',
  {
    blockerId: text('blocker_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: text('blocked_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] }), index('blocks_blocked_idx').on(t.blockedId)],
);

export const reportReasons = ['spam', 'harassment', 'inappropriate', 'other'] as const;
export const reportActions = ['none', 'warn', 'remove_from_session', 'deactivate'] as const;

/**
 * Reports about people, for moderators. A reported message's text is copied
 * in when the report is filed, so it survives the room deleting it. The
 * reporter's rows go with their account; a report about a deleted account
 * stays, its `reported_id` set null.
 */
export const reports = sqliteTable(
  'reports',
  {
    id: id(),
    reporterId: text('reporter_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    reportedId: text('reported_id').references(() => users.id, { onDelete: 'set null' }),
    /** Where it happened, as the reporter named it; ids only, so they outlive the session or room. */
    sessionId: text('session_id'),
    roomId: text('room_id'),
    messageId: text('message_id'),
    messageText: text('message_text'),
    reason: text('reason', { enum: reportReasons }).notNull(),
    details: text('details'),
    status: text('status', { enum: ['open', 'resolved'] })
      .notNull()
      .default('open'),
    action: text('action', { enum: reportActions }),
    note: text('note'),
    handledBy: text('handled_by').references(() => users.id, { onDelete: 'set null' }),
    handledAt: timestamp('handled_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('reports_status_idx').on(t.status, t.id),
    index('reports_reporter_idx').on(t.reporterId),
    index('reports_reported_idx').on(t.reportedId),
  ],
);
