import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { roles, userRoles, users } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { revokeSessions } from '../auth/sessions.service';
import { type Role, resolveRoles } from '../roles/roles.service';
import { LAST_ADMIN_MESSAGE, leavesAnActiveAdmin } from '../users/last-admin';
import { BUILT_IN_ROLE_IDS, findUserById, rolesOf, type User } from '../users/users.service';

export interface AdminUserChange {
  /** The complete set of roles the user should hold, by name or id. */
  roles?: string[];
  status?: 'active' | 'deactivated';
}

export interface AdminUserUpdate {
  user: User;
  roles: string[];
  granted: Role[];
  revoked: Role[];
  statusChanged: boolean;
}

async function resolveWantedRoles(db: Database, refs: readonly string[]): Promise<Role[]> {
  const wanted = await resolveRoles(db, refs, (index) => `body.roles.${index}`);
  if (!wanted.some((role) => role.id === BUILT_IN_ROLE_IDS.user)) {
    throw new AppError('conflict', 'Every account holds the built-in user role: include "user" in roles.');
  }
  return wanted;
}

async function heldRoles(db: Database, userId: string): Promise<Role[]> {
  return db
    .select({ role: roles })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(userRoles.userId, userId))
    .then((rows) => rows.map((row) => row.role));
}

/**
 * An admin's change to an account's roles and status, applied in one D1
 * transaction. When it would take admin away from an active admin, every
 * statement carries the last-admin guard, so either all of it happens or
 * none of it (409). Deactivation ends every session of the account at once.
 */
export async function updateUserAsAdmin(
  db: Database,
  kv: KVNamespace,
  actorId: string,
  userId: string,
  change: AdminUserChange,
): Promise<AdminUserUpdate> {
  const user = await findUserById(db, userId);
  if (!user) throw new AppError('not_found', 'No such user.');

  let granted: Role[] = [];
  let revoked: Role[] = [];
  if (change.roles !== undefined) {
    const wanted = await resolveWantedRoles(db, change.roles);
    const held = await heldRoles(db, userId);
    granted = wanted.filter((role) => !held.some((h) => h.id === role.id));
    revoked = held.filter((role) => !wanted.some((w) => w.id === role.id));
  }
  const statusChanged = change.status !== undefined && change.status !== user.status;
  const removesAdmin =
    (statusChanged && change.status === 'deactivated') || revoked.some((role) => role.id === BUILT_IN_ROLE_IDS.admin);
  const guard: SQL = removesAdmin ? leavesAnActiveAdmin(userId) : sql`1`;
  const at = now();

  const [updated] = await db.batch([
    db
      .update(users)
      .set({ ...(statusChanged && change.status ? { status: change.status } : {}), updatedAt: at })
      .where(and(eq(users.id, userId), guard))
      .returning(),
    ...(revoked.length > 0
      ? [
          db.delete(userRoles).where(
            and(
              eq(userRoles.userId, userId),
              inArray(
                userRoles.roleId,
                revoked.map((role) => role.id),
              ),
              guard,
            ),
          ),
        ]
      : []),
    ...(granted.length > 0
      ? [
          db
            .insert(userRoles)
            .select(
              db
                .select({
                  userId: sql<string>`${userId}`.as('user_id'),
                  roleId: roles.id,
                  grantedBy: sql<string>`${actorId}`.as('granted_by'),
                  grantedAt: sql<Date>`${at.getTime()}`.as('granted_at'),
                })
                .from(roles)
                .where(
                  and(
                    inArray(
                      roles.id,
                      granted.map((role) => role.id),
                    ),
                    guard,
                  ),
                ),
            )
            .onConflictDoNothing(),
        ]
      : []),
  ]);
  const [row] = updated;
  if (!row) {
    if (!(await findUserById(db, userId))) throw new AppError('not_found', 'No such user.');
    throw new AppError('conflict', LAST_ADMIN_MESSAGE);
  }
  if (statusChanged && change.status === 'deactivated') {
    await revokeSessions(db, kv, { userId }, 'deactivated');
  }
  return { user: row, roles: await rolesOf(db, userId), granted, revoked, statusChanged };
}
