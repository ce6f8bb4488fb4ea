import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { friendships, users } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import { signToken, verifyToken } from '../../lib/signed-token';
import { enforceLimit } from '../../limiter';
import { senderFor } from '../notify/senders';
import { EMAIL_INVITE_LIMIT, INVITE_TTL_MS } from '../rooms/invites';
import { displayName } from '../rooms/rooms.service';
import { blockedBetweenSql } from './blocks.service';
import type { FriendEntry } from './friends.service';
import { pairKey } from './people';

const PURPOSE = 'hearth/friend-invite/v1';

const InviteClaims = z.strictObject({
  inviterId: z.string().min(1).max(64),
  expiresAt: z.number().int(),
});

export interface FriendInvite {
  url: string;
  token: string;
  expiresAt: string;
}

/**
 * A signed link that makes whoever opens it the inviter's friend, for a week
 * (the same lifetime as a room invite). Nothing is stored and it names only
 * the inviter, so it can be shared anywhere.
 */
export function createFriendInvite(config: Config, inviterId: string, at: number): FriendInvite {
  const expiresAt = at + INVITE_TTL_MS;
  const token = signToken(config.secrets.URL_SIGNING_KEYS, PURPOSE, { inviterId, expiresAt });
  const url = new URL('/friends/invite', `${config.appUrl}/`);
  url.searchParams.set('token', token);
  return { url: url.toString(), token, expiresAt: new Date(expiresAt).toISOString() };
}

/**
 * The one refusal for a link that cannot make friends: forged, expired, from
 * an account that is gone, or between two people a block stands between. They
 * all read the same, so the link never tells anyone about a block.
 */
const invalidInvite = () =>
  new AppError('invalid_token', 'This invite link is invalid or has expired. Ask for a new one.');

/** The inviter a genuine, unexpired friend invite names; 400 `invalid_token` otherwise. */
export function readFriendInvite(config: Config, token: string, at: number): string {
  const claims = InviteClaims.safeParse(verifyToken(config.secrets.URL_SIGNING_KEYS, PURPOSE, token));
  if (!claims.success || claims.data.expiresAt <= at) throw invalidInvite();
  return claims.data.inviterId;
}

/**
 * Makes the acceptor and the inviter friends at once: the inviter consented
 * by sharing the link, the acceptor by opening it. One conditional upsert on
 * the pair's row: no row → a friendship; a pending request either way → the
 * friendship; friends already → unchanged. It writes nothing while either
 * blocked the other or the inviter's account is not active, and that case is
 * answered exactly like a bad link.
 */
export async function acceptFriendInvite(db: Database, userId: string, inviterId: string): Promise<FriendEntry> {
  if (inviterId === userId) {
    throw new AppError('bad_request', 'This is your own invite link: share it with someone else.');
  }
  const [low, high] = pairKey(userId, inviterId);
  const at = now();
  const mayBefriend = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${inviterId} AND ${users.status} = 'active') AND NOT ${blockedBetweenSql(low, high)}`;
  // Raw SELECTs list every column in the table's order: drizzle names them all in the INSERT.
  await db
    .insert(friendships)
    .select(
      sql`SELECT ${low}, ${high}, ${inviterId}, 'accepted', ${at.getTime()}, ${at.getTime()} WHERE ${mayBefriend}`,
    )
    .onConflictDoUpdate({
      target: [friendships.userLow, friendships.userHigh],
      set: { status: 'accepted', acceptedAt: at },
      setWhere: and(eq(friendships.status, 'pending'), sql`NOT ${blockedBetweenSql(low, high)}`),
    });
  // Whatever stands now: this friendship, or one made before (its date unchanged). None means refused.
  const [row] = await db
    .select({ acceptedAt: friendships.acceptedAt, name: users.name, email: users.email })
    .from(friendships)
    .innerJoin(users, eq(users.id, inviterId))
    .where(
      and(
        eq(friendships.userLow, low),
        eq(friendships.userHigh, high),
        eq(friendships.status, 'accepted'),
        sql`NOT ${blockedBetweenSql(low, high)}`,
      ),
    )
    .limit(1);
  if (!row) throw invalidInvite();
  return { userId: inviterId, name: displayName(row), since: (row.acceptedAt ?? at).toISOString() };
}

/**
 * Emails a friend invite link to an address. Exactly the same happens
 * whether or not the address has an account, and no friend request is made
 * for an account it belongs to (the inviter's outgoing list would show it):
 * the person becomes a friend by opening the link, signed in or after
 * signing up. Throttled per inviter like room invitations.
 */
export async function emailFriendInvite(
  env: Env,
  config: Config,
  db: Database,
  invite: { inviterId: string; inviterName: string; email: string; link: FriendInvite },
): Promise<void> {
  await enforceLimit(env, `friend-invite:user:${invite.inviterId}`, EMAIL_INVITE_LIMIT, 'friend invitations');
  await senderFor(env, config, db, 'email').send({
    channel: 'email',
    to: invite.email,
    subject: `${invite.inviterName} wants to be friends on Hearth`,
    text: `${invite.inviterName} invited you to be friends on Hearth, to see each other's coworking sessions.\n\nAccept here (sign in or create an account first):\n\n${invite.link.url}\n\nThe link works for 7 days. If you do not know the sender, ignore this message.`,
  });
}
