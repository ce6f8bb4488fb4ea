import { and, desc, eq, or, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { blocks, friendships, users } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { displayName } from '../rooms/rooms.service';
import { blockedBetweenSql } from './blocks.service';
import { otherPerson, pairKey } from './people';

/** Listed per kind at most; nobody keeps more friends than this on one screen. */
const LIST_LIMIT = 500;

const pairIs = (a: string, b: string) => {
  const [low, high] = pairKey(a, b);
  return and(eq(friendships.userLow, low), eq(friendships.userHigh, high));
};

export interface FriendEntry {
  userId: string;
  name: string;
  /** When they became friends, or when the request was sent. */
  since: string;
}

export interface FriendLists {
  friends: FriendEntry[];
  incoming: FriendEntry[];
  outgoing: FriendEntry[];
}

/**
 * The caller's friends and pending requests, with names. A request from
 * someone the caller blocked is never listed in `incoming` (the sender sees it
 * as sent: the block is not revealed).
 */
export async function friendListsOf(db: Database, userId: string): Promise<FriendLists> {
  const otherId = sql<string>`CASE WHEN ${friendships.userLow} = ${userId} THEN ${friendships.userHigh} ELSE ${friendships.userLow} END`;
  const rows = await db
    .select({
      status: friendships.status,
      requesterId: friendships.requesterId,
      createdAt: friendships.createdAt,
      acceptedAt: friendships.acceptedAt,
      otherId: users.id,
      name: users.name,
      email: users.email,
      hiddenByMe: sql<number>`EXISTS (SELECT 1 FROM ${blocks} WHERE ${blocks.blockerId} = ${userId} AND ${blocks.blockedId} = ${users.id})`,
    })
    .from(friendships)
    .innerJoin(users, eq(users.id, otherId))
    .where(or(eq(friendships.userLow, userId), eq(friendships.userHigh, userId)))
    .orderBy(desc(sql`COALESCE(${friendships.acceptedAt}, ${friendships.createdAt})`))
    .limit(LIST_LIMIT * 3);
  const lists: FriendLists = { friends: [], incoming: [], outgoing: [] };
  for (const row of rows) {
    const entry = {
      userId: row.otherId,
      name: displayName(row),
      since: (row.acceptedAt ?? row.createdAt).toISOString(),
    };
    if (row.status === 'accepted') lists.friends.push(entry);
    else if (row.requesterId === userId) lists.outgoing.push(entry);
    else if (!row.hiddenByMe) lists.incoming.push(entry);
  }
  return {
    friends: lists.friends.slice(0, LIST_LIMIT),
    incoming: lists.incoming.slice(0, LIST_LIMIT),
    outgoing: lists.outgoing.slice(0, LIST_LIMIT),
  };
}

/** The ids of `userId`'s friends (accepted both ways): for the sessions home and the invite picker. */
export async function friendIdsOf(db: Database, userId: string): Promise<string[]> {
  const rows = await db
    .select({
      otherId: sql<string>`CASE WHEN ${friendships.userLow} = ${userId} THEN ${friendships.userHigh} ELSE ${friendships.userLow} END`,
    })
    .from(friendships)
    .where(
      and(or(eq(friendships.userLow, userId), eq(friendships.userHigh, userId)), eq(friendships.status, 'accepted')),
    );
  return rows.map((row) => row.otherId);
}

/** SQL true when `a` and `b` (ids or columns) are friends: for the sessions friends may see. */
export function friendsBetweenSql(a: string | SQLWrapper, b: string | SQLWrapper): SQL {
  return sql`EXISTS (SELECT 1 FROM ${friendships} WHERE ${friendships.status} = 'accepted' AND ((${friendships.userLow} = ${a} AND ${friendships.userHigh} = ${b}) OR (${friendships.userLow} = ${b} AND ${friendships.userHigh} = ${a})))`;
}

export interface RequestOutcome {
  user: { id: string; name: string };
  /** `requested` when it waits for them; `friends` when they had asked you too. */
  status: 'requested' | 'friends';
}

/**
 * Sends a friend request, as one upsert on the pair's row: no row yet → a
 * pending request; a pending request from the other person → the friendship
 * (two crossing requests become one, exactly, however they interleave); a
 * request already sent or a friendship → unchanged. A block either way stops
 * the upsert from accepting anything; a request to someone who blocked you is
 * stored like any other, answered like any other, and never shown to them.
 */
export async function requestFriend(db: Database, userId: string, otherId: string): Promise<RequestOutcome> {
  const other = await otherPerson(db, userId, otherId, 'befriend');
  const [blockedByMe] = await db
    .select({ at: blocks.createdAt })
    .from(blocks)
    .where(and(eq(blocks.blockerId, userId), eq(blocks.blockedId, otherId)))
    .limit(1);
  if (blockedByMe) throw new AppError('conflict', 'You blocked this person: unblock them first.');
  const [low, high] = pairKey(userId, otherId);
  const at = now();
  const [row] = await db
    .insert(friendships)
    .values({ userLow: low, userHigh: high, requesterId: userId, status: 'pending', createdAt: at })
    .onConflictDoUpdate({
      target: [friendships.userLow, friendships.userHigh],
      set: { status: 'accepted', acceptedAt: at },
      setWhere: and(
        eq(friendships.status, 'pending'),
        sql`${friendships.requesterId} != excluded.requester_id`,
        sql`NOT ${blockedBetweenSql(low, high)}`,
      ),
    })
    .returning();
  // No row back: the update's condition refused (already sent, already friends, or a block). Read what stands.
  const current =
    row ??
    (await db
      .select()
      .from(friendships)
      .where(pairIs(userId, otherId))
      .limit(1)
      .then((rows) => rows[0]));
  return { user: other, status: current?.status === 'accepted' ? 'friends' : 'requested' };
}

/** Accepts `otherId`'s pending request; 404 when there is none (or it is hidden by a block). */
export async function acceptFriend(db: Database, userId: string, otherId: string): Promise<FriendEntry> {
  const other = await otherPerson(db, userId, otherId, 'befriend');
  const at = now();
  const [row] = await db
    .update(friendships)
    .set({ status: 'accepted', acceptedAt: at })
    .where(
      and(
        pairIs(userId, otherId),
        eq(friendships.status, 'pending'),
        eq(friendships.requesterId, otherId),
        sql`NOT ${blockedBetweenSql(userId, otherId)}`,
      ),
    )
    .returning();
  if (!row) throw new AppError('not_found', 'No friend request from them.');
  return { userId: other.id, name: other.name, since: at.toISOString() };
}

/** Declines `otherId`'s pending request; they are not told. */
export async function declineFriend(db: Database, userId: string, otherId: string): Promise<void> {
  await otherPerson(db, userId, otherId, 'befriend');
  const deleted = await db
    .delete(friendships)
    .where(
      and(
        pairIs(userId, otherId),
        eq(friendships.status, 'pending'),
        eq(friendships.requesterId, otherId),
        sql`NOT EXISTS (SELECT 1 FROM ${blocks} WHERE ${blocks.blockerId} = ${userId} AND ${blocks.blockedId} = ${otherId})`,
      ),
    )
    .returning({ requesterId: friendships.requesterId });
  if (deleted.length === 0) throw new AppError('not_found', 'No friend request from them.');
}

/** Takes back a request the caller sent. */
export async function cancelFriendRequest(db: Database, userId: string, otherId: string): Promise<void> {
  await otherPerson(db, userId, otherId, 'befriend');
  const deleted = await db
    .delete(friendships)
    .where(and(pairIs(userId, otherId), eq(friendships.status, 'pending'), eq(friendships.requesterId, userId)))
    .returning({ requesterId: friendships.requesterId });
  if (deleted.length === 0) throw new AppError('not_found', 'You have no pending request to them.');
}

/** Ends a friendship. */
export async function removeFriend(db: Database, userId: string, otherId: string): Promise<void> {
  if (otherId === userId) throw new AppError('bad_request', 'You cannot befriend yourself.');
  const deleted = await db
    .delete(friendships)
    .where(and(pairIs(userId, otherId), eq(friendships.status, 'accepted')))
    .returning({ requesterId: friendships.requesterId });
  if (deleted.length === 0) throw new AppError('not_found', 'You are not friends.');
}
