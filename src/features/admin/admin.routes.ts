import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../lib/openapi';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { UserSchema } from '../auth/auth.schemas';
import { listUsersRoute } from '../users/users.routes';
import { UserIdParamSchema } from '../users/users.schemas';

const tags = ['Admin'];
const security = [{ bearer: [] }];

const AdminUserUpdateSchema = z
  .strictObject({
    roles: z
      .array(z.string().min(1).max(64))
      .max(32)
      .optional()
      .openapi({ description: 'The complete set of roles, by name or id. Must include `user`.' }),
    status: z.enum(['active', 'deactivated']).optional(),
    grantRemotePasses: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'Remote passes to add to the account’s balance; written to its pass ledger.' }),
  })
  .openapi('AdminUserUpdateRequest');

export const listAdminUsers = listUsersRoute('/api/admin/users', tags);

export const updateAdminUser = createRoute({
  method: 'patch',
  path: '/api/admin/users/{id}',
  middleware: [requireAuth(), requirePermission('users.manage')] as const,
  tags,
  security,
  summary: 'Change a user’s roles or status, or grant remote passes (users.manage)',
  description:
    'Needs `users.manage`, and `roles.manage` as well when `roles` is sent (403 `forbidden` without it). Deactivating ends every session of the account at once; it cannot sign in until reactivated. Role changes hold from the user’s next request. `grantRemotePasses` adds coworking remote passes (a `grant` entry in the account’s pass ledger names you). Unknown roles are 400 `validation_failed`; leaving out `user` is 409 `conflict`; deactivating or demoting the last active admin is 409 `conflict`, and then nothing changes.',
  request: {
    params: UserIdParamSchema,
    body: { required: true, content: { 'application/json': { schema: AdminUserUpdateSchema } } },
  },
  responses: {
    200: { description: 'The updated user', content: { 'application/json': { schema: UserSchema } } },
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const deleteAdminUser = createRoute({
  method: 'delete',
  path: '/api/admin/users/{id}',
  middleware: [requireAuth(), requirePermission('users.manage')] as const,
  tags,
  security,
  summary: 'Delete a user (users.manage)',
  description:
    'Ends the account’s sessions, then deletes it and everything that belongs to it. The last active admin cannot be deleted: 409 `conflict`. Deleting one’s own account this way needs the same proof as `DELETE /api/users/me`.',
  request: {
    params: UserIdParamSchema,
    body: {
      required: false,
      content: {
        'application/json': { schema: z.strictObject({ password: z.string().min(1).max(1024).optional() }) },
      },
    },
  },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409, 429) },
});
