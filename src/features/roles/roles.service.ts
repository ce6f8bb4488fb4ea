import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { rolePermissions, roles, userRoles } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError, type FieldError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { LAST_ADMIN_MESSAGE, leavesAnActiveAdmin } from '../users/last-admin';
import { BUILT_IN_ROLE_IDS, findUserById, rolesOf } from '../users/users.service';
import { isPermission, type Permission, permissionNames } from './permissions';

export type Role = typeof roles.$inferSelect;

/** A role with what it lets its holders do, in catalogue order. */
export type RoleWithPermissions = Role & { permissions: Permission[] };

export interface PublicRole {
  id: string;
  name: string;
  description: string | null;
  builtIn: boolean;
  permissions: Permission[];
  createdAt: string;
}

export function toPublicRole(role: RoleWithPermissions): PublicRole {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    builtIn: role.builtIn,
    permissions: role.permissions,
    createdAt: role.createdAt.toISOString(),
  };
}

/** The stored permissions of the role row in the outer query, space-separated, so a list is one query. */
const storedPermissions = sql<
  string | null
>`(SELECT group_concat(rp.permission, ' ') FROM role_permissions AS rp WHERE rp.role_id = "roles"."id")`;

/** Admin holds the whole catalogue, whatever is stored; others what is stored and still in the catalogue. */
function withPermissions(role: Role, stored: string | null): RoleWithPermissions {
  if (role.id === BUILT_IN_ROLE_IDS.admin) return { ...role, permissions: [...permissionNames] };
  const held = new Set(stored ? stored.split(' ') : []);
  return { ...role, permissions: permissionNames.filter((name) => held.has(name)) };
}

export async function listRoles(db: Database): Promise<RoleWithPermissions[]> {
  const rows = await db.select({ role: roles, stored: storedPermissions }).from(roles).orderBy(asc(roles.name));
  return rows.map((row) => withPermissions(row.role, row.stored));
}

/** A role by id or by name: clients know roles by name, links carry ids. */
export async function findRole(db: Database, idOrName: string): Promise<RoleWithPermissions | null> {
  const [row] = await db
    .select({ role: roles, stored: storedPermissions })
    .from(roles)
    .where(or(eq(roles.id, idOrName), eq(roles.name, idOrName)))
    .limit(1);
  return row ? withPermissions(row.role, row.stored) : null;
}

/**
 * Permission names from a request body, checked against the catalogue: the
 * unknown ones are one 400 naming each, at `body.permissions.<index>`.
 * Repeats count once; the result is in catalogue order.
 */
export function parsePermissionList(names: readonly string[]): Permission[] {
  const errors: FieldError[] = [];
  names.forEach((name, index) => {
    if (!isPermission(name)) {
      errors.push({
        path: `body.permissions.${index}`,
        message: `No permission named ${name}`,
        code: 'unknown_permission',
      });
    }
  });
  if (errors.length > 0) {
    const unknown = errors.map((error) => error.message.replace('No permission named ', '')).join(', ');
    throw new AppError('validation_failed', `Unknown permission: ${unknown}. GET /api/permissions lists them.`, {
      errors,
    });
  }
  const wanted = new Set(names);
  return permissionNames.filter((name) => wanted.has(name));
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

/**
 * `INSERT … SELECT` of the permissions onto the role, conditional on the role
 * row existing: in the batch that creates the role, a name conflict inserts nothing.
 * The list goes in as one JSON parameter, so its length never meets D1's limit.
 */
function grantPermissions(db: Database, roleId: string, permissions: readonly Permission[]) {
  return db
    .insert(rolePermissions)
    .select(
      db
        .select({ roleId: roles.id, permission: sql<string>`p.value`.as('permission') })
        .from(roles)
        .innerJoin(sql`json_each(${JSON.stringify(permissions)}) AS p`, sql`1 = 1`)
        .where(eq(roles.id, roleId)),
    )
    .onConflictDoNothing();
}

export interface NewRole {
  name: string;
  description?: string | null;
  permissions?: readonly string[];
}

export async function createRole(db: Database, input: NewRole): Promise<RoleWithPermissions> {
  const permissions = parsePermissionList(input.permissions ?? []);
  const id = newId();
  const [inserted] = await db.batch([
    db
      .insert(roles)
      .values({ id, name: input.name, description: input.description ?? null, builtIn: false, createdAt: now() })
      .onConflictDoNothing()
      .returning(),
    grantPermissions(db, id, permissions),
  ]);
  const [role] = inserted;
  if (!role) throw new AppError('conflict', `A role named ${input.name} already exists.`);
  return { ...role, permissions };
}

export interface RoleChange {
  description?: string | null;
  permissions?: readonly string[];
}

export interface RoleUpdate {
  role: RoleWithPermissions;
  added: Permission[];
  removed: Permission[];
  descriptionChanged: boolean;
}

/**
 * Edits a role's description and its complete set of permissions. The
 * built-in admin role holds every permission and cannot lose one; the
 * built-in user role, which every account holds, gets none (409 for both).
 * Holders feel the change on their next request.
 */
export async function updateRole(db: Database, idOrName: string, change: RoleChange): Promise<RoleUpdate> {
  const wanted = change.permissions === undefined ? undefined : parsePermissionList(change.permissions);
  const role = await findRole(db, idOrName);
  if (!role) throw new AppError('not_found', 'No such role.');
  const permissions = wanted ?? role.permissions;
  if (role.id === BUILT_IN_ROLE_IDS.admin && permissions.length < permissionNames.length) {
    const lost = permissionNames.filter((name) => !permissions.includes(name));
    throw new AppError(
      'conflict',
      `The built-in admin role holds every permission and cannot lose any (${lost.join(', ')}). Make a custom role for a smaller set.`,
    );
  }
  if (role.id === BUILT_IN_ROLE_IDS.user && permissions.length > 0) {
    throw new AppError(
      'conflict',
      'Every account holds the built-in user role, so it holds no permissions. Make a custom role and grant it instead.',
    );
  }
  const added = permissions.filter((name) => !role.permissions.includes(name));
  const removed = role.permissions.filter((name) => !permissions.includes(name));
  const descriptionChanged = change.description !== undefined && change.description !== role.description;
  const description = change.description === undefined ? role.description : change.description;

  if (role.id !== BUILT_IN_ROLE_IDS.admin && (added.length > 0 || removed.length > 0)) {
    await db.batch([
      db
        .delete(rolePermissions)
        .where(
          and(
            eq(rolePermissions.roleId, role.id),
            sql`${rolePermissions.permission} NOT IN (SELECT value FROM json_each(${JSON.stringify(permissions)}))`,
          ),
        ),
      grantPermissions(db, role.id, permissions),
    ]);
  }
  if (descriptionChanged) {
    const [updated] = await db.update(roles).set({ description }).where(eq(roles.id, role.id)).returning();
    if (!updated) throw new AppError('not_found', 'No such role.');
  }
  return { role: { ...role, description, permissions }, added, removed, descriptionChanged };
}

/** Deletes a role and, by cascade, every grant of it and its permissions. Built-in roles stay: 409. */
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
