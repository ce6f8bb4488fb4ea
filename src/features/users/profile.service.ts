import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { SQLiteUpdateSetSource } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client';
import { users } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { MAX_SETTINGS_BYTES } from './profile-fields';
import { findUserById, type User } from './users.service';

export interface ProfilePatch {
  /** null clears it. */
  name?: string | null;
  /** A canonical IANA zone (see `canonicalTimeZone`); null clears it. */
  timezone?: string | null;
  /** Merged into the stored settings as an RFC 7396 merge patch: a null value removes that key. */
  settings?: Record<string, unknown>;
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
