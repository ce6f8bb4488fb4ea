import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { PageQuerySchema, pageSchema } from '../../lib/pagination';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { EmailSchema } from '../auth/auth.schemas';
import {
  BlockedUserSchema,
  CreateReportSchema,
  FiledReportSchema,
  FriendEmailInviteSchema,
  FriendEntrySchema,
  FriendInviteSchema,
  FriendInviteTokenSchema,
  FriendListsSchema,
  FriendRequestResultSchema,
  FriendTargetSchema,
  ReportDecisionSchema,
  ReportListQuerySchema,
  ReportSchema,
  UserIdParam,
} from './social.schemas';

const security = [{ bearer: [] }];

const friendsRoute = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({ tags: ['Friends'], security, middleware: [requireAuth()], ...config });

export const listFriendsRoute = friendsRoute({
  method: 'get',
  path: '/api/friends',
  summary: 'My friends and pending friend requests',
  responses: { 200: jsonResponse(FriendListsSchema, 'Friends, incoming and outgoing requests') },
});

export const requestFriendRoute = friendsRoute({
  method: 'post',
  path: '/api/friends/request',
  summary: 'Ask someone to be friends',
  description:
    'When they had already asked you, you become friends at once (`status: "friends"`); two crossing requests become one friendship. Asking again changes nothing. Yourself: 400; an unknown account: 404; someone you blocked: 409.',
  request: jsonRequest(FriendTargetSchema),
  responses: {
    202: jsonResponse(FriendRequestResultSchema, 'Sent, or friends already'),
    ...problemResponses(400, 401, 404, 409),
  },
});

export const acceptFriendRoute = friendsRoute({
  method: 'post',
  path: '/api/friends/accept',
  summary: 'Accept a friend request',
  request: jsonRequest(FriendTargetSchema),
  responses: { 200: jsonResponse(FriendEntrySchema, 'Now friends'), ...problemResponses(400, 401, 404) },
});

export const declineFriendRoute = friendsRoute({
  method: 'post',
  path: '/api/friends/decline',
  summary: 'Decline a friend request',
  description: 'They are not told; they may ask again.',
  request: jsonRequest(FriendTargetSchema),
  responses: { 204: { description: 'Declined' }, ...problemResponses(400, 401, 404) },
});

export const cancelFriendRoute = friendsRoute({
  method: 'post',
  path: '/api/friends/cancel',
  summary: 'Take back a friend request you sent',
  request: jsonRequest(FriendTargetSchema),
  responses: { 204: { description: 'Cancelled' }, ...problemResponses(400, 401, 404) },
});

export const removeFriendRoute = friendsRoute({
  method: 'delete',
  path: '/api/friends/{userId}',
  summary: 'End a friendship',
  request: { params: UserIdParam },
  responses: { 204: { description: 'No longer friends' }, ...problemResponses(400, 401, 404) },
});

export const friendInviteLinkRoute = friendsRoute({
  method: 'post',
  path: '/api/friends/invite-link',
  summary: 'Make a personal invite link',
  description:
    'Whoever opens the link, signed in (or after signing up), becomes your friend at once, for 7 days. Nothing is stored: make as many as you like.',
  responses: { 201: jsonResponse(FriendInviteSchema, 'Invite link'), ...problemResponses(401) },
});

export const acceptFriendInviteRoute = friendsRoute({
  method: 'post',
  path: '/api/friends/invites/accept',
  summary: 'Become friends through an invite link',
  description:
    'You and the link’s owner become friends at once (already friends: the same entry, nothing changes). Your own link: 400 `bad_request`. A forged or expired link, or one whose owner is gone, is 400 `invalid_token`; so is a link between two people a block stands between, and nothing is made.',
  request: jsonRequest(FriendInviteTokenSchema),
  responses: { 200: jsonResponse(FriendEntrySchema, 'Now friends'), ...problemResponses(400, 401) },
});

