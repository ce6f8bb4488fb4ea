import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq, gte, lte } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, makeAdmin, registerUser, type TestUser } from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import {
  coworkingParticipants,
  coworkingSessions,
  metricsDaily,
  sprints,
  userActivityDays,
  users,
} from '../../db/schema';
import type { JobMessage } from '../../env';
import worker from '../../index';
import { newId } from '../../lib/ids';
import { addDays } from '../sprints/streaks';
import { utcDay } from './activity';
import { weekStart } from './rollup';

const db = createDb(env.DB);
const at = (day: string, hour = 10) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);

interface Report {
  from: string;
  to: string;
  days: {
    date: string;
    signups: number;
    dau: number;
    wau: number;
    mau: number;
    stickiness: number | null;
    lifecycle: { new: number; returning: number; resurrecting: number; dormant: number };
    sessionsCreated: number;
    sessionsHeld: number;
    focusedMinutes: number;
    live: boolean;
  }[];
  cohorts: { week: string; size: number; retention: { week: number; active: number; rate: number | null }[] }[];
  coworking: Record<string, unknown>;
  focusedMinutes: number;
  signups: number;
}

async function signedUpOn(day: string): Promise<string> {
  const id = newId();
  await db.insert(users).values({ id, email: `${id}@metrics.test`, createdAt: at(day), updatedAt: at(day) });
  return id;
}

const activeOn = (userId: string, ...days: string[]) =>
  db.insert(userActivityDays).values(days.map((day) => ({ userId, day, firstKind: 'file' as const })));

async function sessionOn(
  day: string,
  hostId: string,
  input: { started: boolean; invites?: number; people?: [string, 'host' | 'in_person' | 'remote', number][] },
) {
  const id = newId();
  await db.insert(coworkingSessions).values({
    id,
    hostId,
    title: 'Deep work',
    durationMinutes: 50,
    visibility: 'public',
    shareCode: id.slice(-8).toUpperCase(),
    phase: input.started ? 'ended' : 'lobby',
    startedAt: input.started ? at(day, 11) : null,
    endedAt: input.started ? at(day, 12) : null,
    invitesSent: input.invites ?? 0,
    createdAt: at(day, 9),
    updatedAt: at(day, 12),
  });
  for (const [userId, mode, minutesPresent] of input.people ?? []) {
    await db
      .insert(coworkingParticipants)
      .values({ sessionId: id, userId, mode, joinedAt: at(day, 10), minutesPresent, joinNonce: newId() });
  }
}

async function sprintEnded(userId: string, day: string, minutes: number, status: 'completed' | 'abandoned') {
  await db.insert(sprints).values({
    id: newId(),
    userId,
    kind: 'solo',
    plannedMinutes: 50,
    startedAt: at(day, 8),
    plannedEndAt: at(day, 9),
    endedAt: at(day, 9),
    status,
    creditedMinutes: minutes,
    localDate: day,
    createdAt: at(day, 8),
  });
}

