import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, registerUser, uploadFileOk } from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import {
  blocks,
  coworkingParticipants,
  coworkingSessions,
  files,
  messages,
  roomMembers,
  rooms,
  sprints,
  users,
} from '../../db/schema';
import { newId } from '../../lib/ids';
import { localDate } from '../../lib/local-date';
import { weekStart } from '../metrics/rollup';
import { addDays } from '../sprints/streaks';

const db = createDb(env.DB);
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

interface Dashboard {
  cards: {
    focusMinutesThisWeek: number;
    streak: number;
    filesCount: number;
    storageUsedBytes: number;
    quotaBytes: number;
    roomsWithNewMessages: number;
  };
  recent: {
    files: { id: string; name: string }[];
    messages: { id: string; roomName: string; text: string }[];
    sessions: { id: string; role: string }[];
    sprints: { id: string }[];
  };
  charts: { minutesByDay: { date: string; minutes: number }[]; storageByDay: { date: string; bytes: number }[] };
}

async function creditedOn(userId: string, day: string, minutes: number, startedAt: number) {
  const id = newId();
  await db.insert(sprints).values({
    id,
    userId,
    kind: 'solo',
    plannedMinutes: 50,
    startedAt: new Date(startedAt),
    plannedEndAt: new Date(startedAt + HOUR),
    endedAt: new Date(startedAt + HOUR),
    status: 'completed',
    creditedMinutes: minutes,
    localDate: day,
    createdAt: new Date(startedAt),
  });
  return id;
}

async function roomWith(name: string, memberIds: string[], ownerId: string, joinedAt = Date.now() - 10 * DAY) {
  const id = newId();
  const t = new Date(joinedAt);
  await db.insert(rooms).values({ id, name, visibility: 'private', ownerId, createdAt: t, updatedAt: t });
  await db
    .insert(roomMembers)
    .values(memberIds.map((userId) => ({ roomId: id, userId, role: 'member' as const, joinedAt: t })));
  return id;
}

async function archived(
  roomId: string,
  seq: number,
  authorId: string,
  text: string,
  options: { deleted?: boolean } = {},
) {
  const sentAt = new Date(Date.now() - HOUR + seq * 60_000);
  const id = newId();
  await db.insert(messages).values({
    roomId,
    seq,
    id,
    authorId,
    authorName: null,
    text,
    sentAt,
    deletedAt: options.deleted ? sentAt : null,
  });
  return id;
}

