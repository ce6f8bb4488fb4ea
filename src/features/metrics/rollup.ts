import { and, gte, lte } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { metricsDaily } from '../../db/schema';
import { now } from '../../lib/clock';
import { addDays } from '../sprints/streaks';
import { utcDay } from './activity';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days before today the job keeps rolled up: the longest range the endpoint serves. */
export const ROLLUP_DAYS = 90;
/** Missing days one job run fills, newest first, so a new deployment catches up in a few runs. */
export const BACKFILL_PER_RUN = 31;
/** Sign-up weeks whose retention each day's figures follow. */
export const COHORT_WEEKS = 14;

/**
 * Everything `GET /api/admin/metrics` shows about one UTC day, as the snapshot stores it.
 * Active means at least one row in `user_activity_days` for the day.
 */
export interface DayFigures {
  signups: number;
  /** Distinct users active on the day, in the 7 days and in the 30 days ending with it. */
  dau: number;
  wau: number;
  mau: number;
  /** PostHog's lifecycle, the day against the day before (see the README). */
  lifecycle: { new: number; returning: number; resurrecting: number; dormant: number };
  coworking: {
    /** Sessions created on the day, and sessions whose timer started on it. */
    created: number;
    held: number;
    /** Sessions that ended on the day after starting: the figures below are theirs. */
    ended: number;
    /** Attendees (present a minute or more, host included) → number of ended sessions with that many. */
    attendance: Record<string, number>;
    inPerson: number;
    remote: number;
    hosts: number;
    invitesSent: number;
    /** Participants other than the host, however they came in (joins are not linked to invites). */
    joins: number;
  };
  /** Credited sprint minutes of sprints that ended on the day. */
  focusedMinutes: number;
  /** Sign-up week (its Monday) → members active in this day's week, Monday up to this day. */
  weekActive: Record<string, number>;
}

