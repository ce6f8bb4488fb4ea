import { and, asc, desc, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import {
  coworkingParticipants,
  coworkingSessions,
  friendships,
  remotePasses,
  remotePassLedger,
  users,
} from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { keyset, type Page, type PageQuery, toPage } from '../../lib/pagination';
import { displayName } from '../rooms/rooms.service';
import { blockedBetweenSql, hiddenFrom } from '../social/blocks.service';
import { friendsBetweenSql } from '../social/friends.service';
import { boundingBox, formatDistance, haversineMeters, type Point } from './geo';
import { IN_PERSON_RADIUS_M, MAX_CAPACITY, MAX_SCHEDULE_AHEAD_MS } from './limits';
import { ensurePassesStatements } from './passes.service';

export type SessionRow = typeof coworkingSessions.$inferSelect;
export type ParticipantRow = typeof coworkingParticipants.$inferSelect;
export type ParticipantMode = ParticipantRow['mode'];

// No 0/O, 1/I/L or U: a code read aloud or copied from a screen survives.
const SHARE_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const SHARE_CODE_LENGTH = 8;
const SHARE_CODE_ATTEMPTS = 5;

/** A new share code, uniform over the alphabet (bytes past the last whole multiple are redrawn). */
export function newShareCode(): string {
  const limit = 256 - (256 % SHARE_CODE_ALPHABET.length);
  let code = '';
  while (code.length < SHARE_CODE_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(SHARE_CODE_LENGTH * 2))) {
      if (byte < limit && code.length < SHARE_CODE_LENGTH)
        code += SHARE_CODE_ALPHABET[byte % SHARE_CODE_ALPHABET.length];
    }
  }
  return code;
}

/** Codes are shown upper-case; people may type them in either case. */
export const normalizeShareCode = (code: string) => code.trim().toUpperCase();

const iso = (date: Date | null) => date?.toISOString() ?? null;

export interface PublicSession {
  id: string;
  hostId: string;
  title: string;
  durationMinutes: number;
  visibility: 'public' | 'private';
  plan: string | null;
  startsAt: string | null;
  location: Point | null;
  capacity: number;
  shareCode: string;
  phase: SessionRow['phase'];
  startedAt: string | null;
  endsAt: string | null;
  endedAt: string | null;
  pausedMs: number;
  invitesSent: number;
  createdAt: string;
  updatedAt: string;
}

