import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, registerUser, type TestUser } from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import { sprints } from '../../db/schema';
import { newId } from '../../lib/ids';
import { completeSolo, statsOf } from './sprints.service';

// Time cannot be faked inside the worker, so these drive the service with chosen instants against
// the real D1: a running sprint written with its start, completed at a chosen moment, stats read
// as of another. The zone is set through the API, as a person would.
const db = createDb(env.DB);
const MINUTE = 60_000;

async function userIn(timezone: string): Promise<TestUser> {
  const user = await registerUser();
  await moveTo(user, timezone);
  return user;
}

async function moveTo(user: TestUser, timezone: string) {
  const res = await call('/api/users/me', { method: 'PATCH', token: user.accessToken, body: { timezone } });
  expect(res.status).toBe(200);
}

/** A solo sprint started at `from` and completed at `to` (ISO instants): what was credited, and to which day. */
async function sprint(user: TestUser, from: string, to: string, plannedMinutes = 180) {
  const startedAt = new Date(from);
  const id = newId();
  await db.insert(sprints).values({
    id,
    userId: user.id,
    kind: 'solo',
    plannedMinutes,
    startedAt,
    plannedEndAt: new Date(startedAt.getTime() + plannedMinutes * MINUTE),
    status: 'running',
    createdAt: startedAt,
  });
  const { sprint: done } = await completeSolo(db, user.id, id, {}, new Date(to));
  return { minutes: done.creditedMinutes, day: done.localDate };
}

const statsAt = (user: TestUser, at: string) => statsOf(db, user.id, new Date(at));

