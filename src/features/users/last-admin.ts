import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { BUILT_IN_ROLE_IDS } from './users.service';

const activeAdmins = sql`SELECT 1 FROM user_roles AS ur JOIN users AS u ON u.id = ur.user_id WHERE ur.role_id = ${BUILT_IN_ROLE_IDS.admin} AND u.status = 'active'`;

/**
 * True unless `userId` is the only active admin. Every change that can take
 * admin away from an account (deactivation, revoking the role, deletion)
 * carries this in its WHERE clause: D1 runs one write at a time, so two admins
 * demoting each other at the same moment cannot both succeed and leave nobody
 * able to administer the deployment.
 */
export function leavesAnActiveAdmin(userId: string): SQL {
  return sql`(NOT EXISTS (${activeAdmins} AND ur.user_id = ${userId}) OR EXISTS (${activeAdmins} AND ur.user_id <> ${userId}))`;
}

/** For refusing early (before ending sessions); the guarded write stays the authority. */
export async function isLastActiveAdmin(db: Database, userId: string): Promise<boolean> {
  const [row] = await db.all<{ leaves: number }>(sql`SELECT ${leavesAnActiveAdmin(userId)} AS leaves`);
  return row?.leaves === 0;
}

export const LAST_ADMIN_MESSAGE =
  'This is the last active admin: grant admin to another account first, so someone can still administer Hearth.';
