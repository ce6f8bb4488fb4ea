import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { coworkingParticipants, coworkingSessions, sessions, users } from '../../db/schema';
import type { Env } from '../../env';
import { AppError } from '../../lib/errors';
import type { ControlAction, ControlResult } from '../../realtime/coworking-room';
import type { AdmissionTicket, SessionSetup } from '../../realtime/room-base';
import { permissionsColumn } from '../roles/user-permissions';
import { admittedIdentity, blocksColumn, parseBlocks } from '../rooms/rooms.service';
import type { SessionRow } from './coworking.service';

/** The Durable Object of one coworking session. */
export function coworkingObject(env: Env, sessionId: string) {
  return env.COWORKING.get(env.COWORKING.idFromName(sessionId));
}

export function setupOf(session: SessionRow): SessionSetup {
  return {
    id: session.id,
    hostId: session.hostId,
    durationMinutes: session.durationMinutes,
    startsAt: session.startsAt?.getTime() ?? null,
  };
}

/** A control's refusal as the problem REST answers with; the socket sends the same code in an `error` frame. */
export function controlAnswer(result: ControlResult) {
  if (result.ok) return result.timer;
  throw new AppError(result.code, result.message);
}

export type { ControlAction };

/**
 * Checked when a session socket opens: the session (auth) is live, the
 * account active, the coworking session not over, and the user in it (the
 * host, or joined and neither left nor removed). One D1 query, with the
 * user's permissions. 401 when the sign-in is over, 403 otherwise.
 */
export async function admitToSession(
  db: Database,
  ticket: { target: string; userId: string; sessionId: string },
  at: Date,
): Promise<Omit<AdmissionTicket, 'nonce' | 'expiresAt'>> {
  const [row] = await db
    .select({
      name: users.name,
      email: users.email,
      status: users.status,
      revokedAt: sessions.revokedAt,
      expiresAt: sessions.expiresAt,
      session: coworkingSessions,
      mode: coworkingParticipants.mode,
      leftAt: coworkingParticipants.leftAt,
      removedAt: coworkingParticipants.removedAt,
      permissions: permissionsColumn(users.id),
      blocks: blocksColumn(users.id),
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(coworkingSessions, eq(coworkingSessions.id, ticket.target))
    .leftJoin(
      coworkingParticipants,
      and(eq(coworkingParticipants.sessionId, coworkingSessions.id), eq(coworkingParticipants.userId, users.id)),
    )
    .where(and(eq(sessions.id, ticket.sessionId), eq(sessions.userId, ticket.userId)))
    .limit(1);
  const identity = admittedIdentity(ticket, row, at);
  const session = row?.session;
  if (!row || !session) throw new AppError('forbidden', 'This coworking session no longer exists.');
  if (session.phase === 'ended') throw new AppError('forbidden', 'This coworking session has ended.');
  const inIt = row.mode !== null && row.removedAt === null && (row.leftAt === null || row.mode === 'host');
  if (!inIt) throw new AppError('forbidden', 'Join the session first.');
  return {
    identity,
    room: { id: session.id, ownerId: session.hostId },
    session: setupOf(session),
    blocks: parseBlocks(row.blocks),
  };
}

/** Marks a participant removed (they cannot rejoin); false when they were not in the session. */
export async function markRemoved(db: Database, sessionId: string, userId: string, at: Date): Promise<boolean> {
  const removed = await db
    .update(coworkingParticipants)
    .set({ removedAt: at, leftAt: at })
    .where(
      and(
        eq(coworkingParticipants.sessionId, sessionId),
        eq(coworkingParticipants.userId, userId),
        isNull(coworkingParticipants.removedAt),
      ),
    )
    .returning({ mode: coworkingParticipants.mode });
  return removed.length > 0;
}
