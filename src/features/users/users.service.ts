import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { roles, userRoles, users } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Permission } from '../roles/permissions';
import { normalizeEmail } from './email';

export type User = typeof users.$inferSelect;

export const BUILT_IN_ROLE_IDS = { admin: 'role_admin', user: 'role_user' } as const;

export interface PublicUser {
  id: string;
  email: string | null;
  emailVerified: boolean;
  /** False for accounts made by phone code or an identity provider: they have no password to change or confirm. */
  hasPassword: boolean;
  phone: string | null;
  name: string | null;
  timezone: string | null;
  settings: Record<string, unknown>;
  status: 'active' | 'deactivated';
  roles: string[];
  /** What the account may do, from its roles (SPEC: roles and permissions). */
  permissions: Permission[];
  createdAt: string;
  updatedAt: string;
}

/** An account's roles and what they let it do, as `accessOf` reads them in one query. */
export interface UserAccess {
  roles: string[];
  permissions: Iterable<Permission>;
}

/** What the API says about a user: never the password hash. */
export function toPublicUser(user: User, access: UserAccess): PublicUser {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerifiedAt !== null,
    hasPassword: user.passwordHash !== null,
    phone: user.phone,
    name: user.name,
    timezone: user.timezone,
    settings: user.settings,
    status: user.status,
    roles: access.roles,
    permissions: [...access.permissions].sort(),
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

export async function findUserById(db: Database, id: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user ?? null;
}

export async function findUserByEmail(db: Database, email: string): Promise<User | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .limit(1);
  return user ?? null;
}

export async function rolesOf(db: Database, userId: string): Promise<string[]> {
  const rows = await db
    .select({ name: roles.name })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(userRoles.userId, userId))
    .orderBy(roles.name);
  return rows.map((row) => row.name);
}

/**
 * Whether the user holds a role by name: for role membership itself (granting
 * `admin` once from ADMIN_EMAILS). Access checks ask for a permission instead
 * (`requirePermission`, `loadPermissions`), never a role name.
 */
export async function hasRole(db: Database, userId: string, role: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql`1` })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(and(eq(userRoles.userId, userId), eq(roles.name, role)))
    .limit(1);
  return row !== undefined;
}

export interface NewUser {
  email?: string | null;
  phone?: string | null;
  passwordHash?: string | null;
  name?: string | null;
  emailVerified?: boolean;
}

/**
 * Creates an account with the `user` role in one transaction. Uniqueness is
 * left to the database (`ON CONFLICT DO NOTHING`), so two concurrent sign-ups
 * with one email make one account and one `email_taken`.
 */
export async function createUser(db: Database, input: NewUser): Promise<User> {
  const at = now();
  const id = newId();
  const [inserted] = await db.batch([
    db
      .insert(users)
      .values({
        id,
        email: input.email ? normalizeEmail(input.email) : null,
        phone: input.phone ?? null,
        passwordHash: input.passwordHash ?? null,
        name: input.name ?? null,
        emailVerifiedAt: input.emailVerified ? at : null,
        createdAt: at,
        updatedAt: at,
      })
      .onConflictDoNothing()
      .returning(),
    // Conditional on the user row existing, so a conflicting sign-up grants nothing.
    db.insert(userRoles).select(
      db
        .select({
          userId: users.id,
          roleId: sql<string>`${BUILT_IN_ROLE_IDS.user}`.as('role_id'),
          grantedBy: sql<null>`NULL`.as('granted_by'),
          grantedAt: sql<number>`${at.getTime()}`.as('granted_at'),
        })
        .from(users)
        .where(eq(users.id, id)),
    ),
  ]);
  const user = inserted[0];
  if (!user) {
    throw input.email
      ? new AppError('email_taken', 'An account with this email already exists.')
      : new AppError('conflict', 'An account with this phone number already exists.');
  }
  return user;
}

/** Grants a role by name; granting one already held changes nothing. */
export async function grantRole(db: Database, userId: string, roleName: string, grantedBy: string | null) {
  await db.run(
    sql`INSERT INTO user_roles (user_id, role_id, granted_by, granted_at) SELECT ${userId}, id, ${grantedBy}, ${now().getTime()} FROM roles WHERE name = ${roleName} ON CONFLICT DO NOTHING`,
  );
}

export async function setPasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: now() }).where(eq(users.id, userId));
}