async function report(user: TestUser, query: string): Promise<Report> {
  const res = await call(`/api/admin/metrics${query}`, { token: user.accessToken });
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

async function runCleanupJob() {
  const batch = createMessageBatch<JobMessage>('hearth-jobs', [
    {
      id: 'metrics',
      timestamp: Date.now(),
      attempts: 1,
      body: { type: 'cleanup', requestedAt: new Date().toISOString() },
    },
  ]);
  await worker.queue(batch, env);
  expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(['metrics']);
}

const today = utcDay(Date.now());
/** A Monday three weeks before this week's: every day used below is in the past and rolled up by one run. */
const M = addDays(weekStart(today), -21);
const day = (n: number) => addDays(M, n);

describe('admin metrics', () => {
  it('should roll up sign-ups, active users, lifecycle, cohorts, coworking and focus through the cron job', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const u1 = await signedUpOn(day(0));
    const u2 = await signedUpOn(day(0));
    const u3 = await signedUpOn(day(1));
    await activeOn(u1, day(0), day(8));
    await activeOn(u2, day(0), day(1), day(9), day(15));
    await activeOn(u3, day(1));
    // Held with three attendees (one joined through an invite or a link: joins are not linked to invites).
    await sessionOn(day(2), u1, {
      started: true,
      invites: 3,
      people: [
        [u1, 'host', 50],
        [u2, 'in_person', 50],
        [u3, 'remote', 30],
      ],
    });
    // Held with the host alone: someone joined and never turned up, so joined but did not attend.
    await sessionOn(day(2), u2, {
      started: true,
      people: [
        [u2, 'host', 40],
        [u1, 'in_person', 0],
      ],
    });
    await sessionOn(day(2), u3, { started: false, people: [[u3, 'host', 0]] });
    await sprintEnded(u1, day(3), 25, 'completed');
    await sprintEnded(u2, day(3), 30, 'completed');
    await sprintEnded(u3, day(3), 0, 'abandoned');

    // Through the real path: the cron trigger enqueues, the queue consumer rolls up.
    const rolledFrom = Date.now();
    await db.delete(metricsDaily).where(gte(metricsDaily.day, M));
    await worker.scheduled(createScheduledController({ cron: '*/15 * * * *' }), env);
    await expect
      .poll(
        async () => {
          const rows = await db
            .select({ day: metricsDaily.day, computedAt: metricsDaily.computedAt })
            .from(metricsDaily)
            .where(and(gte(metricsDaily.day, M), lte(metricsDaily.day, day(20))));
          return rows.filter((row) => row.computedAt.getTime() >= rolledFrom).length;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toBe(21);

    // A late write to a rolled-up day does not change what is read: the snapshot is.
    await activeOn(u3, day(8));
    const body = await report(admin, `?from=${day(0)}&to=${day(20)}`);
    expect(body.days).toHaveLength(21);
    expect(body.days.every((d) => !d.live)).toBe(true);
    const on = (n: number) => body.days[n];
    expect(on(0)).toMatchObject({
      signups: 2,
      dau: 2,
      wau: 2,
      mau: 2,
      stickiness: 1,
      lifecycle: { new: 2, returning: 0, resurrecting: 0, dormant: 0 },
    });
    expect(on(1)).toMatchObject({
      signups: 1,
      dau: 2,
      wau: 3,
      mau: 3,
      lifecycle: { new: 1, returning: 1, resurrecting: 0, dormant: 1 },
    });
    expect(on(2)).toMatchObject({ dau: 0, lifecycle: { dormant: 2 }, sessionsCreated: 3, sessionsHeld: 2 });
    expect(on(8)).toMatchObject({
      dau: 1,
      wau: 1,
      mau: 3,
      stickiness: 0.3333,
      lifecycle: { new: 0, returning: 0, resurrecting: 1, dormant: 0 },
    });
    expect(on(9)?.lifecycle).toEqual({ new: 0, returning: 0, resurrecting: 1, dormant: 1 });
    expect(on(3)?.focusedMinutes).toBe(55);
    expect(body).toMatchObject({ signups: 3, focusedMinutes: 55 });
    expect(body.coworking).toEqual({
      sessionsCreated: 3,
      sessionsHeld: 2,
      sessionsEnded: 2,
      attendance: { mean: 2, median: 2, inPerson: 1, remote: 1, hosts: 2 },
      invitesSent: 3,
      joins: 3,
    });
    expect(body.cohorts.map((cohort) => cohort.week)).toEqual([day(0), day(7), day(14)]);
    expect(body.cohorts[0]).toEqual({
      week: day(0),
      size: 3,
      retention: [
        { week: 0, active: 3, rate: 1 },
        { week: 1, active: 2, rate: 0.6667 },
        { week: 2, active: 1, rate: 0.3333 },
      ],
    });
    expect(body.cohorts[1]).toMatchObject({ size: 0, retention: [{ week: 0, active: 0, rate: null }, { week: 1 }] });
  }, 30_000);

  it('should recompute yesterday on every run, one row per day, and compute today live', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const yesterday = addDays(today, -1);
    const someone = await signedUpOn(addDays(today, -40));
    await runCleanupJob();
    const before = await report(admin, `?from=${yesterday}`);
    await activeOn(someone, yesterday, today);
    await runCleanupJob();
    await runCleanupJob();
    const rows = await db.select().from(metricsDaily).where(eq(metricsDaily.day, yesterday));
    expect(rows).toHaveLength(1);
    const after = await report(admin, `?from=${yesterday}`);
    expect(after.days.map((d) => [d.date, d.live])).toEqual([
      [yesterday, false],
      [today, true],
    ]);
    expect(after.days[0]?.dau).toBe((before.days[0]?.dau ?? 0) + 1);
    const [live] = await env.DB.prepare('SELECT count(*) AS n FROM user_activity_days WHERE day = ?1')
      .bind(today)
      .all<{ n: number }>()
      .then((result) => result.results);
    expect(after.days[1]?.dau).toBe(live?.n);
    expect(after.days[1]?.dau).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('should default to the last 30 days and refuse bad ranges with 400', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const body = await report(admin, '');
    expect(body).toMatchObject({ from: addDays(today, -29), to: today });
    expect(body.days).toHaveLength(30);
    for (const query of [
      '?from=2026-02-30',
      '?from=yesterday',
      `?from=${today}&to=${addDays(today, -1)}`,
      `?from=${addDays(today, -90)}`,
      `?to=${addDays(today, 1)}`,
    ]) {
      await expectProblem(
        await call(`/api/admin/metrics${query}`, { token: admin.accessToken }),
        400,
        'validation_failed',
      );
    }
    expect((await report(admin, `?from=${addDays(today, -89)}`)).days).toHaveLength(90);
  }, 30_000);

  it('should refuse anyone without metrics.read with 403, and strangers with 401', async () => {
    const user = await registerUser();
    await expectProblem(await call('/api/admin/metrics', { token: user.accessToken }), 403, 'forbidden');
    await expectProblem(await call('/api/admin/metrics'), 401, 'unauthorized');
  });
});
