import type { Database } from '../../db/client';
import { type ActivityKind, userActivityDays } from '../../db/schema';
import { now } from '../../lib/clock';
import { localDate } from '../../lib/local-date';

/** Entries one memory holds before it forgets them all (then at most one more write per user and day). */
export const MAX_REMEMBERED = 10_000;

/** The UTC calendar day of `at`, `YYYY-MM-DD`: what "active on a day" and the metrics count in. */
export const utcDay = (at: Date | number) => localDate(at, 'UTC');

/**
 * Marks users active for the day, at most once per (user, day) per memory: the row is written with
 * `INSERT … ON CONFLICT DO NOTHING`, and a (user, day) this memory already wrote is skipped without
 * touching D1. Forgetting is harmless (the insert does nothing), so the memory is a plain Set
 * cleared when full. A worker isolate keeps one (`recordActivity`); a Durable Object keeps its own.
 *
 * Activity is a side effect of what the user did: a failed write is logged and never fails it.
 */
export class ActivityMemory {
  readonly #seen = new Set<string>();

  constructor(private readonly limit = MAX_REMEMBERED) {}

  get size(): number {
    return this.#seen.size;
  }

  async record(db: Database, userId: string, kind: ActivityKind, at: Date = now()): Promise<void> {
    const day = utcDay(at);
    const key = `${userId}:${day}`;
    if (this.#seen.has(key)) return;
    try {
      await db.insert(userActivityDays).values({ userId, day, firstKind: kind }).onConflictDoNothing();
    } catch (error) {
      console.error(JSON.stringify({ level: 'warn', msg: 'activity not recorded', kind, error: String(error) }));
      return;
    }
    if (this.#seen.size >= this.limit) this.#seen.clear();
    this.#seen.add(key);
  }
}

/**
 * This isolate's memory. Module state on purpose: it holds only "already written" facts that are
 * true for every request, never anything a response is built from.
 */
const isolateMemory = new ActivityMemory();

/** Records a meaningful action of `userId` (see `ActivityMemory`) from a request handler or job. */
export function recordActivity(db: Database, userId: string, kind: ActivityKind, at: Date = now()): Promise<void> {
  return isolateMemory.record(db, userId, kind, at);
}

/** The statement marking `userId` active on the day of `at`, for callers that write in a batch anyway. */
export function activityInsert(db: Database, userId: string, kind: ActivityKind, at: Date) {
  return db
    .insert(userActivityDays)
    .values({ userId, day: utcDay(at), firstKind: kind })
    .onConflictDoNothing();
}
