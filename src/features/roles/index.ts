import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { currentUserId } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { permissionCatalogue } from './permissions';
import { auditRoleChange } from './role-audit';
import {
  createRoleRoute,
  deleteRoleRoute,
  grantRoleRoute,
  listPermissionsRoute,
  listRolesRoute,
  revokeRoleRoute,
  updateRoleRoute,
} from './roles.routes';
import {
  createRole,
  deleteRole,
  findRole,
  grantUserRole,
  listRoles,
  resolveRoles,
  revokeUserRole,
  toPublicRole,
  updateRole,
} from './roles.service';

export const rolesRoutes = createRouter()
  .openapi(listRolesRoute, async (c) => {
    const items = (await listRoles(c.var.db)).map(toPublicRole);
    return c.json({ items, nextCursor: null }, 200);
  })
  .openapi(listPermissionsRoute, (c) => c.json({ items: [...permissionCatalogue] }, 200))
  .openapi(createRoleRoute, async (c) => {
    const role = await createRole(c.var.db, c.req.valid('json'));
    await audit(c, {
      action: 'admin.role_create',
      targetType: 'role',
      targetId: role.id,
      details: { name: role.name, permissions: role.permissions },
    });
    return c.json(toPublicRole(role), 201);
  })
  .openapi(updateRoleRoute, async (c) => {
    const result = await updateRole(c.var.db, c.req.valid('param').id, c.req.valid('json'));
    const { role, added, removed, descriptionChanged } = result;
    if (added.length > 0 || removed.length > 0 || descriptionChanged) {
      await audit(c, {
        action: 'admin.role_update',
        targetType: 'role',
        targetId: role.id,
        details: {
          name: role.name,
          added,
          removed,
          ...(descriptionChanged ? { description: role.description } : {}),
        },
      });
    }
    return c.json(toPublicRole(role), 200);
  })
  .openapi(deleteRoleRoute, async (c) => {
    const role = await deleteRole(c.var.db, c.req.valid('param').id);
    await audit(c, {
      action: 'admin.role_delete',
      targetType: 'role',
      targetId: role.id,
      details: { name: role.name },
    });
    return c.body(null, 204);
  })
  .openapi(grantRoleRoute, async (c) => {
    const { id } = c.req.valid('param');
    const [role] = await resolveRoles(c.var.db, [c.req.valid('json').role], () => 'body.role');
    if (!role) throw new AppError('validation_failed', 'Name a role.');
    const result = await grantUserRole(c.var.db, id, role, currentUserId(c));
    if (result.granted) await auditRoleChange(c, 'admin.role_grant', id, [role]);
    return c.json({ userId: id, roles: result.roles }, 201);
  })
  .openapi(revokeRoleRoute, async (c) => {
    const { id, roleId } = c.req.valid('param');
    const role = await findRole(c.var.db, roleId);
    if (!role) throw new AppError('not_found', 'No such role.');
    await revokeUserRole(c.var.db, id, role);
    await auditRoleChange(c, 'admin.role_revoke', id, [role]);
    return c.body(null, 204);
  });
