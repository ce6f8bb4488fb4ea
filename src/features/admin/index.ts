import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { currentUserId, hasPermission } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { grantPasses } from '../coworking/passes.service';
import { auditRoleChange } from '../roles/role-audit';
import { listUsers } from '../users/directory.service';
import { removeUser } from '../users/remove-user';
import { publicUser } from '../users/user-access';
import { deleteAdminUser, listAdminUsers, updateAdminUser } from './admin.routes';
import { updateUserAsAdmin } from './admin.service';

export const adminRoutes = createRouter()
  .openapi(listAdminUsers, async (c) => {
    const query = c.req.valid('query');
    return c.json(await listUsers(c.var.db, query, query), 200);
  })
  .openapi(updateAdminUser, async (c) => {
    const { id } = c.req.valid('param');
    const change = c.req.valid('json');
    if (change.roles !== undefined && !(await hasPermission(c, 'roles.manage'))) {
      throw new AppError('forbidden', 'Changing roles needs the roles.manage permission.');
    }
    const actorId = currentUserId(c);
    const result = await updateUserAsAdmin(c.var.db, c.env.KV, actorId, id, change);
    if (change.grantRemotePasses !== undefined) {
      const balance = await grantPasses(c.var.db, {
        actorId,
        userId: id,
        amount: change.grantRemotePasses,
        initial: c.var.config.remotePassesInitial,
      });
      await audit(c, {
        action: 'admin.remote_pass_grant',
        targetType: 'user',
        targetId: id,
        details: { granted: change.grantRemotePasses, balance },
      });
    }
    await auditRoleChange(c, 'admin.role_grant', id, result.granted);
    await auditRoleChange(c, 'admin.role_revoke', id, result.revoked);
    if (result.statusChanged) {
      await audit(c, {
        action: 'admin.user_update',
        targetType: 'user',
        targetId: id,
        details: { status: result.user.status },
      });
    }
    return c.json(await publicUser(c.var.db, result.user), 200);
  })
  .openapi(deleteAdminUser, async (c) => {
    await removeUser(c, c.req.valid('param').id, c.req.valid('json').password);
    return c.body(null, 204);
  });
