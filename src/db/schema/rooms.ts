import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';
import { users } from './users';

export const rooms = sqliteTable(
  'rooms',
  {
    id: id(),
    name: text('name').notNull(),
    visibility: text('visibility', { enum: ['public', 'private'] }).notNull(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [index('rooms_visibility_idx').on(t.visibility, t.id), index('rooms_owner_idx').on(t.ownerId)],
);

export const roomMembers = sqliteTable(
  'room_members',
  {
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'member'] }).notNull(),
    joinedAt: timestamp('joined_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index('room_members_user_idx').on(t.userId)],
);

/**
 * The archive of every chat message. The room's Durable Object is the source
 * of truth for recent history and writes here in batches; `seq` rises by one
 * per room, so (room_id, seq) is the key and re-archiving an edited or deleted
 * message is an upsert.
 */
export const messages = sqliteTable(
  'messages',
  {
    roomId: text('room_id').notNull(),
    seq: integer('seq').notNull(),
    id: text('id').notNull(),
    authorId: text('author_id').notNull(),
    authorName: text('author_name'),
    text: text('text').notNull(),
    sentAt: timestamp('sent_at').notNull(),
    editedAt: timestamp('edited_at'),
    deletedAt: timestamp('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.seq] }), index('messages_id_idx').on(t.id)],
);
