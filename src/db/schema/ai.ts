import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';
import { users } from './users';

/** An assistant conversation; private to its owner and deleted with the account (cascade). */
export const aiConversations = sqliteTable(
  'ai_conversations',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    /** The model of the latest answer. */
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [index('ai_conversations_user_idx').on(t.userId, t.id)],
);

/**
 * One turn of a conversation. An assistant answer cut short (the user stopped it, the
 * provider failed) is kept with `partial` set and, for a failure, the reason in `error`.
 */
export const aiMessages = sqliteTable(
  'ai_messages',
  {
    id: id(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => aiConversations.id, { onDelete: 'cascade' }),
    /** Place in the conversation: ids made in the same millisecond do not sort in the order they were made. */
    position: integer('position').notNull().default(0),
    role: text('role', { enum: ['user', 'assistant'] }).notNull(),
    content: text('content').notNull(),
    partial: integer('partial', { mode: 'boolean' }).notNull().default(false),
    error: text('error'),
    model: text('model'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    /** Whether the token counts came from the provider or were estimated (the stream broke first). */
    usageEstimated: integer('usage_estimated', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('ai_messages_conversation_idx').on(t.conversationId, t.position)],
);

/**
 * What each user's answers cost per UTC day, recorded when an answer ends (for admin metrics).
 * The limits themselves are enforced by the Limiter Durable Object, which is exact under
 * parallel requests; this table is the record, not the gate.
 */
export const aiUsage = sqliteTable(
  'ai_usage',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `YYYY-MM-DD`, UTC. */
    day: text('day').notNull(),
    tokens: integer('tokens').notNull().default(0),
    requests: integer('requests').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.day] }), index('ai_usage_day_idx').on(t.day)],
);

/** Settings admins change at run time (`PUT /api/admin/ai/settings`); one row, id `global`. */
export const aiSettings = sqliteTable('ai_settings', {
  id: text('id').primaryKey().default(sql`'global'`),
  dailyTokenBudget: integer('daily_token_budget'),
  updatedAt: timestamp('updated_at').notNull(),
  updatedBy: text('updated_by').references(() => users.id, { onDelete: 'set null' }),
});
