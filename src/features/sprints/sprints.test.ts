import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, registerUser, type TestUser } from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import { coworkingSessions, sprints, userBadges } from '../../db/schema';
import type { JobMessage } from '../../env';
import worker from '../../index';
import { newId } from '../../lib/ids';
import { localDate } from '../../lib/local-date';
import { awardBadges, type PublicBadge, type PublicSprint, type SprintStats } from './sprints.service';
import { addDays } from './streaks';

const db = createDb(env.DB);
const MINUTE = 60_000;
const eqUser = (userId: string) => eq(sprints.userId, userId);
const HOUR = 60 * MINUTE;

type Sprint = PublicSprint;
type Badge = PublicBadge;
type Stats = SprintStats;

const start = (user: TestUser, body: unknown) => call('/api/sprints/solo', { token: user.accessToken, body });
const complete = (user: TestUser, id: string, body: unknown = {}) =>
  call(`/api/sprints/${id}/complete`, { token: user.accessToken, body });
const abandon = (user: TestUser, id: string) =>
  call(`/api/sprints/${id}/abandon`, { token: user.accessToken, body: {} });

async function stats(user: TestUser): Promise<Stats> {
  const res = await call('/api/sprints/stats', { token: user.accessToken });
  expect(res.status).toBe(200);
  return (await res.json()) as Stats;
}

/** A running solo sprint that started at `startedAt`, written straight into D1. */
async function runningSince(userId: string, startedAt: number, plannedMinutes = 50): Promise<string> {
  const id = newId();
  await db.insert(sprints).values({
    id,
    userId,
    kind: 'solo',
    plannedMinutes,
    startedAt: new Date(startedAt),
    plannedEndAt: new Date(startedAt + plannedMinutes * MINUTE),
    status: 'running',
    createdAt: new Date(startedAt),
  });
  return id;
}

/** A sprint already credited `minutes` on `day`, written straight into D1. */
async function creditedOn(userId: string, day: string, minutes = 25, kind: 'solo' | 'session' = 'solo') {
  const at = new Date(`${day}T12:00:00Z`);
  await db.insert(sprints).values({
    id: newId(),
    userId,
    kind,
    sessionId: null,
    plannedMinutes: Math.max(minutes, 5),
    startedAt: at,
    plannedEndAt: at,
    endedAt: at,
    status: 'completed',
    creditedMinutes: minutes,
    localDate: day,
    createdAt: at,
  });
}

/** Today in a new account's zone (UTC). */
const today = () => localDate(Date.now(), 'UTC');

