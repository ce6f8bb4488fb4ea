import { and, eq, or, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { blocks, coworkingParticipants, coworkingSessions, friendships, roomMembers, users } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { coworkingObject } from '../coworking/live';
import { displayName, roomObject } from '../rooms/rooms.service';
import { pairKey } from './people';

/**
 * SQL true when `a` and `b` (ids or columns) have blocked each other either way:
 * for the queries that hide people from each other (coworking lists, friend requests).
 */
export function blockedBetweenSql(a: string | SQLWrapper, b: string | SQLWrapper): SQL {
  return sql`EXISTS (SELECT 1 FROM ${blocks} WHERE (${blocks.blockerId} = ${a} AND ${blocks.blockedId} = ${b}) OR (${blocks.blockerId} = ${b} AND ${blocks.blockedId} = ${a}))`;
}

/** Whether either of two people blocked the other. */
export async function blockedBetween(db: Database, a: string, b: string): Promise<boolean> {
  const [row] = await db
    .select({ blockerId: blocks.blockerId })
    .from(blocks)
    .where(
      or(and(eq(blocks.blockerId, a), eq(blocks.blockedId, b)), and(eq(blocks.blockerId, b), eq(blocks.blockedId, a))),
    )
    .limit(1);
  return row !== undefined;
}

/** Everyone hidden from `userId`: the people they blocked and the people who blocked them. */
export async function hiddenFrom(db: Database, userId: string): Promise<Set<string>> {
  const rows = await db
    .select({ blockerId: blocks.blockerId, blockedId: blocks.blockedId })
    .from(blocks)
    .where(or(eq(blocks.blockerId, userId), eq(blocks.blockedId, userId)));
  return new Set(rows.map((row) => (row.blockerId === userId ? row.blockedId : row.blockerId)));
}

/** Every block `userId` is part of, either side: what a room object loads when their socket is admitted. */
export async function blockPairsOf(db: Database, userId: string): Promise<{ blockerId: string; blockedId: string }[]> {
  return db
    .select({ blockerId: blocks.blockerId, blockedId: blocks.blockedId })
    .from(blocks)
    .where(or(eq(blocks.blockerId, userId), eq(blocks.blockedId, userId)));
}

/** The people `userId` blocked, with names, oldest first. */
export async function blockedList(
  db: Database,
  userId: string,
): Promise<{ userId: string; name: string; blockedAt: string }[]> {
  const rows = await db
    .select({ userId: blocks.blockedId, name: users.name, email: users.email, at: blocks.createdAt })
    .from(blocks)
    .innerJoin(users, eq(users.id, blocks.blockedId))
    .where(eq(blocks.blockerId, userId))
    .orderBy(blocks.createdAt);
  return rows.map((row) => ({ userId: row.userId, name: displayName(row), blockedAt: row.at.toISOString() }));
}

/** The ids `userId` blocked, oldest first. */
export async function blockedBy(db: Database, userId: string): Promise<string[]> {
  const rows = await db
    .select({ blockedId: blocks.blockedId })
    .from(blocks)
    .where(eq(blocks.blockerId, userId))
    .orderBy(blocks.createdAt);
  return rows.map((row) => row.blockedId);
}

/**
 * Blocks `blockedId` for `blockerId` and, in the same transaction, ends
 * whatever stood between them: a friendship or a pending request either way.
 * Blocking again changes nothing.
 */
export async function block(db: Database, blockerId: string, blockedId: string): Promise<void> {
  const [low, high] = pairKey(blockerId, blockedId);
  await db.batch([
    db.insert(blocks).values({ blockerId, blockedId, createdAt: now() }).onConflictDoNothing(),
    db.delete(friendships).where(and(eq(friendships.userLow, low), eq(friendships.userHigh, high))),
  ]);
}

/**
 * Lifts a block (idempotent). A friend request the blocked person sent while
 * blocked was never shown; it goes too, so it does not surface now.
 */
export async function unblock(db: Database, blockerId: string, blockedId: string): Promise<void> {
  const [low, high] = pairKey(blockerId, blockedId);
  await db.batch([
    db.delete(blocks).where(and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId))),
    db
      .delete(friendships)
      .where(
        and(
          eq(friendships.userLow, low),
          eq(friendships.userHigh, high),
          eq(friendships.status, 'pending'),
          eq(friendships.requesterId, blockedId),
        ),
      ),
  ]);
}

/**
 * Tells every live place two people share (chat rooms both are members of,
 * coworking sessions not ended both are in) the blocker's new block list, so
 * those objects filter their frames at once, without a restart. A place that
 * cannot be reached now loads the list again at its next socket admission.
 */
export async function syncBlocksToRooms(env: Env, db: Database, blockerId: string, otherId: string): Promise<void> {
  const [sharedRooms, sharedSessions, list] = await Promise.all([
    db
      .select({ id: roomMembers.roomId })
      .from(roomMembers)
      .where(
        and(
          eq(roomMembers.userId, blockerId),
          sql`EXISTS (SELECT 1 FROM ${roomMembers} other WHERE other.room_id = ${roomMembers.roomId} AND other.user_id = ${otherId})`,
        ),
      ),
    db
      .select({ id: coworkingParticipants.sessionId })
      .from(coworkingParticipants)
      .innerJoin(coworkingSessions, eq(coworkingSessions.id, coworkingParticipants.sessionId))
      .where(
        and(
          eq(coworkingParticipants.userId, blockerId),
          sql`${coworkingSessions.phase} != 'ended'`,
          sql`EXISTS (SELECT 1 FROM ${coworkingParticipants} other WHERE other.session_id = ${coworkingParticipants.sessionId} AND other.user_id = ${otherId})`,
        ),
      ),
    blockedBy(db, blockerId),
  ]);
  const calls = [
    ...sharedRooms.map(({ id }) => roomObject(env, id).setBlocks(blockerId, list)),
    ...sharedSessions.map(({ id }) => coworkingObject(env, id).setBlocks(blockerId, list)),
  ];
  const results = await Promise.allSettled(calls);
  for (const result of results) {
    if (result.status === 'rejected') {
      console.error(JSON.stringify({ level: 'error', msg: 'block sync failed', error: String(result.reason) }));
    }
  }
}
