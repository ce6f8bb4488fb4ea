/** Calendar-day arithmetic on `YYYY-MM-DD` strings: no time zone is involved once a day is named. */
export function addDays(day: string, days: number): string {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/** Every 7 consecutive streak days earn a freeze. */
export const DAYS_PER_FREEZE = 7;
/** Freezes held at once; one more earned while holding this many is lost. */
export const MAX_FREEZES = 2;

export interface Streak {
  /** Streak days in the streak that is alive today (frozen days keep it alive but do not add to it). */
  current: number;
  /** The most streak days any streak ever held. */
  longest: number;
  /** Freezes held now, 0 to `MAX_FREEZES`. */
  freezesHeld: number;
  /** The missed days a freeze covered, oldest first. */
  freezesUsed: string[];
  /** Today is not a streak day yet and the streak is alive through yesterday: a sprint today keeps it. */
  needsSprintToday: boolean;
}

/**
 * The streak over the days with credited focus (`days`, `YYYY-MM-DD`, sorted; duplicates are
 * ignored), as of `today`. Walks every calendar day from the first streak day: a streak day adds
 * one, and each 7th in a row earns a freeze (at most 2 held); a missed day while the streak is
 * alive spends a freeze when one is held, and otherwise ends the streak. Today is never a miss:
 * the day is not over. A stored day after `today` (written in a zone ahead of the current one)
 * counts as it was written, and the walk runs to it.
 *
 * Derived from the days alone, so the same days give the same answer whenever it is asked.
 */
export function streakOf(days: readonly string[], today: string): Streak {
  const set = new Set(days);
  const sorted = [...set].sort();
  const first = sorted[0];
  const last = sorted.at(-1);
  if (first === undefined || last === undefined) {
    return { current: 0, longest: 0, freezesHeld: 0, freezesUsed: [], needsSprintToday: false };
  }
  const end = last > today ? last : today;
  let current = 0;
  let longest = 0;
  let inARow = 0;
  let held = 0;
  const used: string[] = [];
  for (let day = first; day <= end; day = addDays(day, 1)) {
    if (set.has(day)) {
      current++;
      inARow++;
      longest = Math.max(longest, current);
      if (inARow % DAYS_PER_FREEZE === 0 && held < MAX_FREEZES) held++;
      continue;
    }
    if (day === end) break;
    inARow = 0;
    if (current === 0) continue;
    if (held > 0) {
      held--;
      used.push(day);
    } else {
      current = 0;
    }
  }
  return {
    current,
    longest,
    freezesHeld: held,
    freezesUsed: used,
    needsSprintToday: !set.has(end) && current > 0,
  };
}
