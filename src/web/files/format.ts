const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/**
 * "512 bytes", "1.5 MB", "60 MB": powers of 1024, as the public share page
 * (src/features/files/share-page.tsx) writes them, so a link shows the size the owner saw.
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

const KINDS: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/zip': 'ZIP archive',
  'application/json': 'JSON',
  'application/octet-stream': 'Binary',
  'text/plain': 'Text',
  'text/csv': 'CSV',
  'text/html': 'HTML',
  'text/markdown': 'Markdown',
};

/** A short name for a content type: "PNG image", "PDF", "Text"; the type itself when unknown. */
export function typeLabel(contentType: string): string {
  const bare = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const known = KINDS[bare];
  if (known) return known;
  const [main, sub] = bare.split('/');
  if (sub && (main === 'image' || main === 'video' || main === 'audio')) {
    return `${sub.replace(/^x-/, '').split('+')[0]?.toUpperCase()} ${main}`;
  }
  return bare || 'Unknown';
}

/** Share expiry presets, in seconds from now; null is a permanent link. */
export const EXPIRY_PRESETS: { label: string; seconds: number | null }[] = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 24 * 3600 },
  { label: '7 days', seconds: 7 * 24 * 3600 },
  { label: '30 days', seconds: 30 * 24 * 3600 },
  { label: 'Never', seconds: null },
];

const until = new Intl.RelativeTimeFormat(undefined, { numeric: 'always' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * "in 7 days", "in 1 hour", "3 hours ago": rounded to the nearest unit, so a
 * link made to last a day reads "in 1 day" rather than "in 23 hours" a second later.
 */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) / size >= 0.99) return until.format(Math.round(seconds / size), unit);
  }
  return until.format(Math.round(seconds), 'second');
}
