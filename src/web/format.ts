/**
 * Every time the web app shows goes through this module, in one time zone:
 * the profile's when the signed-in user chose one, else the browser's. The
 * session store calls `setDisplayTimeZone` whenever the user changes, and the
 * app re-renders, so a newly chosen zone applies to every screen at once.
 */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** The profile's zone; undefined means the browser's own. */
let displayZone: string | undefined;
// Formatters are costly to build and are asked for on every render: one per style and zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Shows every time in `zone` from now on; null or an unknown zone falls back to the browser's. */
export function setDisplayTimeZone(zone: string | null | undefined) {
  if (!zone) {
    displayZone = undefined;
    return;
  }
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    displayZone = zone;
  } catch {
    displayZone = undefined;
  }
}

/** The zone times are shown in, e.g. `Europe/Paris`. */
export function displayTimeZone(): string {
  return displayZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export type DateTimeStyle = 'dateTime' | 'date' | 'time' | 'shortDateTime' | 'dayAndTime' | 'full';

const STYLES: Record<DateTimeStyle, Intl.DateTimeFormatOptions> = {
  /** "Dec 2, 2026, 10:09 AM" (in the reader's locale) */
  dateTime: { dateStyle: 'medium', timeStyle: 'short' },
  /** "Dec 2, 2026" */
  date: { dateStyle: 'medium' },
  /** "10:09 AM" */
  time: { timeStyle: 'short' },
  /** "12/2/26, 10:09" */
  shortDateTime: { dateStyle: 'short', timeStyle: 'short' },
  /** "Dec 2, 10:09" */
  dayAndTime: { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' },
  /** "Wednesday, December 2, 2026 at 10:09:04 AM PST" */
  full: { dateStyle: 'full', timeStyle: 'long' },
};

function formatter(style: DateTimeStyle): Intl.DateTimeFormat {
  const key = `${style}|${displayZone ?? ''}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(undefined, { ...STYLES[style], timeZone: displayZone });
    formatters.set(key, found);
  }
  return found;
}

/** A time (ISO string, epoch milliseconds or Date) in the display zone, in one of the app's styles. */
export function formatTime(value: string | number | Date, style: DateTimeStyle = 'dateTime'): string {
  return formatter(style).format(new Date(value));
}

/** A date and time in the reader's locale and display zone, for `title` attributes and tables. */
export const dateTime = (iso: string) => formatTime(iso, 'dateTime');

/** "3 minutes ago", "yesterday"; under a minute is "just now". Relative, so the zone does not matter. */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
  }
  return 'just now';
}