describe('streaks across time zones', () => {
  it('should credit real minutes and one day across the March change in America/New_York', async () => {
    const user = await userIn('America/New_York');
    // 01:30 EST to 03:30 EDT on 8 March 2026 is one hour: clocks skipped 02:00 to 03:00.
    expect(await sprint(user, '2026-03-08T06:30:00Z', '2026-03-08T07:30:00Z')).toEqual({
      minutes: 60,
      day: '2026-03-08',
    });
    // 23:30 EDT on the 8th is still the 8th, though only 23 hours have passed since midnight.
    expect(await sprint(user, '2026-03-09T03:00:00Z', '2026-03-09T03:30:00Z')).toEqual({
      minutes: 30,
      day: '2026-03-08',
    });
    expect(await sprint(user, '2026-03-09T04:10:00Z', '2026-03-09T04:30:00Z')).toEqual({
      minutes: 20,
      day: '2026-03-09',
    });
    const stats = await statsAt(user, '2026-03-09T15:00:00Z');
    expect(stats).toMatchObject({ today: '2026-03-09', todayMinutes: 20, currentStreak: 2, needsSprintToday: false });
    expect(stats.minutesByDay.slice(-2)).toEqual([
      { date: '2026-03-08', minutes: 90 },
      { date: '2026-03-09', minutes: 20 },
    ]);
  });

  it('should count the repeated hour of November in America/New_York as one day', async () => {
    const user = await userIn('America/New_York');
    // 01:30 EDT, then 01:30 EST an hour later, then 23:30 EST: all 1 November, a 25-hour day.
    expect((await sprint(user, '2026-11-01T05:00:00Z', '2026-11-01T05:30:00Z')).day).toBe('2026-11-01');
    expect((await sprint(user, '2026-11-01T06:00:00Z', '2026-11-01T06:30:00Z')).day).toBe('2026-11-01');
    expect((await sprint(user, '2026-11-02T04:00:00Z', '2026-11-02T04:30:00Z')).day).toBe('2026-11-01');
    expect((await sprint(user, '2026-11-02T05:00:00Z', '2026-11-02T05:10:00Z')).day).toBe('2026-11-02');
    const stats = await statsAt(user, '2026-11-02T12:00:00Z');
    expect(stats).toMatchObject({ today: '2026-11-02', currentStreak: 2, longestStreak: 2 });
    expect(stats.minutesByDay.slice(-2)).toEqual([
      { date: '2026-11-01', minutes: 90 },
      { date: '2026-11-02', minutes: 10 },
    ]);
  });

  it("should follow Australia/Lord_Howe's half-hour offsets and its half-hour change", async () => {
    const user = await userIn('Australia/Lord_Howe');
    // Standard time is UTC+10:30: local midnight of 4 October 2026 is 13:30 UTC on the 3rd.
    expect((await sprint(user, '2026-10-03T13:00:00Z', '2026-10-03T13:20:00Z')).day).toBe('2026-10-03');
    expect((await sprint(user, '2026-10-03T13:35:00Z', '2026-10-03T13:45:00Z')).day).toBe('2026-10-04');
    // From 02:00 on the 4th clocks go to 02:30 (UTC+11): midnight of the 5th is 13:00 UTC on the 4th.
    expect((await sprint(user, '2026-10-04T12:40:00Z', '2026-10-04T12:50:00Z')).day).toBe('2026-10-04');
    expect((await sprint(user, '2026-10-04T13:05:00Z', '2026-10-04T13:15:00Z')).day).toBe('2026-10-05');
    expect(await statsAt(user, '2026-10-05T01:00:00Z')).toMatchObject({
      today: '2026-10-05',
      todayMinutes: 10,
      currentStreak: 3,
    });
  });

  it('should start the day 14 hours ahead in Pacific/Kiritimati', async () => {
    const user = await userIn('Pacific/Kiritimati');
    expect((await sprint(user, '2026-06-01T09:00:00Z', '2026-06-01T09:30:00Z')).day).toBe('2026-06-01');
    expect((await sprint(user, '2026-06-01T10:05:00Z', '2026-06-01T10:30:00Z')).day).toBe('2026-06-02');
    expect(await statsAt(user, '2026-06-01T10:45:00Z')).toMatchObject({
      today: '2026-06-02',
      todayMinutes: 25,
      currentStreak: 2,
    });
  });

  it('should end the day 12 hours behind in Etc/GMT+12', async () => {
    const user = await userIn('Etc/GMT+12');
    expect((await sprint(user, '2026-06-02T11:00:00Z', '2026-06-02T11:30:00Z')).day).toBe('2026-06-01');
    expect((await sprint(user, '2026-06-02T12:05:00Z', '2026-06-02T12:30:00Z')).day).toBe('2026-06-02');
    // Late on the 3rd in UTC it is still the 2nd here: no sprint is needed yet, the day is not over.
    expect(await statsAt(user, '2026-06-03T11:00:00Z')).toMatchObject({
      today: '2026-06-02',
      currentStreak: 2,
      needsSprintToday: false,
    });
  });

  it('should credit a sprint across local midnight to the day it is completed', async () => {
    const user = await userIn('Europe/Paris');
    // 23:40 to 00:20 in Paris (UTC+2 in June): 40 minutes, all on the 2nd.
    expect(await sprint(user, '2026-06-01T21:40:00Z', '2026-06-01T22:20:00Z')).toEqual({
      minutes: 40,
      day: '2026-06-02',
    });
    const stats = await statsAt(user, '2026-06-02T10:00:00Z');
    expect(stats).toMatchObject({ todayMinutes: 40, currentStreak: 1 });
    expect(stats.minutesByDay.at(-2)).toEqual({ date: '2026-06-01', minutes: 0 });
  });

  it('should neither double nor break a streak when the time zone changes east in the middle', async () => {
    const user = await registerUser();
    expect((await sprint(user, '2026-07-01T19:30:00Z', '2026-07-01T20:00:00Z')).day).toBe('2026-07-01');
    expect((await sprint(user, '2026-07-02T19:30:00Z', '2026-07-02T20:00:00Z')).day).toBe('2026-07-02');
    await moveTo(user, 'Pacific/Kiritimati');
    // 21:30 UTC on the 2nd is 11:30 on the 3rd in Kiritimati. Re-derived in the new zone, the two
    // earlier sprints would fall on the 2nd and the 3rd and this one would share the 3rd.
    expect((await sprint(user, '2026-07-02T21:00:00Z', '2026-07-02T21:30:00Z')).day).toBe('2026-07-03');
    const stats = await statsAt(user, '2026-07-02T22:00:00Z');
    expect(stats).toMatchObject({ timezone: 'Pacific/Kiritimati', today: '2026-07-03', currentStreak: 3 });
    expect(stats.minutesByDay.slice(-3).map((day) => day.minutes)).toEqual([30, 30, 30]);
  });

  it('should neither double nor break a streak when the time zone changes west in the middle', async () => {
    const user = await userIn('Pacific/Kiritimati');
    // 01:00 on 2 July in Kiritimati.
    expect((await sprint(user, '2026-07-01T10:30:00Z', '2026-07-01T11:00:00Z')).day).toBe('2026-07-02');
    await moveTo(user, 'Etc/GMT+12');
    // 26 hours behind: it is now 1 July, before the day already counted. Today is covered.
    expect(await statsAt(user, '2026-07-01T12:00:00Z')).toMatchObject({
      today: '2026-07-01',
      currentStreak: 1,
      needsSprintToday: false,
    });
    // 01:00 on 2 July here: the same calendar day again, counted once.
    expect((await sprint(user, '2026-07-02T12:30:00Z', '2026-07-02T13:00:00Z')).day).toBe('2026-07-02');
    // The 3rd here: the 2nd counted twice would make three; two days is right.
    expect((await sprint(user, '2026-07-03T12:30:00Z', '2026-07-03T13:00:00Z')).day).toBe('2026-07-03');
    const stats = await statsAt(user, '2026-07-03T14:00:00Z');
    expect(stats).toMatchObject({ today: '2026-07-03', currentStreak: 2, longestStreak: 2, todayMinutes: 30 });
    expect(stats.minutesByDay.at(-2)).toEqual({ date: '2026-07-02', minutes: 60 });
  });
});
