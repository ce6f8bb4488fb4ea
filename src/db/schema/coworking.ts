import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';
import { users } from './users';

/**
 * A coworking session: one shared focus timer. The timer's live state belongs
 * to the session's Durable Object; the phase and times here are what it last
 * wrote, so lists and lobbies read them without waking it.
 */
export const coworkingSessions = sqliteTable(
  'coworking_sessions',
  {
    id: id(),
    hostId: text('host_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    visibility: text('visibility', { enum: ['public', 'private'] }).notNull(),
    plan: text('plan'),
    startsAt: timestamp('starts_at'),
    lat: real('lat'),
    lng: real('lng'),
    capacity: integer('capacity').notNull().default(50),
    shareCode: text('share_code').notNull(),
    phase: text('phase', { enum: ['lobby', 'running', 'paused', 'ended'] })
      .notNull()
      .default('lobby'),
    startedAt: timestamp('started_at'),
    endsAt: timestamp('ends_at'),
    endedAt: timestamp('ended_at'),
    pausedMs: integer('paused_ms').notNull().default(0),
    invitesSent: integer('invites_sent').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('coworking_sessions_share_code_idx').on(t.shareCode),
    index('coworking_sessions_host_idx').on(t.hostId),
    // Nearby reads a bounding box on this; only sessions someone could still find are in it.
    index('coworking_sessions_nearby_idx')
      .on(t.lat, t.lng)
      .where(sql`visibility = 'public' AND phase != 'ended' AND lat IS NOT NULL`),
    check('coworking_sessions_capacity', sql`${t.capacity} BETWEEN 1 AND 50`),
  ],
);

/**
 * Who is in a session. The host has a `host` row; every other row is a seat
 * until `removed_at` is set. Leaving sets `left_at` and keeps the seat, so
 * rejoining spends nothing. `join_nonce` is written by the insert of a join,
 * so the same batch can tell whether this very join created the row.
 */
export const coworkingParticipants = sqliteTable(
  'coworking_participants',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => coworkingSessions.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: ['host', 'in_person', 'remote'] }).notNull(),
    joinedAt: timestamp('joined_at').notNull(),
    leftAt: timestamp('left_at'),
    removedAt: timestamp('removed_at'),
    minutesPresent: integer('minutes_present').notNull().default(0),
    joinNonce: text('join_nonce').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.userId] }), index('coworking_participants_user_idx').on(t.userId)],
);

/** Each account's remote passes, created on first use with `REMOTE_PASSES_INITIAL`. */
export const remotePasses = sqliteTable(
  'remote_passes',
  {
    userId: text('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    balance: integer('balance').notNull(),
  },
  (t) => [check('remote_passes_balance', sql`${t.balance} >= 0`)],
);

/** Every change to a balance: the initial grant, admins' grants, and one spend per remote join. */
export const remotePassLedger = sqliteTable(
  'remote_pass_ledger',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    delta: integer('delta').notNull(),
    reason: text('reason', { enum: ['initial', 'grant', 'spend'] }).notNull(),
    sessionId: text('session_id').references(() => coworkingSessions.id, { onDelete: 'set null' }),
    actorId: text('actor_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('remote_pass_ledger_user_idx').on(t.userId, t.id),
    // A session can cost an account at most one pass, whatever races.
    uniqueIndex('remote_pass_ledger_spend_idx').on(t.userId, t.sessionId).where(sql`reason = 'spend'`),
  ],
);
