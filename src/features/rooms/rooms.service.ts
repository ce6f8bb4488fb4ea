import { type AnyColumn, and, eq, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { messages, roomMembers, rooms, sessions, users } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { keyset, type Page, type PageQuery, toPage } from '../../lib/pagination';
import type { Identity } from '../../realtime/room-base';
import { parsePermissions, permissionsColumn } from '../roles/user-permissions';

export type RoomRow = typeof rooms.$inferSelect;
type Role = 'owner' | 'member';

export interface PublicRoom {
  id: string;
  name: string;
  visibility: 'public' | 'private';
  ownerId: string;
  /** The caller's place in the room, or null when they have not joined. */
  role: Role | null;
  createdAt: string;
  updatedAt: string;
}

export function toPublicRoom(room: RoomRow, role: Role | null): PublicRoom {
  return {
    id: room.id,
    name: room.name,
    visibility: room.visibility,
    ownerId: room.ownerId,
    role,
    createdAt: room.createdAt.toISOString(),
    updatedAt: room.updatedAt.toISOString(),
  };
}

export function roomObject(env: Env, roomId: string) {
  return env.ROOMS.get(env.ROOMS.idFromName(roomId));
}

export async function createRoom(
  db: Database,
  ownerId: string,
  input: { name: string; visibility: 'public' | 'private' },
): Promise<RoomRow> {
  const at = now();
  const room: RoomRow = {
    id: newId(),
    name: input.name,
    visibility: input.visibility,
    ownerId,
    createdAt: at,
    updatedAt: at,
  };
  await db.batch([
    db.insert(rooms).values(room),
    db.insert(roomMembers).values({ roomId: room.id, userId: ownerId, role: 'owner', joinedAt: at }),
  ]);
  return room;
}

export async function findRoom(db: Database, roomId: string): Promise<RoomRow | undefined> {
  const [room] = await db.select().from(rooms).where(eq(rooms.id, roomId)).limit(1);
  return room;
}

export interface VisibleRoom {
  room: RoomRow;
  role: Role | null;
}

/**
 * A room the caller may see: public, or one they belong to. A private room
 * they are not in is a 404, exactly like a room that does not exist.
 */
export async function visibleRoom(db: Database, userId: string, roomId: string): Promise<VisibleRoom> {
  const [row] = await db
    .select({ room: rooms, role: roomMembers.role })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, userId)))
    .where(eq(rooms.id, roomId))
    .limit(1);
  if (!row || (row.room.visibility === 'private' && row.role === null)) {
    throw new AppError('not_found', 'No such room.');
  }
  return { room: row.room, role: row.role };
}

/** Public rooms and the caller's own, newest first. */
export async function listRooms(db: Database, userId: string, page: PageQuery): Promise<Page<PublicRoom>> {
  const keys = keyset(rooms.id, page);
  const rows = await db
    .select({ room: rooms, role: roomMembers.role })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, userId)))
    .where(and(or(eq(rooms.visibility, 'public'), sql`${roomMembers.userId} IS NOT NULL`), keys.where))
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const result = toPage(rows, page, (row) => row.room.id);
  return { items: result.items.map((row) => toPublicRoom(row.room, row.role)), nextCursor: result.nextCursor };
}

export function assertCanManage(visible: VisibleRoom, isAdmin: boolean): void {
  if (visible.role !== 'owner' && !isAdmin) throw new AppError('forbidden', 'Only the room owner can do that.');
}

export async function updateRoom(
  db: Database,
  roomId: string,
  changes: { name?: string; visibility?: 'public' | 'private' },
): Promise<RoomRow> {
  const [room] = await db
    .update(rooms)
    .set({ ...changes, updatedAt: now() })
    .where(eq(rooms.id, roomId))
    .returning();
  if (!room) throw new AppError('not_found', 'No such room.');
  return room;
}

