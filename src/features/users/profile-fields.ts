// No imports: the profile schemas (users.schemas.ts), which the web app's types read, check with these too.

/** Settings are the client's own preferences; this cap keeps a user row small. */
export const MAX_SETTINGS_BYTES = 8 * 1024;

// Zone names only (`Europe/Paris`, `UTC`, `Etc/GMT+5`): no offsets such as `+01:00`, which newer
// Intl versions also accept but which do not follow daylight saving time.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** The canonical spelling of an IANA time zone, or null when the runtime does not know it. */
export function canonicalTimeZone(value: string): string | null {
  if (value.length > 64 || !ZONE_NAME.test(value)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export function settingsBytes(settings: Record<string, unknown>): number {
  return new TextEncoder().encode(JSON.stringify(settings)).byteLength;
}