export function toPublicSession(row: SessionRow): PublicSession {
  return {
    id: row.id,
    hostId: row.hostId,
    title: row.title,
    durationMinutes: row.durationMinutes,
    visibility: row.visibility,
    plan: row.plan,
    startsAt: iso(row.startsAt),
    location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    capacity: row.capacity,
    shareCode: row.shareCode,
    phase: row.phase,
    startedAt: iso(row.startedAt),
    endsAt: iso(row.endsAt),
    endedAt: iso(row.endedAt),
    pausedMs: row.pausedMs,
    invitesSent: row.invitesSent,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export interface PublicParticipation {
  userId: string;
  mode: ParticipantMode;
  joinedAt: string;
  leftAt: string | null;
  minutesPresent: number;
}

export function toPublicParticipation(row: ParticipantRow): PublicParticipation {
  return {
    userId: row.userId,
    mode: row.mode,
    joinedAt: row.joinedAt.toISOString(),
    leftAt: iso(row.leftAt),
    minutesPresent: row.minutesPresent,
  };
}

export interface NewSession {
  title: string;
  durationMinutes: number;
  visibility: 'public' | 'private';
  startsAt?: string;
  location?: Point;
  capacity?: number;
  plan?: string;
}

const isShareCodeClash = (error: unknown) =>
  String((error as { cause?: unknown })?.cause ?? error).includes('coworking_sessions.share_code') ||
  String(error).includes('coworking_sessions.share_code');

/** Creates the session and the host's participation in one batch; a share code that clashes is drawn again. */
export async function createSession(db: Database, hostId: string, input: NewSession): Promise<SessionRow> {
  const at = now();
  let startsAt: Date | null = null;
  if (input.startsAt !== undefined) {
    startsAt = new Date(input.startsAt);
    const ahead = startsAt.getTime() - at.getTime();
    if (ahead <= 0 || ahead > MAX_SCHEDULE_AHEAD_MS) {
      throw new AppError('validation_failed', 'The request is not valid; see errors.', {
        errors: [
          { path: 'body.startsAt', message: 'Must be in the future and at most 30 days ahead', code: 'out_of_range' },
        ],
      });
    }
  }
  for (let attempt = 1; ; attempt++) {
    const session: SessionRow = {
      id: newId(),
      hostId,
      title: input.title,
      durationMinutes: input.durationMinutes,
      visibility: input.visibility,
      plan: input.plan ?? null,
      startsAt,
      lat: input.location?.lat ?? null,
      lng: input.location?.lng ?? null,
      capacity: input.capacity ?? MAX_CAPACITY,
      shareCode: newShareCode(),
      phase: 'lobby',
      startedAt: null,
      endsAt: null,
      endedAt: null,
      pausedMs: 0,
      invitesSent: 0,
      createdAt: at,
      updatedAt: at,
    };
    try {
      await db.batch([
        db.insert(coworkingSessions).values(session),
        db.insert(coworkingParticipants).values({
          sessionId: session.id,
          userId: hostId,
          mode: 'host',
          joinedAt: at,
          joinNonce: newId(),
        }),
      ]);
      return session;
    } catch (error) {
      if (attempt >= SHARE_CODE_ATTEMPTS || !isShareCodeClash(error)) throw error;
    }
  }
}

export interface VisibleSession {
  session: SessionRow;
  /** The caller's row, removed or not; null when they never joined. */
  participation: ParticipantRow | null;
  /** Whether the caller is a friend of the host: friends see the host's private sessions too. */
  hostFriend: boolean;
}

/**
 * One session (by `which`) and the caller's row in it, if any; none when a
 * block stands between the caller and its host (either way): blocked people
 * do not see each other's sessions.
 */
async function sessionWithParticipation(db: Database, userId: string, which: SQL): Promise<VisibleSession | undefined> {
  const [row] = await db
    .select({
      session: coworkingSessions,
      participation: coworkingParticipants,
      hostHidden: sql<number>`${blockedBetweenSql(userId, coworkingSessions.hostId)}`,
      hostFriend: sql<number>`${friendsBetweenSql(userId, coworkingSessions.hostId)}`,
    })
    .from(coworkingSessions)
    .leftJoin(
      coworkingParticipants,
      and(eq(coworkingParticipants.sessionId, coworkingSessions.id), eq(coworkingParticipants.userId, userId)),
    )
    .where(which)
    .limit(1);
  if (!row || row.hostHidden) return undefined;
  return { session: row.session, participation: row.participation, hostFriend: Boolean(row.hostFriend) };
}

/**
 * A session the caller may see: public, one they are in (and were not removed from), a
 * private one hosted by a friend (unless they were removed from it), or a private one whose
 * share code they give. Anything else is a 404, exactly like a session that
 * does not exist.
 */
export async function visibleSession(
  db: Database,
  userId: string,
  sessionId: string,
  options: { code?: string } = {},
): Promise<VisibleSession> {
  const row = await sessionWithParticipation(db, userId, eq(coworkingSessions.id, sessionId));
  if (!row || !canSee(row, userId, options.code)) {
    throw new AppError('not_found', 'No such session.');
  }
  return row;
}

function canSee({ session, participation, hostFriend }: VisibleSession, userId: string, code?: string): boolean {
  if (session.visibility === 'public' || session.hostId === userId) return true;
  if (participation !== null && participation.removedAt === null) return true;
  if (hostFriend && participation === null) return true;
  return code !== undefined && normalizeShareCode(code) === session.shareCode;
}

/** The session a share code names, with the caller's participation. The code itself is the key, so any visibility. */
export async function sessionByCode(db: Database, userId: string, code: string): Promise<VisibleSession> {
  const row = await sessionWithParticipation(db, userId, eq(coworkingSessions.shareCode, normalizeShareCode(code)));
  if (!row) throw new AppError('not_found', 'No session has this code.');
  return row;
}

export interface ParticipantView {
  userId: string;
  name: string;
  mode: ParticipantMode;
  joinedAt: string;
  leftAt: string | null;
  minutesPresent: number;
}

/** Everyone in a session who was not removed, the host first, then by arrival. */
export async function participantsOf(db: Database, sessionId: string): Promise<ParticipantView[]> {
  const rows = await db
    .select({ participant: coworkingParticipants, name: users.name, email: users.email })
    .from(coworkingParticipants)
    .innerJoin(users, eq(users.id, coworkingParticipants.userId))
    .where(and(eq(coworkingParticipants.sessionId, sessionId), isNull(coworkingParticipants.removedAt)))
    .orderBy(sql`${coworkingParticipants.mode} = 'host' DESC`, asc(coworkingParticipants.joinedAt));
  return rows.map(({ participant, ...user }) => ({
    userId: participant.userId,
    name: displayName(user),
    mode: participant.mode,
    joinedAt: participant.joinedAt.toISOString(),
    leftAt: iso(participant.leftAt),
    minutesPresent: participant.minutesPresent,
  }));
}

/** Seats are every participation but the host's and the removed ones'; a participant who left keeps theirs. */
export const seatsTaken = (participants: readonly { mode: ParticipantMode }[]) =>
  participants.filter((participant) => participant.mode !== 'host').length;

export interface SessionDetails {
  session: PublicSession;
  host: { id: string; name: string };
  participants: ParticipantView[];
  seatsTaken: number;
  capacity: number;
  you: PublicParticipation | null;
}

export async function sessionDetails(db: Database, visible: VisibleSession): Promise<SessionDetails> {
  const { session, participation } = visible;
  const [participants, [host]] = await Promise.all([
    participantsOf(db, session.id),
    db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, session.hostId)).limit(1),
  ]);
  return {
    session: toPublicSession(session),
    host: { id: session.hostId, name: host ? displayName(host) : 'Someone' },
    participants,
    seatsTaken: seatsTaken(participants),
    capacity: session.capacity,
    you: participation && participation.removedAt === null ? toPublicParticipation(participation) : null,
  };
}

