import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { roles, userRoles } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError, type FieldError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { LAST_ADMIN_MESSAGE, leavesAnActiveAdmin } from '../users/last-admin';
import { BUILT_IN_ROLE_IDS, findUserById, rolesOf } from '../users/users.service';

export type Role = typeof roles.$inferSelect;

export interface PublicRole {
  id: string;
  name: string;
  description: string | null;
  builtIn: boolean;
  createdAt: string;
}

export function toPublicRole(role: Role): PublicRole {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    builtIn: role.builtIn,
    createdAt: role.createdAt.toISOString(),
  };
}

export async function listRoles(db: Database): Promise<Role[]> {
  return db.select().from(roles).orderBy(asc(roles.name));
}

/** A role by id or by name: clients know roles by name, links carry ids. */
export async function findRole(db: Database, idOrName: string): Promise<Role | null> {
  const [role] = await db
    .select()
    .from(roles)
    .where(or(eq(roles.id, idOrName), eq(roles.name, idOrName)))
    .limit(1);
  return role ?? null;
}

/**
 * Roles named in a request body, by id or name, in the order given and
 * without repeats. Unknown ones are one 400 listing each, at `path(index)`.
 */
export async function resolveRoles(
  db: Database,
  refs: readonly string[],
  path: (index: number) => string,
): Promise<Role[]> {
  const rows =
    refs.length === 0
      ? []
      : await db
          .select()
          .from(roles)
          .where(or(inArray(roles.id, [...refs]), inArray(roles.name, [...refs])));
  const found = refs.map((ref) => rows.find((role) => role.id === ref || role.name === ref));
  const errors: FieldError[] = [];
  found.forEach((role, index) => {
    if (!role) errors.push({ path: path(index), message: `No role named ${refs[index]}`, code: 'unknown_role' });
  });
  if (errors.length > 0) throw new AppError('validation_failed', 'Unknown role; see errors.', { errors });
  return [...new Map(found.filter((role) => role !== undefined).map((role) => [role.id, role])).values()];
}

export async function createRole(db: Database, input: { name: string; description?: string | null }): Promise<Role> {
  const [role] = await db
    .insert(roles)
    .values({ id: newId(), name: input.name, description: input.description ?? null, builtIn: false, createdAt: now() })
    .onConflictDoNothing()
    .returning();
  if (!role) throw new AppError('conflict', `A role named ${input.name} already exists.`);
  return role;
}

/** Deletes a role and, by cascade, every grant of it. Built-in roles stay: 409. */
export async function deleteRole(db: Database, idOrName: string): Promise<Role> {
  const role = await findRole(db, idOrName);
  if (!role) throw new AppError('not_found', 'No such role.');
  if (role.builtIn) throw new AppError('conflict', `The ${role.name} role is built in and cannot be deleted.`);
  const [deleted] = await db
    .delete(roles)
    .where(and(eq(roles.id, role.id), eq(roles.builtIn, false)))
    .returning();
  if (!deleted) throw new AppError('not_found', 'No such role.');
  return deleted;
}

/** Every account keeps `user`; `admin` is taken away only while another active admin remains. */
export function assertRevocable(role: Role): void {
  if (role.id === BUILT_IN_ROLE_IDS.user) {
    throw new AppError('conflict', 'Every account holds the built-in user role; it cannot be revoked.');
  }
}

/** Grants a role; granting one already held changes nothing (`granted: false`). */
export async function grantUserRole(
  db: Database,
  userId: string,
  role: Role,
  grantedBy: string,
): Promise<{ granted: boolean; roles: string[] }> {
  if (!(await findUserById(db, userId))) throw new AppError('not_found', 'No such user.');
  const inserted = await db
    .insert(userRoles)
    .values({ userId, roleId: role.id, grantedBy, grantedAt: now() })
    .onConflictDoNothing()
    .returning({ roleId: userRoles.roleId });
  return { granted: inserted.length > 0, roles: await rolesOf(db, userId) };
}

/**
 * Takes a role away. The role check reads D1 on every request, so the
 * change holds from the user's next request, with the token they already have.
 */
export async function revokeUserRole(db: Database, userId: string, role: Role): Promise<void> {
  assertRevocable(role);
  if (!(await findUserById(db, userId))) throw new AppError('not_found', 'No such user.');
  const deleted = await db
    .delete(userRoles)
    .where(
      and(
        eq(userRoles.userId, userId),
        eq(userRoles.roleId, role.id),
        role.id === BUILT_IN_ROLE_IDS.admin ? leavesAnActiveAdmin(userId) : undefined,
      ),
    )
    .returning({ roleId: userRoles.roleId });
  if (deleted.length > 0) return;
  const [held] = await db
    .select({ one: sql`1` })
    .from(userRoles)
    .where(and(eq(userRoles.userId, userId), eq(userRoles.roleId, role.id)))
    .limit(1);
  if (held) throw new AppError('conflict', LAST_ADMIN_MESSAGE);
  throw new AppError('not_found', `This user does not hold the ${role.name} role.`);
}
