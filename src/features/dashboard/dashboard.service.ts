import { and, desc, eq, gt, gte, isNotNull, isNull, ne, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client';
import {
  coworkingParticipants,
  coworkingSessions,
  files,
  messages,
  roomMembers,
  rooms,
  sprints,
  storageUsage,
  users,
} from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { localDate } from '../../lib/local-date';
import { utcDay } from '../metrics/activity';
import { weekStart } from '../metrics/rollup';
import { addDays, streakOf } from '../sprints/streaks';

export const RECENT = 5;
export const MINUTES_DAYS = 14;
export const STORAGE_DAYS = 30;
/** Messages looked at per room for `recent.messages`: the newest of each room, by seq (the key). */
const RECENT_PER_ROOM = 20;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** Neither blocked the other: a block hides people from each other here too. */
const notBlocked = (userId: string, other: SQLiteColumn | SQL): SQL =>
  sql`NOT EXISTS (SELECT 1 FROM blocks WHERE (blocker_id = ${userId} AND blocked_id = ${other}) OR (blocker_id = ${other} AND blocked_id = ${userId}))`;

/**
 * The signed-in user's home page in one D1 batch (ten reads, one round trip). The time zone is
 * applied afterwards, in code: every credited day comes back, so the week, the streak and the
 * 14-day chart need no second query.
 */
export async function dashboardOf(db: Database, userId: string, defaultQuota: number, at: Date = now()) {
  const storageFrom = addDays(utcDay(at), -(STORAGE_DAYS - 1));
  const storageFromMs = Date.parse(`${storageFrom}T00:00:00Z`);
  const [user, perDay, usage, fileCount, waiting, recentFiles, recentMessages, recentSessions, recentSprints, growth] =
    await db.batch([
      db.select({ timezone: users.timezone }).from(users).where(eq(users.id, userId)),
      db
        .select({ date: sprints.localDate, minutes: sql<number>`sum(${sprints.creditedMinutes})` })
        .from(sprints)
        .where(and(eq(sprints.userId, userId), isNotNull(sprints.localDate), gte(sprints.creditedMinutes, 1)))
        .groupBy(sprints.localDate),
      db.select().from(storageUsage).where(eq(storageUsage.userId, userId)),
      db.select({ count: sql<number>`count(*)` }).from(files).where(eq(files.ownerId, userId)),
      db
        .select({ count: sql<number>`count(*)` })
        .from(roomMembers)
        .innerJoin(
          messages,
          and(
            eq(messages.roomId, roomMembers.roomId),
            // The latest message I can see: not deleted, and not from someone either of us blocked.
            sql`${messages.seq} = (SELECT max(seq) FROM messages AS latest WHERE latest.room_id = ${roomMembers.roomId} AND latest.deleted_at IS NULL AND ${notBlocked(userId, sql`latest.author_id`)})`,
          ),
        )
        .where(
          and(
            eq(roomMembers.userId, userId),
            ne(messages.authorId, userId),
            gt(messages.sentAt, roomMembers.joinedAt),
            gte(messages.sentAt, new Date(at.getTime() - WEEK_MS)),
          ),
        ),
      db
        .select({
          id: files.id,
          name: files.name,
          size: files.size,
          contentType: files.contentType,
          createdAt: files.createdAt,
        })
        .from(files)
        .where(eq(files.ownerId, userId))
        .orderBy(desc(files.createdAt), desc(files.id))
        .limit(RECENT),
      db
        .select({
          roomId: messages.roomId,
          roomName: rooms.name,
          id: messages.id,
          authorId: messages.authorId,
          authorName: messages.authorName,
          text: messages.text,
          sentAt: messages.sentAt,
        })
        .from(roomMembers)
        .innerJoin(
          messages,
          and(
            eq(messages.roomId, roomMembers.roomId),
            // A range of the (room_id, seq) key per room, not a scan of every message the rooms hold.
            sql`${messages.seq} > (SELECT max(seq) FROM messages AS latest WHERE latest.room_id = ${roomMembers.roomId}) - ${RECENT_PER_ROOM}`,
          ),
        )
        .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
        .where(and(eq(roomMembers.userId, userId), isNull(messages.deletedAt), notBlocked(userId, messages.authorId)))
        .orderBy(desc(messages.sentAt), desc(messages.seq))
        .limit(RECENT),
      db
        .select({
          id: coworkingSessions.id,
          title: coworkingSessions.title,
          phase: coworkingSessions.phase,
          role: coworkingParticipants.mode,
          startsAt: coworkingSessions.startsAt,
          startedAt: coworkingSessions.startedAt,
          endedAt: coworkingSessions.endedAt,
          minutesPresent: coworkingParticipants.minutesPresent,
        })
        .from(coworkingParticipants)
        .innerJoin(coworkingSessions, eq(coworkingSessions.id, coworkingParticipants.sessionId))
        .where(and(eq(coworkingParticipants.userId, userId), isNull(coworkingParticipants.removedAt)))
        .orderBy(
          desc(
            sql`coalesce(${coworkingSessions.startedAt}, ${coworkingSessions.startsAt}, ${coworkingSessions.createdAt})`,
          ),
          desc(coworkingSessions.id),
        )
        .limit(RECENT),
      db
        .select()
        .from(sprints)
        .where(eq(sprints.userId, userId))
        .orderBy(desc(sprints.startedAt), desc(sprints.id))
        .limit(RECENT),
      db
        .select({
          // '' gathers every file from before the chart's first day into one starting total.
          day: sql<string>`CASE WHEN ${files.createdAt} < ${storageFromMs} THEN '' ELSE date(${files.createdAt} / 1000, 'unixepoch') END`,
          bytes: sql<number>`sum(${files.size})`,
        })
        .from(files)
        .where(eq(files.ownerId, userId))
        .groupBy(sql`1`),
    ]);
  const timezone = user[0]?.timezone;
  if (!user[0]) throw new AppError('not_found', 'No such user.');
  const today = localDate(at, timezone);
  const minutes = new Map(perDay.flatMap((row) => (row.date === null ? [] : [[row.date, Number(row.minutes)]])));
  const monday = weekStart(today);
  let focusMinutesThisWeek = 0;
  for (let day = monday; day <= today; day = addDays(day, 1)) focusMinutesThisWeek += minutes.get(day) ?? 0;
  const minutesFrom = addDays(today, -(MINUTES_DAYS - 1));
  const added = new Map(growth.map((row) => [row.day, Number(row.bytes)]));
  let bytes = added.get('') ?? 0;
  const storageByDay = Array.from({ length: STORAGE_DAYS }, (_, i) => {
    const date = addDays(storageFrom, i);
    bytes += added.get(date) ?? 0;
    return { date, bytes };
  });
  return {
    cards: {
      focusMinutesThisWeek,
      streak: streakOf([...minutes.keys()].sort(), today).current,
      filesCount: Number(fileCount[0]?.count ?? 0),
      storageUsedBytes: usage[0]?.usedBytes ?? 0,
      quotaBytes: usage[0]?.quotaBytes ?? defaultQuota,
      roomsWithNewMessages: Number(waiting[0]?.count ?? 0),
    },
    recent: {
      files: recentFiles.map((file) => ({ ...file, createdAt: file.createdAt.toISOString() })),
      messages: recentMessages.map((message) => ({ ...message, sentAt: message.sentAt.toISOString() })),
      sessions: recentSessions.map((session) => ({
        ...session,
        startsAt: iso(session.startsAt),
        startedAt: iso(session.startedAt),
        endedAt: iso(session.endedAt),
      })),
      sprints: recentSprints.map((sprint) => ({
        id: sprint.id,
        kind: sprint.kind,
        goal: sprint.goal,
        status: sprint.status,
        plannedMinutes: sprint.plannedMinutes,
        creditedMinutes: sprint.creditedMinutes,
        startedAt: sprint.startedAt.toISOString(),
        localDate: sprint.localDate,
      })),
    },
    charts: {
      minutesByDay: Array.from({ length: MINUTES_DAYS }, (_, i) => {
        const date = addDays(minutesFrom, i);
        return { date, minutes: minutes.get(date) ?? 0 };
      }),
      storageByDay,
    },
  };
}
