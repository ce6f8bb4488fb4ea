import { and, gte, lte } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { metricsDaily } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { usageBetween } from '../ai/ai.service';
import { addDays } from '../sprints/streaks';
import { utcDay } from './activity';
import { computeDay, type DayFigures, weekStart } from './rollup';

/** The longest range one request may ask for, in days. */
export const MAX_RANGE_DAYS = 90;
export const DEFAULT_RANGE_DAYS = 30;

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

function refuse(path: 'from' | 'to', message: string): never {
  throw new AppError('validation_failed', message, {
    errors: [{ path: `query.${path}`, message, code: 'out_of_range' }],
  });
}

/** The range asked for, with the defaults filled in, or a 400 naming what is wrong with it. */
export function metricsRange(query: { from?: string; to?: string }, today: string): { from: string; to: string } {
  const to = query.to ?? today;
  if (to > today) refuse('to', 'Must be today or earlier (UTC).');
  const from = query.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) refuse('from', 'Must not be after `to`.');
  if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) refuse('from', `The range is at most ${MAX_RANGE_DAYS} days.`);
  return { from, to };
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

/** Mean and median over a histogram (value → how many). */
function spread(histogram: Map<number, number>): { mean: number | null; median: number | null } {
  const values = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  const n = values.reduce((sum, [, count]) => sum + count, 0);
  if (n === 0) return { mean: null, median: null };
  const mean = values.reduce((sum, [value, count]) => sum + value * count, 0) / n;
  const nth = (k: number) => {
    let seen = 0;
    for (const [value, count] of values) {
      seen += count;
      if (seen > k) return value;
    }
    return values.at(-1)?.[0] ?? 0;
  };
  const median = n % 2 === 1 ? nth((n - 1) / 2) : (nth(n / 2 - 1) + nth(n / 2)) / 2;
  return { mean: Math.round(mean * 100) / 100, median };
}

/**
 * The report for [from, to]: snapshots for past days (at most 96 rows: the range and the rest of
 * the first cohort week), today and any day not rolled up yet computed from the raw rows.
 */
export async function metricsReport(db: Database, query: { from?: string; to?: string }, at: Date = now()) {
  const today = utcDay(at);
  const { from, to } = metricsRange(query, today);
  const first = weekStart(from);
  const rows = await db
    .select({ day: metricsDaily.day, figures: metricsDaily.figures })
    .from(metricsDaily)
    .where(and(gte(metricsDaily.day, first), lte(metricsDaily.day, to)));
  const byDay = new Map<string, { figures: DayFigures; live: boolean }>();
  for (const row of rows) {
    if (row.day < today) byDay.set(row.day, { figures: row.figures as unknown as DayFigures, live: false });
  }
  // Today, and days the job has not reached yet (a new deployment catching up), from the raw rows.
  for (let day = first; day <= to; day = addDays(day, 1)) {
    if (!byDay.has(day)) byDay.set(day, { figures: await computeDay(db, day), live: true });
  }
  const figuresOf = (day: string) => byDay.get(day)?.figures;

  const days = [];
  const attendance = new Map<number, number>();
  const coworking = { sessionsCreated: 0, sessionsHeld: 0, sessionsEnded: 0, inPerson: 0, remote: 0, hosts: 0 };
  let invitesSent = 0;
  let joins = 0;
  let focusedMinutes = 0;
  let signups = 0;
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const entry = byDay.get(day);
    if (!entry) continue;
    const f = entry.figures;
    days.push({
      date: day,
      signups: f.signups,
      dau: f.dau,
      wau: f.wau,
      mau: f.mau,
      stickiness: ratio(f.dau, f.mau),
      lifecycle: f.lifecycle,
      sessionsCreated: f.coworking.created,
      sessionsHeld: f.coworking.held,
      focusedMinutes: f.focusedMinutes,
      live: entry.live,
    });
    coworking.sessionsCreated += f.coworking.created;
    coworking.sessionsHeld += f.coworking.held;
    coworking.sessionsEnded += f.coworking.ended;
    coworking.inPerson += f.coworking.inPerson;
    coworking.remote += f.coworking.remote;
    coworking.hosts += f.coworking.hosts;
    invitesSent += f.coworking.invitesSent;
    joins += f.coworking.joins;
    focusedMinutes += f.focusedMinutes;
    signups += f.signups;
    for (const [attendees, sessions] of Object.entries(f.coworking.attendance)) {
      attendance.set(Number(attendees), (attendance.get(Number(attendees)) ?? 0) + sessions);
    }
  }

  const cohorts = [];
  for (let week = first; week <= to; week = addDays(week, 7)) {
    let size = 0;
    for (let i = 0; i < 7; i++) size += figuresOf(addDays(week, i))?.signups ?? 0;
    const retention = [];
    for (let n = 0, start = week; start <= to; n++, start = addDays(start, 7)) {
      // The week's last day, or `to` for the week still under way.
      const end = [addDays(start, 6), to].sort()[0] ?? to;
      const active = figuresOf(end)?.weekActive[week] ?? 0;
      retention.push({ week: n, active, rate: ratio(active, size) });
    }
    cohorts.push({ week, size, retention });
  }

  return {
    from,
    to,
    days,
    cohorts,
    coworking: {
      sessionsCreated: coworking.sessionsCreated,
      sessionsHeld: coworking.sessionsHeld,
      sessionsEnded: coworking.sessionsEnded,
      attendance: {
        ...spread(attendance),
        inPerson: coworking.inPerson,
        remote: coworking.remote,
        hosts: coworking.hosts,
      },
      invitesSent,
      joins,
    },
    focusedMinutes,
    signups,
    ai: await usageBetween(db, from, to),
  };
}
