import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';
import { users } from './users';

/** Single-use tokens sent by email: verification and password reset. Stored hashed. */
export const oneTimeTokens = sqliteTable(
  'one_time_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    purpose: text('purpose', { enum: ['verify_email', 'reset_password'] }).notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('one_time_tokens_user_idx').on(t.userId), index('one_time_tokens_expires_idx').on(t.expiresAt)],
);

/** Phone sign-in codes. The attempt counter is bumped by one conditional UPDATE. */
export const otpCodes = sqliteTable(
  'otp_codes',
  {
    id: id(),
    phone: text('phone').notNull(),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('otp_codes_phone_idx').on(t.phone, t.createdAt)],
);

/** Messages the development sender "delivered" (GET /api/dev/outbox). */
export const devOutbox = sqliteTable('dev_outbox', {
  id: id(),
  channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
  to: text('to').notNull(),
  subject: text('subject'),
  body: text('body').notNull(),
  createdAt: createdAt(),
});
