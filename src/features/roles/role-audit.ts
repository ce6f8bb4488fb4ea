import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { audit } from '../audit/audit.service';
import type { Role } from './roles.service';

/** One audit event per role given or taken, whichever route changed it, so `?action=` finds them all. */
export async function auditRoleChange(
  c: Context<AppEnv>,
  action: 'admin.role_grant' | 'admin.role_revoke',
  userId: string,
  changed: readonly Role[],
): Promise<void> {
  for (const role of changed) {
    await audit(c, { action, targetType: 'user', targetId: userId, details: { roleId: role.id, role: role.name } });
  }
}