/** Sessions the caller hosts or has joined, newest first. */
export async function listMySessions(db: Database, userId: string, page: PageQuery): Promise<Page<PublicSession>> {
  const keys = keyset(coworkingSessions.id, page);
  const joined = db
    .select({ id: coworkingParticipants.sessionId })
    .from(coworkingParticipants)
    .where(and(eq(coworkingParticipants.userId, userId), isNull(coworkingParticipants.removedAt)));
  const rows = await db
    .select()
    .from(coworkingSessions)
    .where(
      and(
        or(eq(coworkingSessions.hostId, userId), inArray(coworkingSessions.id, joined)),
        sql`NOT ${blockedBetweenSql(userId, coworkingSessions.hostId)}`,
        keys.where,
      ),
    )
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const result = toPage(rows, page, (row) => row.id);
  return { items: result.items.map(toPublicSession), nextCursor: result.nextCursor };
}

/** How many sessions of friends the sessions home lists. */
export const FRIENDS_SESSIONS_LIMIT = 50;

/**
 * Sessions hosted by the caller's friends that have not ended (scheduled or live), public
 * and private, soonest first: the running ones by when they started, the others by when they
 * are due (or were opened). None whose host and the caller are blocked either way, and none
 * the caller was removed from.
 */
export async function friendsSessions(db: Database, userId: string): Promise<PublicSession[]> {
  const removedFrom = db
    .select({ id: coworkingParticipants.sessionId })
    .from(coworkingParticipants)
    .where(and(eq(coworkingParticipants.userId, userId), sql`${coworkingParticipants.removedAt} IS NOT NULL`));
  const friendIds = sql`SELECT CASE WHEN ${friendships.userLow} = ${userId} THEN ${friendships.userHigh} ELSE ${friendships.userLow} END FROM ${friendships} WHERE (${friendships.userLow} = ${userId} OR ${friendships.userHigh} = ${userId}) AND ${friendships.status} = 'accepted'`;
  const rows = await db
    .select()
    .from(coworkingSessions)
    .where(
      and(
        sql`${coworkingSessions.hostId} IN (${friendIds})`,
        sql`${coworkingSessions.phase} != 'ended'`,
        sql`NOT ${blockedBetweenSql(userId, coworkingSessions.hostId)}`,
        sql`${coworkingSessions.id} NOT IN (${removedFrom})`,
      ),
    )
    .orderBy(
      asc(sql`COALESCE(${coworkingSessions.startedAt}, ${coworkingSessions.startsAt}, ${coworkingSessions.createdAt})`),
      asc(coworkingSessions.id),
    )
    .limit(FRIENDS_SESSIONS_LIMIT);
  return rows.map(toPublicSession);
}

