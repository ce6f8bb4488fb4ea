import { and, eq, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { containsText } from '../../db/contains-text';
import { users } from '../../db/schema';
import { keyset, type Page, type PageQuery, toPage } from '../../lib/pagination';
import { parsePermissions, permissionsColumn } from '../roles/user-permissions';
import { parseRoleNames, qualifiedUserId, roleNamesColumn } from './user-access';
import { type PublicUser, toPublicUser } from './users.service';

export interface UserFilter {
  /** Substring of the email, name or phone number, case-insensitive. */
  q?: string;
  /** A role name or id the user must hold. */
  role?: string;
  status?: 'active' | 'deactivated';
}

function filterConditions(filter: UserFilter): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  if (filter.q) {
    conditions.push(
      or(
        containsText(sql`lower(${users.email})`, filter.q),
        containsText(sql`lower(${users.name})`, filter.q),
        containsText(users.phone, filter.q),
      ),
    );
  }
  if (filter.role) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM user_roles AS ur JOIN roles AS r ON r.id = ur.role_id WHERE ur.user_id = "users"."id" AND (r.name = ${filter.role} OR r.id = ${filter.role}))`,
    );
  }
  if (filter.status) conditions.push(eq(users.status, filter.status));
  return and(...conditions);
}

/**
 * The admin's user list, newest first. Each row carries its role names from
 * one correlated subquery rather than a second query with an `IN` list, which
 * would meet D1's limit of 100 bound parameters on a full page.
 */
export async function listUsers(db: Database, filter: UserFilter, page: PageQuery): Promise<Page<PublicUser>> {
  const keys = keyset(users.id, page);
  const rows = await db
    .select({
      user: users,
      roleNames: roleNamesColumn(qualifiedUserId),
      permissions: permissionsColumn(qualifiedUserId),
    })
    .from(users)
    .where(and(filterConditions(filter), keys.where))
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const result = toPage(rows, page, (row) => row.user.id);
  return {
    items: result.items.map(({ user, roleNames, permissions }) =>
      toPublicUser(user, { roles: parseRoleNames(roleNames), permissions: parsePermissions(permissions) }),
    ),
    nextCursor: result.nextCursor,
  };
}
