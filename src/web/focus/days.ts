/**
 * Calendar days (`YYYY-MM-DD`) as the stats answer them: already days in the
 * user's time zone, so they are read and shown as plain dates, in UTC, never
 * moved through the display zone (which would show a Kiritimati morning as the
 * day before). Instants (a sprint's start and end) go through formatTime.
 */

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'short', timeZone: 'UTC' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' });

const utcOf = (date: string) => new Date(`${date}T00:00:00Z`);

/** "Mar 8, 2026", in the reader's locale. */
export const formatDay = (date: string) => dayFormat.format(utcOf(date));

/** "Mar". */
export const formatMonth = (date: string) => monthFormat.format(utcOf(date));

/** The day's row in a week that starts on Monday: 0 for Monday, 6 for Sunday. */
export const weekdayRow = (date: string) => (utcOf(date).getUTCDay() + 6) % 7;

/** "Mon", "Tue"… for rows 0 to 6 (2024-01-01 was a Monday). */
export const weekdayName = (row: number) => weekdayFormat.format(new Date(Date.UTC(2024, 0, 1 + row)));

/** "25 min", "1 h 5 min", "2 h". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** "1 minute", "25 minutes": in sentences and cell titles. */
export const minutesText = (minutes: number) => `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;

/** "1 day", "3 days". */
export const daysText = (days: number) => `${days} ${days === 1 ? 'day' : 'days'}`;
