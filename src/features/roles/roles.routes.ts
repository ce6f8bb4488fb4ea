import { createRoute, z } from '@hono/zod-openapi';
import { jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { UserIdParamSchema } from '../users/users.schemas';
import { PermissionCatalogueSchema, RoleListSchema, RoleSchema, UserRolesSchema } from './roles.schemas';

export const RoleNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,31}$/, 'A lowercase slug: 2 to 32 letters, digits or hyphens, starting with a letter')
  .openapi({ example: 'moderator' });

const PermissionListSchema = z
  .array(z.string().min(1).max(64))
  .max(64)
  .openapi({
    description: 'Permission names from `GET /api/permissions`; an unknown one is 400 `validation_failed` naming it.',
    example: ['rooms.moderate'],
  });

const CreateRoleSchema = z
  .strictObject({
    name: RoleNameSchema,
    description: z.string().trim().min(1).max(200).optional(),
    permissions: PermissionListSchema.optional(),
  })
  .openapi('CreateRoleRequest');

const UpdateRoleSchema = z
  .strictObject({
    description: z.string().trim().min(1).max(200).nullable().optional(),
    permissions: PermissionListSchema.optional().openapi({ description: 'The complete set the role holds from now.' }),
  })
  .refine((body) => body.description !== undefined || body.permissions !== undefined, {
    message: 'Send description, permissions or both.',
  })
  .openapi('UpdateRoleRequest');

const GrantRoleSchema = z
  .strictObject({ role: z.string().min(1).max(64).openapi({ description: 'A role name or id.', example: 'admin' }) })
  .openapi('GrantRoleRequest');

const RoleIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'A role id or name.' }),
});

const UserRoleParamSchema = UserIdParamSchema.extend({
  roleId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'roleId', in: 'path' }, description: 'A role id or name.' }),
});

const security = [{ bearer: [] }];
const tags = ['Roles'];

export const listRolesRoute = createRoute({
  method: 'get',
  path: '/api/roles',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Every role',
  responses: {
    200: jsonResponse(RoleListSchema, 'Roles by name'),
    ...problemResponses(401),
  },
});

export const listPermissionsRoute = createRoute({
  method: 'get',
  path: '/api/permissions',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'The permission catalogue',
  description: 'Every permission a role can hold. The catalogue is fixed in code; roles choose from it.',
  responses: {
    200: jsonResponse(PermissionCatalogueSchema, 'Permissions in catalogue order'),
    ...problemResponses(401),
  },
});

export const createRoleRoute = createRoute({
  method: 'post',
  path: '/api/roles',
  middleware: [requireAuth(), requirePermission('roles.manage')] as const,
  tags,
  security,
  summary: 'Create a role (roles.manage)',
  description: 'A name already taken is 409 `conflict`; an unknown permission is 400 `validation_failed` naming it.',
  request: jsonRequest(CreateRoleSchema),
  responses: { 201: jsonResponse(RoleSchema, 'Created'), ...problemResponses(400, 401, 403, 409, 415) },
});

export const updateRoleRoute = createRoute({
  method: 'patch',
  path: '/api/roles/{id}',
  middleware: [requireAuth(), requirePermission('roles.manage')] as const,
  tags,
  security,
  summary: 'Edit a role’s description and permissions (roles.manage)',
  description:
    '`permissions` is the complete set from now; holders feel it on their next request, with the token they already hold. The built-in `admin` role cannot lose any permission and the built-in `user` role holds none: 409 `conflict`. An unknown permission is 400 `validation_failed` naming it.',
  request: { params: RoleIdParamSchema, ...jsonRequest(UpdateRoleSchema) },
  responses: { 200: jsonResponse(RoleSchema, 'The role now'), ...problemResponses(400, 401, 403, 404, 409, 415) },
});

export const deleteRoleRoute = createRoute({
  method: 'delete',
  path: '/api/roles/{id}',
  middleware: [requireAuth(), requirePermission('roles.manage')] as const,
  tags,
  security,
  summary: 'Delete a role (roles.manage)',
  description:
    'Takes the role away from everyone who holds it. The built-in roles `admin` and `user` cannot be deleted: 409 `conflict`.',
  request: { params: RoleIdParamSchema },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404, 409) },
});

export const grantRoleRoute = createRoute({
  method: 'post',
  path: '/api/users/{id}/roles',
  middleware: [requireAuth(), requirePermission('roles.manage')] as const,
  tags,
  security,
  summary: 'Grant a role to a user (roles.manage)',
  description:
    'Takes effect on the user’s next request, with the token they already hold. Granting a role already held changes nothing. An unknown role is 400 `validation_failed`.',
  request: { params: UserIdParamSchema, ...jsonRequest(GrantRoleSchema) },
  responses: {
    201: jsonResponse(UserRolesSchema, 'The user’s roles now'),
    ...problemResponses(400, 401, 403, 404, 415),
  },
});

export const revokeRoleRoute = createRoute({
  method: 'delete',
  path: '/api/users/{id}/roles/{roleId}',
  middleware: [requireAuth(), requirePermission('roles.manage')] as const,
  tags,
  security,
  summary: 'Take a role from a user (roles.manage)',
  description:
    'Takes effect on the user’s next request. 404 when the user does not hold the role; 409 `conflict` for the built-in `user` role (every account keeps it) and for `admin` when the user is the last active admin.',
  request: { params: UserRoleParamSchema },
  responses: { 204: { description: 'Revoked' }, ...problemResponses(401, 403, 404, 409) },
});