/** Deletes the room, its members and its archive, then closes its sockets and wipes its object. */
export async function deleteRoom(db: Database, env: Env, roomId: string): Promise<void> {
  await db.batch([
    db.delete(messages).where(eq(messages.roomId, roomId)),
    db.delete(rooms).where(eq(rooms.id, roomId)),
  ]);
  await roomObject(env, roomId).destroy();
}

/**
 * Makes `userId` a member (nothing when they are one already). Everyone
 * connected to the room is sent the new row of the member list.
 */
export async function addMember(db: Database, env: Env, roomId: string, userId: string): Promise<void> {
  // One D1 round trip: the insert, and the name the others' member lists show (read whether or not
  // the row was new; it is only used when it was).
  const [inserted, [user]] = await db.batch([
    db
      .insert(roomMembers)
      .values({ roomId, userId, role: 'member', joinedAt: now() })
      .onConflictDoNothing()
      .returning({ joinedAt: roomMembers.joinedAt }),
    db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, userId)).limit(1),
  ]);
  const [added] = inserted;
  if (!added) return;
  await roomObject(env, roomId).membersChanged({
    type: 'members',
    change: 'added',
    member: {
      userId,
      name: displayName(user ?? { name: null, email: null }),
      role: 'member',
      joinedAt: added.joinedAt.toISOString(),
    },
  });
}

/**
 * Takes a member (never the owner) out of the room; their open sockets close
 * now, not at the next liveness check. False when they were not a member.
 */
export async function removeMember(
  db: Database,
  env: Env,
  roomId: string,
  userId: string,
  reason = 'You left this room',
): Promise<boolean> {
  const removed = await db
    .delete(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId), eq(roomMembers.role, 'member')))
    .returning({ userId: roomMembers.userId });
  if (removed.length === 0) return false;
  const room = roomObject(env, roomId);
  await room.disconnectUser(userId, reason);
  await room.membersChanged({ type: 'members', change: 'removed', userId });
  return true;
}

export interface RoomMember {
  userId: string;
  name: string;
  role: Role;
  joinedAt: string;
}

/** The room's members, by account (oldest first), with the names the room shows. */
export async function listMembers(db: Database, roomId: string, page: PageQuery): Promise<Page<RoomMember>> {
  const keys = keyset(roomMembers.userId, page, 'asc');
  const rows = await db
    .select({
      userId: roomMembers.userId,
      role: roomMembers.role,
      joinedAt: roomMembers.joinedAt,
      name: users.name,
      email: users.email,
    })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), keys.where))
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const result = toPage(rows, page, (row) => row.userId);
  return {
    items: result.items.map((row) => ({
      userId: row.userId,
      name: displayName(row),
      role: row.role,
      joinedAt: row.joinedAt.toISOString(),
    })),
    nextCursor: result.nextCursor,
  };
}

/**
 * Makes a member the owner, and the owner until now a member, in one atomic
 * batch that changes nothing unless `fromId` still owns the room and `toId`
 * is in it (two transfers at once cannot leave two owners). The room object
 * learns the new owner at once, for the owner's powers over the socket.
 */
export async function transferOwnership(
  db: Database,
  env: Env,
  roomId: string,
  fromId: string,
  toId: string,
): Promise<RoomRow> {
  const ownerNow = sql`(SELECT ${rooms.ownerId} FROM ${rooms} WHERE ${rooms.id} = ${roomId})`;
  const [moved] = await db.batch([
    db
      .update(rooms)
      .set({ ownerId: toId, updatedAt: now() })
      .where(
        and(
          eq(rooms.id, roomId),
          eq(rooms.ownerId, fromId),
          sql`EXISTS (SELECT 1 FROM ${roomMembers} WHERE ${roomMembers.roomId} = ${roomId} AND ${roomMembers.userId} = ${toId})`,
        ),
      )
      .returning(),
    db
      .update(roomMembers)
      .set({ role: 'owner' })
      .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, toId), sql`${ownerNow} = ${toId}`)),
    db
      .update(roomMembers)
      .set({ role: 'member' })
      .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, fromId), sql`${ownerNow} = ${toId}`)),
  ]);
  const room = moved[0];
  if (!room) throw new AppError('not_found', 'They are not a member of this room.');
  await roomObject(env, roomId).updateRoom({ id: room.id, ownerId: room.ownerId }, fromId);
  return room;
}