export interface JoinInput {
  code?: string;
  location?: Point & { accuracy?: number };
  remote?: boolean;
}

export interface JoinResult {
  session: SessionRow;
  participation: ParticipantRow;
  /** True when this request created the participation (and spent a pass, if remote). */
  joined: boolean;
}

/**
 * Where a join puts the caller: in person within 50 m of the session, else remote when they
 * asked for it. Refusals here spend nothing; the location is only compared, never kept.
 */
export function joinModeFor(session: SessionRow, input: JoinInput): 'in_person' | 'remote' {
  const place = session.lat !== null && session.lng !== null ? { lat: session.lat, lng: session.lng } : null;
  const distance = place && input.location ? haversineMeters(place, input.location) : null;
  if (distance !== null && distance <= IN_PERSON_RADIUS_M) return 'in_person';
  if (input.remote === true) return 'remote';
  if (distance !== null) {
    throw new AppError(
      'forbidden',
      `You are ${formatDistance(distance)} from this session; joining in person needs ${IN_PERSON_RADIUS_M} m or less. Join remotely with "remote": true (spends one remote pass).`,
    );
  }
  if (input.location) {
    throw new AppError(
      'forbidden',
      'This session has no place to be at; join remotely with "remote": true (spends one remote pass).',
    );
  }
  throw new AppError(
    'bad_request',
    'Send your location to join in person, or "remote": true to join remotely (spends one remote pass).',
  );
}

/**
 * Joins a session, exactly under concurrency: one batch (one D1 transaction) creates the pass
 * row if needed, inserts the participation only while the session is open, has a free seat and
 * (remote) the caller has a pass, and spends that pass only if this very insert happened (its
 * fresh `join_nonce` is the proof). The batch's last statement reads back what decided it.
 */
