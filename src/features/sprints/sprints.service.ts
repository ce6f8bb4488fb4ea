import { and, asc, eq, gte, isNotNull, lt, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { coworkingSessions, sprints, userBadges, users } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { localDate } from '../../lib/local-date';
import { keyset, type Page, type PageQuery, toPage } from '../../lib/pagination';
import { recordActivity } from '../metrics/activity';
import { BADGES, badgeName, earnedBadges, type Progress } from './badges';
import { addDays, streakOf } from './streaks';

export type SprintRow = typeof sprints.$inferSelect;

/** A solo sprint still running this long after its planned end was forgotten: the cleanup job closes it. */
export const STALE_SPRINT_MS = 12 * 60 * 60 * 1000;
/** Days `minutesByDay` covers, today included. */
export const STATS_DAYS = 90;

const iso = (date: Date | null) => date?.toISOString() ?? null;

export interface PublicSprint {
  id: string;
  kind: SprintRow['kind'];
  sessionId: string | null;
  goal: string | null;
  plannedMinutes: number;
  startedAt: string;
  plannedEndAt: string;
  endedAt: string | null;
  status: SprintRow['status'];
  creditedMinutes: number;
  localDate: string | null;
  done: boolean | null;
  createdAt: string;
  /** The server's clock when it answered. */
  now: string;
}

/** The answer for one sprint; `at` is the server's clock as it answers (the response's `now`). */
export function toPublicSprint(row: SprintRow, at: Date = now()): PublicSprint {
  return {
    id: row.id,
    kind: row.kind,
    sessionId: row.sessionId,
    goal: row.goal,
    plannedMinutes: row.plannedMinutes,
    startedAt: row.startedAt.toISOString(),
    plannedEndAt: row.plannedEndAt.toISOString(),
    endedAt: iso(row.endedAt),
    status: row.status,
    creditedMinutes: row.creditedMinutes,
    localDate: row.localDate,
    done: row.goalDone,
    createdAt: row.createdAt.toISOString(),
    now: at.toISOString(),
  };
}

export interface PublicBadge {
  id: string;
  name: string;
  awardedAt: string;
}

const toPublicBadge = (row: { badgeId: string; awardedAt: Date }): PublicBadge => ({
  id: row.badgeId,
  name: badgeName(row.badgeId),
  awardedAt: row.awardedAt.toISOString(),
});

/**
 * Starts a solo sprint. The partial unique index on running solo sprints decides between
 * simultaneous starts: the insert that loses does nothing and returns no row, so exactly one wins.
 */
export async function startSolo(
  db: Database,
  userId: string,
  input: { durationMinutes: number; goal?: string },
  at: Date = now(),
): Promise<SprintRow> {
  const [row] = await db
    .insert(sprints)
    .values({
      id: newId(),
      userId,
      kind: 'solo',
      goal: input.goal ?? null,
      plannedMinutes: input.durationMinutes,
      startedAt: at,
      plannedEndAt: new Date(at.getTime() + input.durationMinutes * 60_000),
      status: 'running',
      createdAt: at,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new AppError('conflict', 'A solo sprint is already running: complete or abandon it first.');
  return row;
}

export async function listSprints(db: Database, userId: string, page: PageQuery): Promise<Page<PublicSprint>> {
  const keys = keyset(sprints.id, page);
  const rows = await db
    .select()
    .from(sprints)
    .where(and(eq(sprints.userId, userId), keys.where))
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const at = now();
  return toPage(
    rows.map((row) => toPublicSprint(row, at)),
    page,
    (row) => row.id,
  );
}

/** Why a conditional update of `id` changed nothing: not mine (404), or no longer running (409). */
async function refusal(db: Database, userId: string, id: string): Promise<AppError> {
  const [row] = await db
    .select({ status: sprints.status })
    .from(sprints)
    .where(and(eq(sprints.id, id), eq(sprints.userId, userId)));
  if (!row) return new AppError('not_found', 'No such sprint.');
  return new AppError('conflict', `This sprint is ${row.status === 'running' ? 'not a solo sprint' : row.status}.`);
}

const runningSoloOf = (userId: string, id: string) =>
  and(eq(sprints.id, id), eq(sprints.userId, userId), eq(sprints.kind, 'solo'), eq(sprints.status, 'running'));

/**
 * Completes a running solo sprint in one conditional statement: the whole minutes since it
 * started, never more than planned, credited to the day `at` falls on in the user's time zone now.
 * A second completion finds it no longer running (409). Then checks the user's badges.
 */
export async function completeSolo(
  db: Database,
  userId: string,
  id: string,
  input: { done?: boolean },
  at: Date = now(),
): Promise<{ sprint: SprintRow; newBadges: PublicBadge[] }> {
  const [user] = await db.select({ timezone: users.timezone }).from(users).where(eq(users.id, userId));
  const [sprint] = await db
    .update(sprints)
    .set({
      status: 'completed',
      endedAt: at,
      // D1 binds a JS number as REAL: cast it, so the division is SQLite's integer one (whole minutes).
      creditedMinutes: sql`max(0, min(${sprints.plannedMinutes}, (CAST(${at.getTime()} AS INTEGER) - ${sprints.startedAt}) / 60000))`,
      localDate: localDate(at, user?.timezone),
      goalDone: input.done ?? null,
    })
    .where(runningSoloOf(userId, id))
    .returning();
  if (!sprint) throw await refusal(db, userId, id);
  if (sprint.creditedMinutes >= 1) await recordActivity(db, userId, 'sprint', at);
  const today = sprint.localDate ?? localDate(at, user?.timezone);
  const newBadges = await awardReached(db, userId, await streakDays(db, userId), today, at);
  return { sprint, newBadges };
}

export async function abandonSolo(db: Database, userId: string, id: string, at: Date = now()): Promise<SprintRow> {
  const [sprint] = await db
    .update(sprints)
    .set({ status: 'abandoned', endedAt: at, creditedMinutes: 0 })
    .where(runningSoloOf(userId, id))
    .returning();
  if (!sprint) throw await refusal(db, userId, id);
  return sprint;
}

/** The cleanup job: solo sprints left running long past their planned end close as `expired`, credited nothing. */
export async function expireStaleSprints(db: Database, at: Date = now()): Promise<number> {
  const expired = await db
    .update(sprints)
    .set({ status: 'expired', endedAt: at, creditedMinutes: 0 })
    .where(
      and(
        eq(sprints.kind, 'solo'),
        eq(sprints.status, 'running'),
        lt(sprints.plannedEndAt, new Date(at.getTime() - STALE_SPRINT_MS)),
      ),
    )
    .returning({ id: sprints.id });
  return expired.length;
}

const credited = and(isNotNull(sprints.localDate), gte(sprints.creditedMinutes, 1));

/** The stored days with credited focus, oldest first: one row per day, whatever the zone was. */
async function streakDays(db: Database, userId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ day: sprints.localDate })
    .from(sprints)
    .where(and(eq(sprints.userId, userId), credited))
    .orderBy(asc(sprints.localDate));
  return rows.flatMap((row) => (row.day === null ? [] : [row.day]));
}

async function progressOf(db: Database, userId: string, days: string[], today: string): Promise<Progress> {
  const [[totals], [hosted]] = await db.batch([
    db
      .select({
        sprints: sql<number>`count(*)`,
        focusedMinutes: sql<number>`coalesce(sum(${sprints.creditedMinutes}), 0)`,
        sessionsAttended: sql<number>`count(*) filter (where ${sprints.kind} = 'session')`,
      })
      .from(sprints)
      .where(and(eq(sprints.userId, userId), credited)),
    db
      .select({ count: sql<number>`count(*)` })
      .from(coworkingSessions)
      .where(
        and(
          eq(coworkingSessions.hostId, userId),
          eq(coworkingSessions.phase, 'ended'),
          isNotNull(coworkingSessions.startedAt),
        ),
      ),
  ]);
  return {
    sprints: totals?.sprints ?? 0,
    focusedMinutes: totals?.focusedMinutes ?? 0,
    sessionsAttended: totals?.sessionsAttended ?? 0,
    sessionsHosted: hosted?.count ?? 0,
    longestStreak: streakOf(days, today).longest,
  };
}

/**
 * Awards every badge the user has reached (`days` and `today` as `streakOf` takes them) and returns
 * those this call awarded. The unique `(user_id, badge_id)` index with `ON CONFLICT DO NOTHING
 * RETURNING` returns a badge only to the statement that inserted it, so two completions racing
 * announce it once.
 */
async function awardReached(
  db: Database,
  userId: string,
  days: string[],
  today: string,
  at: Date,
): Promise<PublicBadge[]> {
  const earned = earnedBadges(await progressOf(db, userId, days, today));
  if (earned.length === 0) return [];
  const rows = await db
    .insert(userBadges)
    .values(earned.map((badge) => ({ userId, badgeId: badge.id, awardedAt: at })))
    .onConflictDoNothing()
    .returning({ badgeId: userBadges.badgeId, awardedAt: userBadges.awardedAt });
  return rows.map(toPublicBadge);
}

/** Awards whatever badges the user has reached by `at`, returning those this call awarded. */
export async function awardBadges(db: Database, userId: string, at: Date = now()): Promise<PublicBadge[]> {
  const [user] = await db.select({ timezone: users.timezone }).from(users).where(eq(users.id, userId));
  return awardReached(db, userId, await streakDays(db, userId), localDate(at, user?.timezone), at);
}

export interface SprintStats {
  timezone: string;
  today: string;
  todayMinutes: number;
  currentStreak: number;
  longestStreak: number;
  freezes: { held: number; used: string[] };
  needsSprintToday: boolean;
  minutesByDay: { date: string; minutes: number }[];
  badges: PublicBadge[];
  allBadges: { id: string; name: string; description: string; awardedAt: string | null }[];
}

/**
 * Streaks, freezes, minutes per day and badges, from the stored local dates (never re-derived
 * from timestamps in today's zone). `today` and the 90-day window are in the user's zone now.
 * Badges earned by coworking sessions (written by the session's object) are awarded here, lazily.
 */
export async function statsOf(db: Database, userId: string, at: Date = now()): Promise<SprintStats> {
  const [user] = await db.select({ timezone: users.timezone }).from(users).where(eq(users.id, userId));
  if (!user) throw new AppError('not_found', 'No such user.');
  const timezone = user.timezone ?? 'UTC';
  const today = localDate(at, timezone);
  const from = addDays(today, -(STATS_DAYS - 1));
  const days = await streakDays(db, userId);
  await awardReached(db, userId, days, today, at);
  const [perDay, badgeRows] = await db.batch([
    db
      .select({ date: sprints.localDate, minutes: sql<number>`sum(${sprints.creditedMinutes})` })
      .from(sprints)
      .where(and(eq(sprints.userId, userId), credited, gte(sprints.localDate, from), lte(sprints.localDate, today)))
      .groupBy(sprints.localDate),
    db
      .select({ badgeId: userBadges.badgeId, awardedAt: userBadges.awardedAt })
      .from(userBadges)
      .where(eq(userBadges.userId, userId))
      .orderBy(asc(userBadges.awardedAt), asc(userBadges.badgeId)),
  ]);
  const streak = streakOf(days, today);
  const minutes = new Map(perDay.map((row) => [row.date, row.minutes]));
  const minutesByDay = Array.from({ length: STATS_DAYS }, (_, i) => {
    const date = addDays(from, i);
    return { date, minutes: minutes.get(date) ?? 0 };
  });
  return {
    timezone,
    today,
    todayMinutes: minutes.get(today) ?? 0,
    currentStreak: streak.current,
    longestStreak: streak.longest,
    freezes: { held: streak.freezesHeld, used: streak.freezesUsed },
    needsSprintToday: streak.needsSprintToday,
    minutesByDay,
    badges: badgeRows.map(toPublicBadge),
    allBadges: BADGES.map((badge) => ({
      id: badge.id,
      name: badge.name,
      description: badge.description,
      awardedAt: badgeRows.find((row) => row.badgeId === badge.id)?.awardedAt.toISOString() ?? null,
    })),
  };
}