export interface Admission {
  identity: Identity;
  room: { id: string; ownerId: string };
  /** Every block the user is part of, either way, as `[blocker, blocked]`: the object filters by them. */
  blocks: [string, string][];
}

/**
 * The blocks `userId` (a column of the admission query) is part of, either
 * way, as one scalar subquery: `blocker:blocked` pairs, space-separated.
 * Read with the admission, so opening a socket stays one D1 query.
 */
export function blocksColumn(userId: AnyColumn | SQL) {
  return sql<
    string | null
  >`(SELECT group_concat(b.blocker_id || ':' || b.blocked_id, ' ') FROM blocks AS b WHERE b.blocker_id = ${userId} OR b.blocked_id = ${userId})`;
}

/** `blocksColumn`'s value as pairs. */
export function parseBlocks(value: string | null): [string, string][] {
  if (!value) return [];
  return value.split(' ').map((pair) => {
    const [blocker = '', blocked = ''] = pair.split(':');
    return [blocker, blocked];
  });
}

/**
 * Checked at the moment a socket opens, not when its ticket was issued: the
 * session must still be live, the account active and the user still a member
 * of the room. One query reads all three, and the user's permissions. 401
 * when the session is over, 403 when the user may no longer be in the room.
 */
export async function admitToRoom(
  db: Database,
  ticket: { target: string; userId: string; sessionId: string },
  at: Date,
): Promise<Admission> {
  const [row] = await db
    .select({
      name: users.name,
      email: users.email,
      status: users.status,
      revokedAt: sessions.revokedAt,
      expiresAt: sessions.expiresAt,
      ownerId: rooms.ownerId,
      memberRole: roomMembers.role,
      permissions: permissionsColumn(users.id),
      blocks: blocksColumn(users.id),
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(rooms, eq(rooms.id, ticket.target))
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, users.id)))
    .where(and(eq(sessions.id, ticket.sessionId), eq(sessions.userId, ticket.userId)))
    .limit(1);
  const identity = admittedIdentity(ticket, row, at);
  if (!row || row.ownerId === null || row.memberRole === null) {
    throw new AppError('forbidden', 'You are no longer in this room.');
  }
  return { identity, room: { id: ticket.target, ownerId: row.ownerId }, blocks: parseBlocks(row.blocks) };
}

/**
 * The sign-in half of every socket admission (rooms and coworking sessions):
 * the ticket's session must still be live and the account active, else 401;
 * then who the socket speaks for. Moderators (rooms.moderate) may delete
 * anyone's messages over the socket too.
 */
export function admittedIdentity(
  ticket: { userId: string; sessionId: string },
  row:
    | {
        name: string | null;
        email: string | null;
        status: string;
        revokedAt: Date | null;
        expiresAt: Date;
        permissions: string | null;
      }
    | undefined,
  at: Date,
): Identity {
  if (!row || row.revokedAt !== null || row.expiresAt <= at || row.status !== 'active') {
    throw new AppError('unauthorized', 'This session has ended; sign in again.');
  }
  return {
    userId: ticket.userId,
    name: displayName(row),
    sessionId: ticket.sessionId,
    isAdmin: parsePermissions(row.permissions).has('rooms.moderate'),
  };
}

/** The name a room shows for someone: their name, else the part of their email before the @. */
export function displayName(user: { name: string | null; email: string | null }): string {
  return user.name ?? user.email?.split('@')[0] ?? 'Someone';
}
