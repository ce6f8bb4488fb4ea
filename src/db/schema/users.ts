import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';

export const users = sqliteTable(
  'users',
  {
    id: id(),
    /** Trimmed, NFKC-normalised, lower-cased; unique in that form. Null for phone-only accounts. */
    email: text('email'),
    emailVerifiedAt: timestamp('email_verified_at'),
    /** E.164, unique. */
    phone: text('phone'),
    /** Self-describing scrypt hash (`$scrypt$…`); null for accounts without a password. */
    passwordHash: text('password_hash'),
    name: text('name'),
    timezone: text('timezone'),
    settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    status: text('status', { enum: ['active', 'deactivated'] })
      .notNull()
      .default('active'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [uniqueIndex('users_email_unique').on(t.email), uniqueIndex('users_phone_unique').on(t.phone)],
);

export const roles = sqliteTable('roles', {
  id: id(),
  name: text('name').notNull().unique(),
  description: text('description'),
  /** Built-in roles (`admin`, `user`) cannot be deleted. */
  builtIn: integer('built_in', { mode: 'boolean' }).notNull().default(false),
  createdAt: createdAt(),
});

export const userRoles = sqliteTable(
  'user_roles',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roleId: text('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    grantedBy: text('granted_by'),
    grantedAt: timestamp('granted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] }), index('user_roles_role_idx').on(t.roleId)],
);

/**
 * The permissions a role holds, one row each, named from the catalogue in
 * src/features/roles/permissions.ts. The built-in `admin` role has no rows:
 * it holds every permission, computed, so it can never lose one.
 */
export const rolePermissions = sqliteTable(
  'role_permissions',
  {
    roleId: text('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    permission: text('permission').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permission] })],
);

/** Identities at OpenID Connect providers, linked to an account from a signed-in session. */
export const oauthAccounts = sqliteTable(
  'oauth_accounts',
  {
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.subject] }), index('oauth_accounts_user_idx').on(t.userId)],
);