/** The Monday (UTC) of the week `day` is in. */
export function weekStart(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

const startMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/**
 * Computes one day's figures from the raw rows, in one D1 batch of reads. Used by the job for
 * past days and by the endpoint for today (live).
 */
export async function computeDay(db: Database, day: string): Promise<DayFigures> {
  const d1 = db.$client;
  const from = startMs(day);
  const to = from + DAY_MS;
  const week = weekStart(day);
  const oldestCohort = startMs(addDays(week, -7 * (COHORT_WEEKS - 1)));
  const [signups, windows, lifecycle, sessions, attendance, focus, cohorts] = await d1.batch([
    d1.prepare('SELECT count(*) AS n FROM users WHERE created_at >= ?1 AND created_at < ?2').bind(from, to),
    d1
      .prepare(
        `SELECT count(DISTINCT CASE WHEN day = ?1 THEN user_id END) AS dau,
                count(DISTINCT CASE WHEN day >= ?2 THEN user_id END) AS wau,
                count(DISTINCT user_id) AS mau
         FROM user_activity_days WHERE day BETWEEN ?3 AND ?1`,
      )
      .bind(day, addDays(day, -6), addDays(day, -29)),
    d1
      .prepare(
        `SELECT coalesce(sum(t.cur AND t.prev), 0) AS returned,
                coalesce(sum(t.cur AND NOT t.prev AND u.created_at >= ?3 AND u.created_at < ?4), 0) AS new,
                coalesce(sum(t.prev AND NOT t.cur), 0) AS dormant
         FROM (SELECT user_id, max(day = ?1) AS cur, max(day = ?2) AS prev
               FROM user_activity_days WHERE day IN (?1, ?2) GROUP BY user_id) AS t
         JOIN users AS u ON u.id = t.user_id`,
      )
      .bind(day, addDays(day, -1), from, to),
    d1
      .prepare(
        `SELECT count(*) FILTER (WHERE created_at >= ?1 AND created_at < ?2) AS created,
                count(*) FILTER (WHERE started_at >= ?1 AND started_at < ?2) AS held
         FROM coworking_sessions
         WHERE (created_at >= ?1 AND created_at < ?2) OR (started_at >= ?1 AND started_at < ?2)`,
      )
      .bind(from, to),
    d1
      .prepare(
        `SELECT attendees, count(*) AS sessions, sum(in_person) AS inPerson, sum(remote) AS remote,
                sum(hosts) AS hosts, sum(invites) AS invitesSent, sum(joins) AS joins
         FROM (SELECT s.invites_sent AS invites,
                      count(p.user_id) FILTER (WHERE p.minutes_present >= 1) AS attendees,
                      count(p.user_id) FILTER (WHERE p.minutes_present >= 1 AND p.mode = 'in_person') AS in_person,
                      count(p.user_id) FILTER (WHERE p.minutes_present >= 1 AND p.mode = 'remote') AS remote,
                      count(p.user_id) FILTER (WHERE p.minutes_present >= 1 AND p.mode = 'host') AS hosts,
                      count(p.user_id) FILTER (WHERE p.mode != 'host') AS joins
               FROM coworking_sessions AS s
               LEFT JOIN coworking_participants AS p ON p.session_id = s.id
               WHERE s.phase = 'ended' AND s.started_at IS NOT NULL AND s.ended_at >= ?1 AND s.ended_at < ?2
               GROUP BY s.id)
         GROUP BY attendees`,
      )
      .bind(from, to),
    d1
      .prepare(
        `SELECT coalesce(sum(credited_minutes), 0) AS minutes FROM sprints
         WHERE status = 'completed' AND credited_minutes >= 1 AND ended_at >= ?1 AND ended_at < ?2`,
      )
      .bind(from, to),
    d1
      .prepare(
        `SELECT date(u.created_at / 1000, 'unixepoch', '-6 days', 'weekday 1') AS cohort,
                count(DISTINCT a.user_id) AS active
         FROM user_activity_days AS a JOIN users AS u ON u.id = a.user_id
         WHERE a.day BETWEEN ?1 AND ?2 AND u.created_at >= ?3 AND u.created_at < ?4
         GROUP BY cohort`,
      )
      .bind(week, day, oldestCohort, to),
  ]);
  const first = <T>(result: D1Result<T> | undefined): T | undefined => result?.results[0];
  const count = (value: unknown) => Number(value ?? 0);
  const w = first(windows as D1Result<{ dau: number; wau: number; mau: number }>);
  const l = first(lifecycle as D1Result<{ returned: number; new: number; dormant: number }>);
  const s = first(sessions as D1Result<{ created: number; held: number }>);
  const dau = count(w?.dau);
  const returning = count(l?.returned);
  const fresh = count(l?.new);
  const histogram = (
    attendance as D1Result<{
      attendees: number;
      sessions: number;
      inPerson: number;
      remote: number;
      hosts: number;
      invitesSent: number;
      joins: number;
    }>
  ).results;
  const total = (key: 'sessions' | 'inPerson' | 'remote' | 'hosts' | 'invitesSent' | 'joins') =>
    histogram.reduce((sum, row) => sum + count(row[key]), 0);
  return {
    signups: count(first(signups as D1Result<{ n: number }>)?.n),
    dau,
    wau: count(w?.wau),
    mau: count(w?.mau),
    lifecycle: {
      new: fresh,
      returning,
      resurrecting: Math.max(0, dau - returning - fresh),
      dormant: count(l?.dormant),
    },
    coworking: {
      created: count(s?.created),
      held: count(s?.held),
      ended: total('sessions'),
      attendance: Object.fromEntries(histogram.map((row) => [String(row.attendees), count(row.sessions)])),
      inPerson: total('inPerson'),
      remote: total('remote'),
      hosts: total('hosts'),
      invitesSent: total('invitesSent'),
      joins: total('joins'),
    },
    focusedMinutes: count(first(focus as D1Result<{ minutes: number }>)?.minutes),
    weekActive: Object.fromEntries(
      (cohorts as D1Result<{ cohort: string; active: number }>).results.map((row) => [row.cohort, count(row.active)]),
    ),
  };
}

/** Writes `day`'s snapshot, replacing any earlier one: the job can run any number of times. */
export async function rollupDay(db: Database, day: string, at: Date = now()): Promise<DayFigures> {
  const figures = await computeDay(db, day);
  await db
    .insert(metricsDaily)
    .values({ day, figures: { ...figures }, computedAt: at })
    .onConflictDoUpdate({ target: metricsDaily.day, set: { figures: { ...figures }, computedAt: at } });
  return figures;
}

/**
 * The cleanup job's part: recomputes the last two days (activity written just before midnight,
 * sessions that end after it) and fills up to `BACKFILL_PER_RUN` other missing days of the last
 * `ROLLUP_DAYS`, newest first. Today is never stored; the endpoint computes it live.
 */
export async function rollupMetrics(db: Database, at: Date = now()): Promise<{ days: number }> {
  const today = utcDay(at);
  const oldest = addDays(today, -ROLLUP_DAYS);
  const stored = await db
    .select({ day: metricsDaily.day })
    .from(metricsDaily)
    .where(and(gte(metricsDaily.day, oldest), lte(metricsDaily.day, addDays(today, -3))));
  const have = new Set(stored.map((row) => row.day));
  const days = [addDays(today, -1), addDays(today, -2)];
  for (let day = addDays(today, -3); day >= oldest && days.length < 2 + BACKFILL_PER_RUN; day = addDays(day, -1)) {
    if (!have.has(day)) days.push(day);
  }
  for (const day of days) await rollupDay(db, day, at);
  return { days: days.length };
}
