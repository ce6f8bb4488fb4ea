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

/**
 * `prepare(db)` built once per database handle (one per isolate, see `createDb`)
 * rather than per request: building a query's SQL was a tenth of the CPU of
 * `GET /api/users/me`. Only the SQL is kept; each call binds its own values.
 */
function oncePerDb<T>(prepare: (db: Database) => T): (db: Database) => T {
  const built = new WeakMap<Database, T>();
  return (db) => {
    let query = built.get(db);
    if (query === undefined) {
      query = prepare(db);
      built.set(db, query);
    }
    return query;
  };
}

/** The account row with its role names and permissions, and `extra` columns, for the account `userId` placeholder. */
function accountWithAccess<E extends Record<string, SQL>>(db: Database, extra: E) {
  return db
    .select({
      user: users,
      roles: roleNamesColumn(qualifiedUserId),
      permissions: permissionsColumn(qualifiedUserId),
      ...extra,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('userId')))
    .limit(1)
    .prepare();
}

const userWithAccessQuery = oncePerDb((db) => accountWithAccess(db, {}));
const signedInUserQuery = oncePerDb((db) =>
  accountWithAccess(db, {
    sessionLive: sql<number>`EXISTS (SELECT 1 FROM sessions AS s WHERE s.id = ${sql.placeholder('sessionId')} AND s.user_id = "users"."id" AND s.revoked_at IS NULL)`,
  }),
);

const withAccess = (row: { user: User; roles: string | null; permissions: string | null }): UserWithAccess => ({
  user: row.user,
  roles: parseRoleNames(row.roles),
  permissions: parsePermissions(row.permissions),
});

/** The account, its role names and its permissions, in one D1 query; null when there is no such account. */
export async function findUserWithAccess(db: Database, userId: string): Promise<UserWithAccess | null> {
  const row = await userWithAccessQuery(db).get({ userId });
  return row ? withAccess(row) : null;
}

/**
 * The account a token names, with its roles and permissions, read in the same D1
 * query that checks the token's session has not ended (D1 is where an ending is
 * written first; the KV marker follows it). Null when the session has ended or
 * the account is gone.
 */
export async function findSignedInUser(
  db: Database,
  userId: string,
  sessionId: string,
): Promise<UserWithAccess | null> {
  const row = await signedInUserQuery(db).get({ userId, sessionId });
  return row?.sessionLive ? withAccess(row) : null;
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
