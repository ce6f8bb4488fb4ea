import { type AnyColumn, eq, type SQL, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Database } from '../../db/client';
import { users } from '../../db/schema';
import type { AppEnv } from '../../env';
import type { Permission } from '../roles/permissions';
import { parsePermissions, permissionsColumn } from '../roles/user-permissions';
import { type PublicUser, toPublicUser, type User, type UserAccess } from './users.service';

/** The names of the roles `userId` holds, space-separated (role names have no spaces), as a scalar subquery. */
export function roleNamesColumn(userId: AnyColumn | SQL | string): SQL<string | null> {
  return sql<
    string | null
  >`(SELECT group_concat(r.name, ' ') FROM user_roles AS ur JOIN roles AS r ON r.id = ur.role_id WHERE ur.user_id = ${userId})`;
}

/** `roleNamesColumn`'s value: the names, sorted. */
export const parseRoleNames = (value: string | null): string[] => (value ? value.split(' ').sort() : []);

/**
 * `users.id` qualified by its table. Drizzle writes a lone `"id"` in a
 * single-table select, which inside these subqueries would name their own
 * tables' ids instead.
 */
export const qualifiedUserId = sql.raw('"users"."id"');

export interface UserWithAccess {
  user: User;
  roles: string[];
  permissions: ReadonlySet<Permission>;
}

/** The account, its role names and its permissions, in one D1 query; null when there is no such account. */
export async function findUserWithAccess(db: Database, userId: string): Promise<UserWithAccess | null> {
  const [row] = await db
    .select({ user: users, roles: roleNamesColumn(qualifiedUserId), permissions: permissionsColumn(qualifiedUserId) })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!row) return null;
  return { user: row.user, roles: parseRoleNames(row.roles), permissions: parsePermissions(row.permissions) };
}

/**
 * The public view of an account, read in one query. When it is the signed-in
 * user's own, the permissions read with it are kept for the rest of the
 * request, so a permission check after it asks D1 nothing more.
 */
export async function loadPublicUser(c: Context<AppEnv>, userId: string): Promise<PublicUser | null> {
  const found = await findUserWithAccess(c.var.db, userId);
  if (!found) return null;
  if (userId === c.var.userId && !c.var.permissions) c.set('permissions', found.permissions);
  return toPublicUser(found.user, found);
}

/** The account's role names and permissions, in one D1 query. */
export async function accessOf(db: Database, userId: string): Promise<UserAccess> {
  const [row] = await db.all<{ roles: string | null; permissions: string | null }>(
    sql`SELECT ${roleNamesColumn(userId)} AS roles, ${permissionsColumn(userId)} AS permissions`,
  );
  return { roles: parseRoleNames(row?.roles ?? null), permissions: parsePermissions(row?.permissions ?? null) };
}

/** `toPublicUser` for an account row already in hand (after a change), its access read in one query. */
export async function publicUser(db: Database, user: User): Promise<PublicUser> {
  return toPublicUser(user, await accessOf(db, user.id));
}
