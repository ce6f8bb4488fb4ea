import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { audit } from '../audit/audit.service';
import { BUILT_IN_ROLE_IDS, grantRole, hasRole, type User } from './users.service';

/**
 * Grants `admin` to an account whose email is in ADMIN_EMAILS, but only once
 * that email is verified: otherwise anyone could sign up with the address
 * first and inherit the role.
 */
export async function bootstrapAdmin(c: Context<AppEnv>, user: User): Promise<void> {
  if (!user.email || !user.emailVerifiedAt || !c.var.config.adminEmails.includes(user.email)) return;
  if (await hasRole(c.var.db, user.id, 'admin')) return;
  await grantRole(c.var.db, user.id, 'admin', null);
  await audit(c, {
    action: 'admin.role_grant',
    actorId: null,
    targetType: 'user',
    targetId: user.id,
    details: { roleId: BUILT_IN_ROLE_IDS.admin, via: 'ADMIN_EMAILS' },
  });
}
