import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { messages, roomMembers, rooms, users } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { verifyPassword } from '../auth/password';
import { getLiveSession, revokeSessions } from '../auth/sessions.service';
import { roomObject } from '../rooms/rooms.service';
import { isLastActiveAdmin, LAST_ADMIN_MESSAGE, leavesAnActiveAdmin } from './last-admin';
import { findUserById, type User } from './users.service';

/** How recent a sign-in must be to stand in for a password an account does not have. */
export const RECENT_SIGN_IN_SECONDS = 10 * 60;

function passwordProblem(message: string, code: string): AppError {
  return new AppError('validation_failed', message, { errors: [{ path: 'body.password', message, code }] });
}

/**
 * Proof that the person deleting their own account is its owner, not someone
 * at an unlocked screen: the password, re-entered. Accounts without one
 * (phone or OpenID Connect sign-in) prove it by having signed in within the
 * last few minutes, which needs the phone or the provider again.
 */
export async function assertOwnDeletionConfirmed(
  db: Database,
  user: User,
  password: string | undefined,
  sessionId: string | undefined,
): Promise<void> {
  if (user.passwordHash) {
    if (password === undefined) throw passwordProblem('Enter your password to delete your account.', 'required');
    if (!(await verifyPassword(password, user.passwordHash)).ok) {
      throw passwordProblem('The password is not correct.', 'incorrect');
    }
    return;
  }
  const session = sessionId ? await getLiveSession(db, sessionId) : null;
  const signedInAt = session?.userId === user.id ? session.createdAt.getTime() : 0;
  if (now().getTime() - signedInAt > RECENT_SIGN_IN_SECONDS * 1000) {
    throw new AppError(
      'forbidden',
      `This account has no password: sign in again, then delete it within ${RECENT_SIGN_IN_SECONDS / 60} minutes.`,
    );
  }
}

/**
 * Deletes an account and, by cascade, its sessions, roles, tokens and linked
 * identities. Sessions are ended first: the revocation marks in KV are what
 * refuse the account's access tokens on their next request, and the cascade
 * would remove the rows that name them.
 */
export async function deleteAccount(db: Database, env: Env, userId: string, reason: string): Promise<void> {
  if (!(await findUserById(db, userId))) throw new AppError('not_found', 'No such user.');
  if (await isLastActiveAdmin(db, userId)) throw new AppError('conflict', LAST_ADMIN_MESSAGE);
  await revokeSessions(db, env.KV, { userId }, reason);
  const ownedRooms = await db.select({ id: rooms.id }).from(rooms).where(eq(rooms.ownerId, userId));
  // Read before the cascade removes the memberships: every room the account may have spoken in.
  const spokenIn = await roomsWithMessagesBy(db, userId);
  const deleted = await db
    .delete(users)
    .where(and(eq(users.id, userId), leavesAnActiveAdmin(userId)))
    .returning({ id: users.id });
  if (deleted.length > 0) {
    // D1 rows went with the cascade; what lives outside D1 goes now.
    const owned = new Set(ownedRooms.map((room) => room.id));
    await purgeStoredContent(db, env, userId, [...owned]);
    await eraseMessages(
      db,
      env,
      userId,
      spokenIn.filter((roomId) => !owned.has(roomId)),
    );
    return;
  }
  // Lost a race: deleted meanwhile, or the other admins were demoted after the check above.
  if (!(await findUserById(db, userId))) throw new AppError('not_found', 'No such user.');
  throw new AppError('conflict', LAST_ADMIN_MESSAGE);
}

/**
 * Removes what a deleted account kept outside D1: its file bodies in R2 and
 * the rooms it owned (their Durable Objects and message archive). Anything
 * missed here (a failed R2 call) is caught by the orphan sweep.
 */
async function purgeStoredContent(db: Database, env: Env, userId: string, roomIds: string[]): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix: `files/${userId}/`, cursor });
    if (page.objects.length > 0) await env.FILES.delete(page.objects.map((object) => object.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  for (const roomId of roomIds) {
    await db.delete(messages).where(eq(messages.roomId, roomId));
    await roomObject(env, roomId).destroy();
  }
}

/** Rooms the user is in now, or wrote in (the archive remembers rooms they have left). */
async function roomsWithMessagesBy(db: Database, userId: string): Promise<string[]> {
  const [memberOf, wroteIn] = await Promise.all([
    db.select({ roomId: roomMembers.roomId }).from(roomMembers).where(eq(roomMembers.userId, userId)),
    db.selectDistinct({ roomId: messages.roomId }).from(messages).where(eq(messages.authorId, userId)),
  ]);
  return [...new Set([...memberOf, ...wroteIn].map((row) => row.roomId))];
}

/**
 * A deleted account's messages are deleted with it, in other people's rooms
 * too: the archive keeps a tombstone per message (so history stays in order)
 * with no text, author id or name, and each room object erases its copies and
 * tells the people connected. README: "Deleting your account".
 */
async function eraseMessages(db: Database, env: Env, userId: string, roomIds: string[]): Promise<void> {
  await db
    .update(messages)
    .set({
      text: '',
      authorId: '',
      authorName: null,
      deletedAt: sql`coalesce(${messages.deletedAt}, ${now().getTime()})`,
    })
    .where(eq(messages.authorId, userId));
  for (const roomId of roomIds) await roomObject(env, roomId).eraseAuthor(userId);
}