export async function joinSession(
  db: Database,
  options: { remotePassesInitial: number },
  userId: string,
  sessionId: string,
  input: JoinInput,
): Promise<JoinResult> {
  const { session, participation } = await visibleSession(db, userId, sessionId, { code: input.code });
  if (participation) return rejoin(db, session, participation);
  if (session.phase === 'ended') throw sessionEnded();
  const mode = joinModeFor(session, input);
  const at = now();
  const nonce = newId();
  const ownInsert = sql`EXISTS (SELECT 1 FROM coworking_participants WHERE session_id = ${sessionId} AND user_id = ${userId} AND join_nonce = ${nonce} AND mode = 'remote')`;
  const passGuard: SQL =
    mode === 'remote'
      ? sql`AND COALESCE((SELECT balance FROM remote_passes WHERE user_id = ${userId}), 0) >= 1`
      : sql``;
  // Raw SELECTs list every column in the table's order: drizzle names them all in the INSERT.
  const insertParticipant = db
    .insert(coworkingParticipants)
    .select(
      sql`SELECT s.id, ${userId}, ${mode}, ${at.getTime()}, NULL, NULL, 0, ${nonce}
      FROM coworking_sessions s
      WHERE s.id = ${sessionId} AND s.phase != 'ended'
        AND (SELECT count(*) FROM coworking_participants p
             WHERE p.session_id = s.id AND p.mode != 'host' AND p.removed_at IS NULL) < s.capacity
        ${passGuard}`,
    )
    .onConflictDoNothing();
  const outcome = db
    .select({
      participation: coworkingParticipants,
      phase: coworkingSessions.phase,
      capacity: coworkingSessions.capacity,
      seats: sql<number>`(SELECT count(*) FROM coworking_participants p
        WHERE p.session_id = ${coworkingSessions.id} AND p.mode != 'host' AND p.removed_at IS NULL)`,
      balance: sql<number | null>`(SELECT balance FROM ${remotePasses} WHERE user_id = ${userId})`,
    })
    .from(coworkingSessions)
    .leftJoin(
      coworkingParticipants,
      and(eq(coworkingParticipants.sessionId, coworkingSessions.id), eq(coworkingParticipants.userId, userId)),
    )
    .where(eq(coworkingSessions.id, sessionId));
  const results =
    mode === 'remote'
      ? await db.batch([
          ...ensurePassesStatements(db, userId, options.remotePassesInitial, at),
          insertParticipant,
          db
            .update(remotePasses)
            .set({ balance: sql`${remotePasses.balance} - 1` })
            .where(and(eq(remotePasses.userId, userId), ownInsert)),
          db
            .insert(remotePassLedger)
            .select(
              sql`SELECT ${newId()}, ${userId}, -1, 'spend', ${sessionId}, NULL, ${at.getTime()} WHERE ${ownInsert}`,
            ),
          outcome,
        ])
      : await db.batch([insertParticipant, outcome]);
  const [row] = results.at(-1) as Awaited<typeof outcome>;
  if (!row) throw new AppError('not_found', 'No such session.');
  if (row.participation?.joinNonce === nonce) return { session, participation: row.participation, joined: true };
  // Someone else's request for the same user got there first: it is their join.
  if (row.participation) return rejoin(db, session, row.participation);
  if (row.phase === 'ended') throw sessionEnded();
  if (row.seats >= row.capacity) {
    throw new AppError('session_full', `All ${row.capacity} seats of this session are taken.`);
  }
  if (mode === 'remote' && (row.balance ?? 0) < 1) {
    throw new AppError('no_remote_passes', 'You have no remote passes left; join in person, or ask an admin for more.');
  }
  throw new AppError('conflict', 'The session changed while you joined; try again.');
}

const sessionEnded = () => new AppError('session_ended', 'This session has ended.');

/** Joining again: the same participation, nothing spent; someone who had left is back. Removed people stay out. */
async function rejoin(db: Database, session: SessionRow, participation: ParticipantRow): Promise<JoinResult> {
  if (participation.removedAt !== null) {
    throw new AppError('forbidden', 'The host removed you from this session; you cannot rejoin it.');
  }
  // After the end there is nothing to come back to: the participation stays as it was.
  if (participation.leftAt === null || session.phase === 'ended') return { session, participation, joined: false };
  const [back] = await db
    .update(coworkingParticipants)
    .set({ leftAt: null })
    .where(
      and(
        eq(coworkingParticipants.sessionId, participation.sessionId),
        eq(coworkingParticipants.userId, participation.userId),
        isNull(coworkingParticipants.removedAt),
      ),
    )
    .returning();
  if (!back) throw new AppError('forbidden', 'The host removed you from this session; you cannot rejoin it.');
  return { session, participation: back, joined: false };
}

