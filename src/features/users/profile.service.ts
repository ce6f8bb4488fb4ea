import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { SQLiteUpdateSetSource } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client';
import { users } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { findUserById, type User } from './users.service';

/** Settings are the client's own preferences; this cap keeps a user row small. */
export const MAX_SETTINGS_BYTES = 8 * 1024;

export interface ProfilePatch {
  /** null clears it. */
  name?: string | null;
  /** A canonical IANA zone (see `canonicalTimeZone`); null clears it. */
  timezone?: string | null;
  /** Merged into the stored settings as an RFC 7396 merge patch: a null value removes that key. */
  settings?: Record<string, unknown>;
}

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

/**
 * Changes what a user may change about themselves. The settings merge and its
 * size check happen in one statement (`json_patch`), so two devices saving
 * different keys at once both keep their change.
 */
export async function updateProfile(db: Database, userId: string, patch: ProfilePatch): Promise<User> {
  const changes: SQLiteUpdateSetSource<typeof users> = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.timezone !== undefined) changes.timezone = patch.timezone;
  let settingsFit: SQL | undefined;
  if (patch.settings !== undefined) {
    const merged = sql`json_patch(${users.settings}, ${JSON.stringify(patch.settings)})`;
    changes.settings = merged;
    settingsFit = sql`length(CAST(${merged} AS BLOB)) <= ${MAX_SETTINGS_BYTES}`;
  }
  if (Object.keys(changes).length === 0) {
    const user = await findUserById(db, userId);
    if (!user) throw new AppError('not_found', 'No such user.');
    return user;
  }
  const [updated] = await db
    .update(users)
    .set({ ...changes, updatedAt: now() })
    .where(and(eq(users.id, userId), settingsFit))
    .returning();
  if (updated) return updated;
  if (!(await findUserById(db, userId))) throw new AppError('not_found', 'No such user.');
  const message = `Settings may hold at most ${MAX_SETTINGS_BYTES} bytes of JSON once merged.`;
  throw new AppError('validation_failed', message, {
    errors: [{ path: 'body.settings', message, code: 'too_big' }],
  });
}
