import { z } from 'zod';
import type { Database } from '../../db/client';
import type { Env } from '../../env';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import { signToken, verifyToken } from '../../lib/signed-token';
import { enforceLimit } from '../../limiter';
import { senderFor } from '../notify/senders';

/** An invite link lets whoever holds it join the room for a week. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Emailed invitations per inviter, so a room owner cannot turn Hearth into a mailer. */
export const EMAIL_INVITE_LIMIT = { limit: 20, windowSeconds: 60 * 60 };
const PURPOSE = 'hearth/room-invite/v1';

const InviteClaims = z.strictObject({
  roomId: z.string().min(1).max(64),
  expiresAt: z.number().int(),
});

export interface RoomInvite {
  url: string;
  token: string;
  expiresAt: string;
}

/**
 * A signed link into one room. It names no person, so it can be shared, and
 * nothing is stored: it ends when it expires or the room is deleted.
 */
export function createInvite(config: Config, roomId: string, at: number): RoomInvite {
  const expiresAt = at + INVITE_TTL_MS;
  const token = signToken(config.secrets.URL_SIGNING_KEYS, PURPOSE, { roomId, expiresAt });
  const url = new URL('/rooms/invite', `${config.appUrl}/`);
  url.searchParams.set('token', token);
  return { url: url.toString(), token, expiresAt: new Date(expiresAt).toISOString() };
}

/** The room a genuine, unexpired invite is for; 400 `invalid_token` otherwise. */
export function readInvite(config: Config, token: string, at: number): string {
  const claims = InviteClaims.safeParse(verifyToken(config.secrets.URL_SIGNING_KEYS, PURPOSE, token));
  if (!claims.success || claims.data.expiresAt <= at) {
    throw new AppError('invalid_token', 'This invite link is invalid or has expired. Ask for a new one.');
  }
  return claims.data.roomId;
}

/**
 * Emails an invite link to an address. The same happens whether or not the
 * address has an account, so the answer tells the inviter nothing about who
 * is registered; the person joins by opening the link, signed in or after
 * signing up.
 */
export async function emailInvite(
  env: Env,
  config: Config,
  db: Database,
  invite: { roomName: string; inviterId: string; inviterName: string; email: string; link: RoomInvite },
): Promise<void> {
  await enforceLimit(env, `room-invite:user:${invite.inviterId}`, EMAIL_INVITE_LIMIT, 'room invitations');
  await senderFor(env, config, db, 'email').send({
    channel: 'email',
    to: invite.email,
    subject: `${invite.inviterName} invited you to “${invite.roomName}” on Hearth`,
    text: `${invite.inviterName} invited you to the chat room “${invite.roomName}” on Hearth.\n\nJoin it here (sign in or create an account first):\n\n${invite.link.url}\n\nThe link works for 7 days. If you do not know the sender, ignore this message.`,
  });
}
