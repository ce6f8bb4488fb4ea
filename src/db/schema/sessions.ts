import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';
import { users } from './users';

/**
 * A signed-in device: one refresh-token family. Revoking the row ends every
 * token of the family; access tokens name it in their `sid` claim.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    client: text('client', { enum: ['web', 'native'] }).notNull(),
    deviceLabel: text('device_label'),
    userAgent: text('user_agent'),
    ip: text('ip'),
    /** SHA-256 of the refresh token that may be used next. */
    currentTokenHash: text('current_token_hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at').notNull(),
    idleExpiresAt: timestamp('idle_expires_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    revokedAt: timestamp('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

/**
 * Every refresh token a family has issued, by hash. Keeping the spent ones is
 * what lets a replayed token be recognised (and the family revoked) rather
 * than merely rejected.
 */
export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    replacedAt: timestamp('replaced_at'),
    /**
     * The successor token, AES-GCM encrypted under a key derived from this
     * token. Only a holder of this token can open it, which is how concurrent
     * refreshes inside the grace window all receive the same current token.
     */
    sealedSuccessor: text('sealed_successor'),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);