describe('POST /api/sprints/solo', () => {
  it('should start a sprint stamped by the server', async () => {
    const user = await registerUser();
    const before = Date.now();
    const res = await start(user, { durationMinutes: 25, goal: '  Write the intro ' });
    expect(res.status).toBe(201);
    const sprint = (await res.json()) as Sprint;
    expect(sprint).toMatchObject({
      kind: 'solo',
      goal: 'Write the intro',
      plannedMinutes: 25,
      status: 'running',
      creditedMinutes: 0,
      localDate: null,
      endedAt: null,
    });
    const startedAt = Date.parse(sprint.startedAt);
    expect(startedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(sprint.plannedEndAt) - startedAt).toBe(25 * MINUTE);
  });

  it("should carry the server's clock on every sprint answer, so a timer can correct a skewed device", async () => {
    const user = await registerUser();
    const near = (iso: string, before: number) => {
      expect(Date.parse(iso)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(iso)).toBeLessThanOrEqual(Date.now() + 1000);
    };
    let before = Date.now();
    const started = (await (await start(user, { durationMinutes: 25 })).json()) as Sprint & { now: string };
    near(started.now, before);
    before = Date.now();
    const listed = (await (await call('/api/sprints', { token: user.accessToken })).json()) as {
      items: (Sprint & { now: string })[];
    };
    expect(listed.items.map((item) => item.id)).toContain(started.id);
    for (const item of listed.items) near(item.now, before);
    before = Date.now();
    const abandoned = (await (
      await call(`/api/sprints/${started.id}/abandon`, { method: 'POST', token: user.accessToken })
    ).json()) as Sprint & { now: string };
    near(abandoned.now, before);
  });

  it('should refuse durations outside 5 to 180 minutes, long goals and unknown fields', async () => {
    const user = await registerUser();
    for (const body of [
      { durationMinutes: 4 },
      { durationMinutes: 181 },
      { durationMinutes: 25.5 },
      {},
      { durationMinutes: 25, goal: 'x'.repeat(201) },
      { durationMinutes: 25, startedAt: '2020-01-01T00:00:00Z' },
    ]) {
      await expectProblem(await start(user, body), 400, 'validation_failed');
    }
    expect((await start(user, { durationMinutes: 5, goal: 'x'.repeat(200) })).status).toBe(201);
  });

  it('should refuse a second sprint while one runs', async () => {
    const user = await registerUser();
    expect((await start(user, { durationMinutes: 25 })).status).toBe(201);
    await expectProblem(await start(user, { durationMinutes: 30 }), 409, 'conflict');
  });

  it('should start exactly one of 10 parallel starts', async () => {
    const user = await registerUser();
    const results = await Promise.all(Array.from({ length: 10 }, () => start(user, { durationMinutes: 25 })));
    expect(results.map((res) => res.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM sprints WHERE user_id = ? AND status = 'running'")
      .bind(user.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('should need a signed-in user', async () => {
    await expectProblem(await call('/api/sprints/solo', { body: { durationMinutes: 25 } }), 401, 'unauthorized');
    await expectProblem(await call('/api/sprints/stats'), 401, 'unauthorized');
  });
});

describe('POST /api/sprints/:id/complete and abandon', () => {
  it('should credit the whole minutes spent, store the local day and refuse a second completion', async () => {
    const user = await registerUser();
    const id = await runningSince(user.id, Date.now() - 25 * MINUTE - 50_000, 50);
    const res = await complete(user, id, { done: true });
    expect(res.status).toBe(200);
    const { sprint } = (await res.json()) as { sprint: Sprint };
    expect(sprint).toMatchObject({ id, status: 'completed', creditedMinutes: 25, done: true, localDate: today() });
    await expectProblem(await complete(user, id), 409, 'conflict');
    await expectProblem(await abandon(user, id), 409, 'conflict');
  });

  it('should credit nothing under a minute and accept no body', async () => {
    const user = await registerUser();
    const started = (await (await start(user, { durationMinutes: 25 })).json()) as Sprint;
    const res = await call(`/api/sprints/${started.id}/complete`, { method: 'POST', token: user.accessToken });
    expect(res.status).toBe(200);
    const { sprint, newBadges } = (await res.json()) as { sprint: Sprint; newBadges: Badge[] };
    expect(sprint).toMatchObject({ creditedMinutes: 0, done: null, status: 'completed' });
    expect(newBadges).toEqual([]);
    expect((await stats(user)).currentStreak).toBe(0);
  });

  it('should credit at most the planned minutes when completed long after the planned end', async () => {
    const user = await registerUser();
    const id = await runningSince(user.id, Date.now() - 5 * HOUR, 30);
    const { sprint } = (await (await complete(user, id)).json()) as { sprint: Sprint };
    expect(sprint.creditedMinutes).toBe(30);
  });

  it('should abandon without credit, then allow a new sprint', async () => {
    const user = await registerUser();
    const id = await runningSince(user.id, Date.now() - 20 * MINUTE, 25);
    const res = await abandon(user, id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: 'abandoned', creditedMinutes: 0, localDate: null });
    await expectProblem(await complete(user, id), 409, 'conflict');
    expect((await start(user, { durationMinutes: 25 })).status).toBe(201);
  });

  it("should answer 404 for another user's sprint or an unknown one", async () => {
    const owner = await registerUser();
    const stranger = await registerUser();
    const id = await runningSince(owner.id, Date.now() - 10 * MINUTE);
    await expectProblem(await complete(stranger, id), 404, 'not_found');
    await expectProblem(await abandon(stranger, id), 404, 'not_found');
    await expectProblem(await complete(owner, newId()), 404, 'not_found');
    await expectProblem(await complete(owner, id, { done: 'yes' }), 400, 'validation_failed');
    expect((await complete(owner, id)).status).toBe(200);
  });

  it("should refuse to complete a coworking session's sprint", async () => {
    const user = await registerUser();
    await creditedOn(user.id, today(), 30, 'session');
    const [row] = await db.select({ id: sprints.id }).from(sprints).where(eqUser(user.id));
    await expectProblem(await complete(user, row?.id ?? ''), 409, 'conflict');
  });
});

describe('badges', () => {
  it('should name badges just earned in the complete response, once', async () => {
    const user = await registerUser();
    const first = await runningSince(user.id, Date.now() - 61 * MINUTE, 90);
    const { newBadges } = (await (await complete(user, first)).json()) as { newBadges: Badge[] };
    expect(newBadges.map((badge) => badge.id).sort()).toEqual(['first_sprint', 'hours_1']);
    expect(newBadges[0]?.name).toBeTruthy();
    const second = await runningSince(user.id, Date.now() - 10 * MINUTE, 25);
    expect(((await (await complete(user, second)).json()) as { newBadges: Badge[] }).newBadges).toEqual([]);
    expect((await stats(user)).badges.map((badge) => badge.id).sort()).toEqual(['first_sprint', 'hours_1']);
  });

  it('should award the 10th sprint and the 7-day streak when they are reached', async () => {
    const user = await registerUser();
    for (let i = 9; i >= 1; i--) await creditedOn(user.id, addDays(today(), -i), 5);
    const id = await runningSince(user.id, Date.now() - 6 * MINUTE, 25);
    const { newBadges } = (await (await complete(user, id)).json()) as { newBadges: Badge[] };
    // The nine older sprints were never checked, so first_sprint comes now too.
    expect(newBadges.map((badge) => badge.id).sort()).toEqual(['first_sprint', 'sprints_10', 'streak_7']);
  });

  it('should award a badge once when checks race', async () => {
    const user = await registerUser();
    await creditedOn(user.id, today(), 25);
    const results = await Promise.all(Array.from({ length: 5 }, () => awardBadges(db, user.id)));
    expect(results.flat().map((badge) => badge.id)).toEqual(['first_sprint']);
    const rows = await db.select().from(userBadges).where(eq(userBadges.userId, user.id));
    expect(rows).toHaveLength(1);
  });

  it('should award coworking badges lazily when stats are read', async () => {
    const user = await registerUser();
    await creditedOn(user.id, today(), 40, 'session');
    const at = new Date();
    // One row at a time: ten in one statement pass D1's 100 bound parameters.
    for (let i = 0; i < 10; i++) {
      await db.insert(coworkingSessions).values({
        id: newId(),
        hostId: user.id,
        title: 'Deep work',
        durationMinutes: 25,
        visibility: 'private' as const,
        shareCode: newId().slice(-8).toUpperCase(),
        phase: 'ended' as const,
        startedAt: at,
        endedAt: at,
        createdAt: at,
        updatedAt: at,
      });
    }
    const ids = (await stats(user)).badges.map((badge) => badge.id).sort();
    expect(ids).toEqual(['first_session', 'first_sprint', 'hosted_10']);
  });

  it('should export badges and delete them with the account', async () => {
    const user = await registerUser();
    const id = await runningSince(user.id, Date.now() - 5 * MINUTE, 25);
    await complete(user, id, { done: false });
    const exported = (await (await call('/api/users/me/export', { token: user.accessToken })).json()) as {
      badges: { badgeId: string; awardedAt: string }[];
      sprints: { id: string; done: boolean | null }[];
    };
    expect(exported.badges.map((badge) => badge.badgeId)).toEqual(['first_sprint']);
    expect(exported.sprints).toEqual([expect.objectContaining({ id, done: false })]);
    const res = await call('/api/users/me', {
      method: 'DELETE',
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(res.status).toBe(204);
    expect(await db.select().from(userBadges).where(eq(userBadges.userId, user.id))).toEqual([]);
    expect(await db.select().from(sprints).where(eqUser(user.id))).toEqual([]);
  });
});

describe('GET /api/sprints', () => {
  it('should list my sprints newest first, a page at a time', async () => {
    const user = await registerUser();
    const other = await registerUser();
    await runningSince(other.id, Date.now() - MINUTE);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sprint = (await (await start(user, { durationMinutes: 25 })).json()) as Sprint;
      await abandon(user, sprint.id);
      ids.push(sprint.id);
    }
    const first = await call('/api/sprints?limit=2', { token: user.accessToken });
    const page1 = (await first.json()) as { items: Sprint[]; nextCursor: string | null };
    expect(page1.items.map((s) => s.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await (
      await call(`/api/sprints?limit=2&cursor=${page1.nextCursor}`, { token: user.accessToken })
    ).json()) as { items: Sprint[]; nextCursor: string | null };
    expect(page2).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    await expectProblem(await call('/api/sprints?limit=0', { token: user.accessToken }), 400, 'validation_failed');
  });
});

describe('GET /api/sprints/stats', () => {
  it('should give 90 days with zeros, today and the streak alive through yesterday', async () => {
    const user = await registerUser();
    await creditedOn(user.id, addDays(today(), -2), 20);
    await creditedOn(user.id, addDays(today(), -1), 15);
    await creditedOn(user.id, addDays(today(), -1), 10);
    await creditedOn(user.id, addDays(today(), -120), 30);
    const before = await stats(user);
    expect(before).toMatchObject({
      timezone: 'UTC',
      today: today(),
      todayMinutes: 0,
      currentStreak: 2,
      longestStreak: 2,
      freezes: { held: 0, used: [] },
      needsSprintToday: true,
    });
    expect(before.minutesByDay).toHaveLength(90);
    expect(before.minutesByDay[0]?.date).toBe(addDays(today(), -89));
    expect(before.minutesByDay.at(-1)).toEqual({ date: today(), minutes: 0 });
    expect(before.minutesByDay.at(-2)).toEqual({ date: addDays(today(), -1), minutes: 25 });
    expect(before.minutesByDay.reduce((sum, day) => sum + day.minutes, 0)).toBe(45);

    const id = await runningSince(user.id, Date.now() - 10 * MINUTE - 5000, 25);
    expect((await complete(user, id)).status).toBe(200);
    expect(await stats(user)).toMatchObject({ todayMinutes: 10, currentStreak: 3, needsSprintToday: false });
  });

  it('should not count a day whose sprints were credited nothing', async () => {
    const user = await registerUser();
    await creditedOn(user.id, addDays(today(), -1), 0);
    expect(await stats(user)).toMatchObject({ currentStreak: 0, longestStreak: 0, needsSprintToday: false });
  });

  it('should count coworking sessions as streak days', async () => {
    const user = await registerUser();
    await creditedOn(user.id, addDays(today(), -1), 30, 'session');
    await creditedOn(user.id, today(), 5, 'solo');
    expect(await stats(user)).toMatchObject({ currentStreak: 2, todayMinutes: 5 });
  });

  it('should spend a freeze on a missed day and report the day it covered', async () => {
    const user = await registerUser();
    for (let i = 8; i >= 2; i--) await creditedOn(user.id, addDays(today(), -i));
    expect(await stats(user)).toMatchObject({
      currentStreak: 7,
      longestStreak: 7,
      freezes: { held: 0, used: [addDays(today(), -1)] },
      needsSprintToday: true,
    });
  });

  it('should end the streak after a missed day with no freeze', async () => {
    const user = await registerUser();
    for (let i = 5; i >= 2; i--) await creditedOn(user.id, addDays(today(), -i));
    expect(await stats(user)).toMatchObject({ currentStreak: 0, longestStreak: 4, needsSprintToday: false });
  });
});

describe('the cleanup job', () => {
  it('should close solo sprints left running long past their end as expired, without credit', async () => {
    const user = await registerUser();
    const other = await registerUser();
    const stale = await runningSince(user.id, Date.now() - 13 * HOUR - 25 * MINUTE, 25);
    const recent = await runningSince(other.id, Date.now() - 2 * HOUR, 25);
    const batch = createMessageBatch<JobMessage>('hearth-jobs', [
      {
        id: 'm1',
        timestamp: Date.now(),
        attempts: 1,
        body: { type: 'cleanup', requestedAt: new Date().toISOString() },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['m1']);
    const rows = await db.select().from(sprints).where(eqUser(user.id));
    expect(rows).toEqual([
      expect.objectContaining({ id: stale, status: 'expired', creditedMinutes: 0, localDate: null }),
    ]);
    const [kept] = await db.select().from(sprints).where(eq(sprints.id, recent));
    expect(kept?.status).toBe('running');
    await expectProblem(await complete(user, stale), 409, 'conflict');
    expect((await start(user, { durationMinutes: 25 })).status).toBe(201);
  });
});