/** Leaving keeps the seat (rejoining is free); the host hands over or ends instead. */
export async function leaveSession(db: Database, userId: string, sessionId: string): Promise<void> {
  const { session, participation } = await visibleSession(db, userId, sessionId);
  if (session.hostId === userId || participation?.mode === 'host') {
    throw new AppError('conflict', 'The host cannot leave: hand the session over to someone, or end it.');
  }
  if (!participation || participation.removedAt !== null)
    throw new AppError('not_found', 'You are not in this session.');
  if (participation.leftAt !== null) return;
  await db
    .update(coworkingParticipants)
    .set({ leftAt: now() })
    .where(
      and(
        eq(coworkingParticipants.sessionId, sessionId),
        eq(coworkingParticipants.userId, userId),
        isNull(coworkingParticipants.leftAt),
      ),
    );
}

export interface NearbySession extends PublicSession {
  distanceMeters: number;
}

/**
 * The candidates of a nearby search: public, not ended, located, inside the bounding box. The
 * literal conditions repeat the partial index's WHERE word for word, which is how SQLite knows
 * the index holds every row the query can want; bound parameters would hide that from it.
 */
export function nearbyCandidates(db: Database, center: Point, radiusMeters: number) {
  const box = boundingBox(center, radiusMeters);
  const longitudes = or(
    ...box.lngRanges.map(([min, max]) => sql`${coworkingSessions.lng} BETWEEN ${min} AND ${max}`),
  ) as SQL;
  return db
    .select()
    .from(coworkingSessions)
    .where(
      and(
        sql.raw(`visibility = 'public' AND phase != 'ended' AND lat IS NOT NULL`),
        sql`${coworkingSessions.lat} BETWEEN ${box.minLat} AND ${box.maxLat}`,
        longitudes,
      ),
    );
}

/** Public sessions not yet ended within `radiusMeters`, nearest first; none hosted by someone blocked either way with `viewerId`. */
export async function nearbySessions(
  db: Database,
  center: Point,
  radiusMeters: number,
  limit: number,
  viewerId?: string,
): Promise<NearbySession[]> {
  const [rows, hidden] = await Promise.all([
    nearbyCandidates(db, center, radiusMeters),
    viewerId === undefined ? new Set<string>() : hiddenFrom(db, viewerId),
  ]);
  return rows
    .filter((row) => !hidden.has(row.hostId))
    .map((row) => ({ row, distance: haversineMeters(center, { lat: row.lat ?? 0, lng: row.lng ?? 0 }) }))
    .filter(({ distance }) => distance <= radiusMeters)
    .sort((a, b) => a.distance - b.distance || (a.row.id < b.row.id ? -1 : 1))
    .slice(0, limit)
    .map(({ row, distance }) => ({ ...toPublicSession(row), distanceMeters: Math.round(distance * 10) / 10 }));
}

/** Counts invitations sent for a session. */
export async function countInvites(db: Database, sessionId: string, count: number): Promise<void> {
  if (count === 0) return;
  await db
    .update(coworkingSessions)
    .set({ invitesSent: sql`${coworkingSessions.invitesSent} + ${count}`, updatedAt: now() })
    .where(eq(coworkingSessions.id, sessionId));
}

/** The accounts invites can reach, among `userIds`: active, with an email or a phone. Unknown ids drop out. */
export async function inviteesAmong(db: Database, userIds: readonly string[]) {
  const unique = [...new Set(userIds)];
  return db
    .select({ id: users.id, email: users.email, phone: users.phone })
    .from(users)
    .where(and(inArray(users.id, unique), eq(users.status, 'active')))
    .orderBy(desc(users.id));
}