export const friendInviteEmailRoute = friendsRoute({
  method: 'post',
  path: '/api/friends/invite-email',
  summary: 'Email someone your invite link',
  description:
    'Always 202 with the same answer whether or not the address has an account, and no friend request is made: the person becomes your friend by opening the link. Throttled to 20 emails an hour per account (429 `rate_limited`).',
  request: jsonRequest(z.strictObject({ email: EmailSchema }).openapi('FriendEmailInviteCreate')),
  responses: {
    202: jsonResponse(FriendEmailInviteSchema, 'Invite link emailed'),
    ...problemResponses(400, 401, 429),
  },
});

const usersRoute = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({ tags: ['Users'], security, middleware: [requireAuth()], ...config });

const BLOCK_EFFECT =
  'Blocking hides the two of you from each other: their friend requests are never shown to you (they are not told), a friendship or pending request between you ends, they cannot join sessions you host and you do not see theirs, and in rooms and sessions you share neither is delivered the other’s messages, typing or reactions.';

export const listBlocksRoute = usersRoute({
  method: 'get',
  path: '/api/users/me/blocks',
  summary: 'People I blocked',
  responses: {
    200: jsonResponse(z.object({ items: z.array(BlockedUserSchema) }), 'Blocked people, oldest first'),
  },
});

export const blockRoute = usersRoute({
  method: 'post',
  path: '/api/users/{id}/block',
  summary: 'Block someone',
  description: `${BLOCK_EFFECT} Blocking again changes nothing. Yourself: 400; an unknown account: 404.`,
  request: { params: IdParam },
  responses: { 204: { description: 'Blocked' }, ...problemResponses(400, 401, 404) },
});

export const unblockRoute = usersRoute({
  method: 'delete',
  path: '/api/users/{id}/block',
  summary: 'Unblock someone',
  description: 'Idempotent: unblocking someone not blocked answers 204 too. A friendship it ended stays ended.',
  request: { params: IdParam },
  responses: { 204: { description: 'Unblocked' }, ...problemResponses(400, 401, 404) },
});

export const fileReportRoute = createRoute({
  method: 'post',
  path: '/api/reports',
  tags: ['Reports'],
  security,
  middleware: [requireAuth()],
  summary: 'Report someone to the moderators',
  description:
    'Throttled to 10 reports an hour per account (429 `rate_limited`). Yourself: 400; an unknown account, or a room, session or message you were not in: 404. A named message must be theirs; its text is kept with the report, so deleting it afterwards does not erase the evidence.',
  request: jsonRequest(CreateReportSchema),
  responses: {
    201: jsonResponse(FiledReportSchema, 'Filed'),
    ...problemResponses(400, 401, 404, 429),
  },
});

const adminRoute = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({
    tags: ['Admin'],
    security,
    middleware: [requireAuth(), requirePermission('reports.manage')],
    ...config,
  });

export const listReportsRoute = adminRoute({
  method: 'get',
  path: '/api/admin/reports',
  summary: 'Reports, newest first (reports.manage)',
  request: { query: PageQuerySchema.extend(ReportListQuerySchema.shape) },
  responses: { 200: jsonResponse(pageSchema(ReportSchema), 'A page of reports'), ...problemResponses(401, 403) },
});

export const decideReportRoute = adminRoute({
  method: 'patch',
  path: '/api/admin/reports/{id}',
  summary: 'Resolve a report, and act on it (reports.manage)',
  description:
    'Every decision is written to the audit log. `warn` sends the reported person a message (email, else text); `remove_from_session` needs the report to name a session they are in (409 otherwise) and keeps them out of it; `deactivate` also needs `users.manage` (403 without it) and ends their sessions at once. A report about a deleted account accepts only `none`: 409.',
  request: { params: IdParam, ...jsonRequest(ReportDecisionSchema) },
  responses: { 200: jsonResponse(ReportSchema, 'The report now'), ...problemResponses(400, 401, 403, 404, 409, 503) },
});
