import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { BUILT_IN_ROLE_IDS } from '../users/users.service';
import { type Permission, permissionNames } from './permissions';

/** Stands for "every permission" in `permissionsColumn`: what holding the built-in admin role means. */
const ALL = '*';

/**
 * The permissions of the user `userId` names, as one scalar subquery: a
 * space-separated list, `*` for admin, null for none. It is a column, not a
 * query of its own, so the user lookup can select it beside the user row and
 * one D1 query answers both (`db.select({ user: users, permissions:
 * permissionsColumn(users.id) })`).
 */
export function permissionsColumn(userId: AnyColumn | SQL | string): SQL<string | null> {
  return sql<
    string | null
  >`(SELECT group_concat(CASE WHEN ur.role_id = ${BUILT_IN_ROLE_IDS.admin} THEN ${ALL} ELSE rp.permission END, ' ') FROM user_roles AS ur LEFT JOIN role_permissions AS rp ON rp.role_id = ur.role_id WHERE ur.user_id = ${userId})`;
}

/**
 * `permissionsColumn`'s value as a set. Names no longer in the catalogue
 * (a permission dropped from code, still stored) grant nothing.
 */
export function parsePermissions(value: string | null): ReadonlySet<Permission> {
  const held = new Set(value ? value.split(' ') : []);
  if (held.has(ALL)) return new Set(permissionNames);
  return new Set(permissionNames.filter((name) => held.has(name)));
}

/** One D1 query: what the user may do now. Read on every request, so a role change holds from the next one. */
export async function loadPermissions(db: Database, userId: string): Promise<ReadonlySet<Permission>> {
  const [row] = await db.all<{ permissions: string | null }>(sql`SELECT ${permissionsColumn(userId)} AS permissions`);
  return parsePermissions(row?.permissions ?? null);
}
