import { createRoute } from '@hono/zod-openapi';
import { jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { UserSchema } from '../auth/auth.schemas';
import {
  DeleteAccountSchema,
  ListUsersQuerySchema,
  UpdateProfileSchema,
  UserExportSchema,
  UserIdParamSchema,
  UserPageSchema,
} from './users.schemas';

const security = [{ bearer: [] }];
const tags = ['Users'];

const DELETE_OWN_ACCOUNT =
  'Re-enter the password (wrong or missing: 400 `validation_failed` on `body.password`). An account without a password (phone or OpenID Connect) sends no password and must have signed in within the last 10 minutes, otherwise 403 `forbidden`. Every session ends at once, then the account and everything that belongs to it is deleted. The last active admin cannot delete their account: 409 `conflict`.';

export const getMe = createRoute({
  method: 'get',
  path: '/api/users/me',
  // The account is read with the session check: one D1 query for the whole request.
  middleware: [requireAuth({ withUser: true })] as const,
  tags,
  security,
  summary: 'My account',
  responses: { 200: jsonResponse(UserSchema, 'The signed-in user'), ...problemResponses(401) },
});

export const updateMe = createRoute({
  method: 'patch',
  path: '/api/users/me',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Change my name, time zone or settings',
  description:
    'Only `name`, `timezone` and `settings`; any other field (roles, email, status, password…) is refused with 400 `validation_failed`.',
  request: jsonRequest(UpdateProfileSchema),
  responses: { 200: jsonResponse(UserSchema, 'The updated user'), ...problemResponses(400, 401, 415) },
});

export const deleteMe = createRoute({
  method: 'delete',
  path: '/api/users/me',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Delete my account',
  description: DELETE_OWN_ACCOUNT,
  request: jsonRequest(DeleteAccountSchema, false),
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 409, 429) },
});

export const exportMe = createRoute({
  method: 'get',
  path: '/api/users/me/export',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Download everything Hearth holds about me',
  description:
    'Profile, roles, sessions, linked identities, files (metadata), share links, rooms, the chat messages I wrote and the audit events naming me, as a JSON attachment. No password or token hashes.',
  responses: {
    200: jsonResponse(UserExportSchema, 'The export (Content-Disposition: attachment)'),
    ...problemResponses(401),
  },
});

export const getUser = createRoute({
  method: 'get',
  path: '/api/users/{id}',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'A user (myself, or anyone with users.read)',
  description: "Another user's account is 404 without the `users.read` permission, never 403.",
  request: { params: UserIdParamSchema },
  responses: { 200: jsonResponse(UserSchema, 'The user'), ...problemResponses(401, 404) },
});

export const replaceUser = createRoute({
  method: 'put',
  path: '/api/users/{id}',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Change a user’s name, time zone or settings (myself, or anyone for admins)',
  description: 'The same fields as `PATCH /api/users/me`. Another user’s account is 404 for non-admins.',
  request: { params: UserIdParamSchema, ...jsonRequest(UpdateProfileSchema) },
  responses: { 200: jsonResponse(UserSchema, 'The updated user'), ...problemResponses(400, 401, 404, 415) },
});

export const deleteUser = createRoute({
  method: 'delete',
  path: '/api/users/{id}',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Delete a user (myself, or anyone for admins)',
  description: `An admin deleting another account ends its sessions first and needs no password. Deleting my own account: ${DELETE_OWN_ACCOUNT} Another user’s account is 404 for non-admins.`,
  request: { params: UserIdParamSchema, ...jsonRequest(DeleteAccountSchema, false) },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409, 429) },
});

/** `GET /api/users` and `GET /api/admin/users` are one list under two paths (SPEC §3). */
export function listUsersRoute<P extends string>(path: P, routeTags: string[]) {
  return createRoute({
    method: 'get',
    path,
    middleware: [requireAuth(), requirePermission('users.read')] as const,
    tags: routeTags,
    security,
    summary: 'Find users (admin)',
    description:
      'Newest first. `q` matches part of the email, name or phone number, ignoring case. Non-admins get 403 `forbidden`.',
    request: { query: ListUsersQuerySchema },
    responses: { 200: jsonResponse(UserPageSchema, 'A page of users'), ...problemResponses(400, 401, 403) },
  });
}

export const listUsers = listUsersRoute('/api/users', tags);