describe('the dashboard', () => {
  it('should show my week, streak, storage, rooms waiting, recent items and charts in my time zone', async () => {
    const me = await registerUser({ name: 'Me' });
    const other = await registerUser({ name: 'Other' });
    const blocked = await registerUser({ name: 'Blocked' });
    const stranger = await registerUser({ name: 'Stranger' });
    const zone = 'Pacific/Kiritimati';
    await db.update(users).set({ timezone: zone }).where(eq(users.id, me.id));
    const t = Date.now();
    const today = localDate(t, zone);

    // Sprints: today and yesterday (a streak of 2), and one a week before that.
    const sprintIds = [
      await creditedOn(me.id, addDays(today, -8), 40, t - 8 * DAY),
      await creditedOn(me.id, addDays(today, -1), 30, t - DAY),
      await creditedOn(me.id, today, 25, t - 2 * HOUR),
      await creditedOn(me.id, today, 5, t - HOUR),
    ];
    await creditedOn(other.id, today, 50, t - HOUR);

    // Files: one from 40 days ago, one now.
    const old = await uploadFileOk(me.accessToken, 'hello', 'old.txt');
    await db
      .update(files)
      .set({ createdAt: new Date(t - 40 * DAY) })
      .where(eq(files.id, old.id));
    const fresh = await uploadFileOk(me.accessToken, 'abc', 'fresh.txt');
    await uploadFileOk(other.accessToken, 'not mine', 'other.txt');

    // Rooms: one whose latest word is someone else's, one where I spoke last, one I am not in.
    const waiting = await roomWith('Waiting', [me.id, other.id, blocked.id], other.id);
    await archived(waiting, 1, me.id, 'hi all');
    const latestVisible = await archived(waiting, 2, other.id, 'hello you');
    await archived(waiting, 3, other.id, 'deleted one', { deleted: true });
    await archived(waiting, 4, blocked.id, 'from someone I blocked');
    const answered = await roomWith('Answered', [me.id, other.id], me.id);
    await archived(answered, 1, other.id, 'question?');
    const mine = await archived(answered, 2, me.id, 'answer');
    const elsewhere = await roomWith('Elsewhere', [stranger.id], stranger.id);
    await archived(elsewhere, 1, stranger.id, 'not for me');
    await db.insert(blocks).values({ blockerId: me.id, blockedId: blocked.id, createdAt: new Date(t) });
    // A room where only a blocked person spoke last does not wait for me.
    const quiet = await roomWith('Quiet', [me.id, blocked.id], me.id);
    await archived(quiet, 1, blocked.id, 'psst');

    // Sessions: hosted, joined, and one I was removed from.
    const session = async (hostId: string, title: string, startedAt: number) => {
      const id = newId();
      await db.insert(coworkingSessions).values({
        id,
        hostId,
        title,
        durationMinutes: 50,
        visibility: 'public',
        shareCode: id.slice(-8).toUpperCase(),
        phase: 'ended',
        startedAt: new Date(startedAt),
        endedAt: new Date(startedAt + HOUR),
        createdAt: new Date(startedAt - HOUR),
        updatedAt: new Date(startedAt),
      });
      return id;
    };
    const hosted = await session(me.id, 'Mine', t - 3 * HOUR);
    const joined = await session(other.id, 'Theirs', t - 2 * HOUR);
    const removed = await session(other.id, 'Gone', t - HOUR);
    const seat = (sessionId: string, mode: 'host' | 'remote', removedAt: Date | null = null) => ({
      sessionId,
      userId: me.id,
      mode,
      joinedAt: new Date(t - 4 * HOUR),
      removedAt,
      minutesPresent: 30,
      joinNonce: newId(),
    });
    await db
      .insert(coworkingParticipants)
      .values([seat(hosted, 'host'), seat(joined, 'remote'), seat(removed, 'remote', new Date(t))]);

    const res = await call('/api/dashboard', { token: me.accessToken });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Dashboard;
    const monday = weekStart(today);
    const week = [
      [addDays(today, -8), 40],
      [addDays(today, -1), 30],
      [today, 30],
    ].reduce((sum, [day, minutes]) => (String(day) >= monday ? sum + Number(minutes) : sum), 0);
    expect(body.cards).toMatchObject({
      focusMinutesThisWeek: week,
      streak: 2,
      filesCount: 2,
      storageUsedBytes: 8,
      roomsWithNewMessages: 1,
    });
    expect(body.cards.quotaBytes).toBeGreaterThan(8);
    expect(body.recent.files.map((file) => file.id)).toEqual([fresh.id, old.id]);
    expect(body.recent.messages.map((message) => message.id)).toEqual(expect.arrayContaining([latestVisible, mine]));
    const texts = body.recent.messages.map((message) => message.text);
    expect(texts).not.toContain('deleted one');
    expect(texts).not.toContain('from someone I blocked');
    expect(texts).not.toContain('psst');
    expect(texts).not.toContain('not for me');
    expect(body.recent.messages).toHaveLength(4);
    expect(body.recent.sessions.map((s) => [s.id, s.role])).toEqual([
      [joined, 'remote'],
      [hosted, 'host'],
    ]);
    expect(body.recent.sprints.map((sprint) => sprint.id)).toEqual(sprintIds.slice().reverse());
    expect(body.charts.minutesByDay).toHaveLength(14);
    expect(body.charts.minutesByDay.at(-1)).toEqual({ date: today, minutes: 30 });
    expect(body.charts.minutesByDay.at(-2)).toEqual({ date: addDays(today, -1), minutes: 30 });
    expect(body.charts.minutesByDay.at(-9)).toEqual({ date: addDays(today, -8), minutes: 40 });
    expect(body.charts.minutesByDay.reduce((sum, day) => sum + day.minutes, 0)).toBe(100);
    expect(body.charts.storageByDay).toHaveLength(30);
    expect(body.charts.storageByDay[0]?.bytes).toBe(5);
    expect(body.charts.storageByDay.at(-1)).toEqual({ date: new Date(t).toISOString().slice(0, 10), bytes: 8 });
  });

  it('should show a new account an empty dashboard, and nobody signed out anything', async () => {
    const me = await registerUser();
    const res = await call('/api/dashboard', { token: me.accessToken });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Dashboard;
    expect(body.cards).toMatchObject({ focusMinutesThisWeek: 0, streak: 0, filesCount: 0, storageUsedBytes: 0 });
    expect(body.recent).toEqual({ files: [], messages: [], sessions: [], sprints: [] });
    expect(body.charts.minutesByDay.every((day) => day.minutes === 0)).toBe(true);
    expect(body.charts.storageByDay.every((day) => day.bytes === 0)).toBe(true);
    await expectProblem(await call('/api/dashboard'), 401, 'unauthorized');
  });
});
