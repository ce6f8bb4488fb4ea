import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { PageQuerySchema, pageSchema } from '../../lib/pagination';
import { requireAuth } from '../../middleware/auth';
import { EmailSchema } from '../auth/auth.schemas';
import {
  EmailInviteSchema,
  MessageSchema,
  RoomInviteSchema,
  RoomMemberSchema,
  RoomSchema,
  RoomTicketSchema,
} from './rooms.schemas';

const tags = ['Rooms'];
const security = [{ bearer: [] }];
const RoomId = IdParam;
const Name = z.string().trim().min(1).max(80);

const route = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({ tags, security, middleware: [requireAuth()], ...config });

export const createRoomRoute = route({
  method: 'post',
  path: '/api/rooms',
  summary: 'Create a chat room',
  request: jsonRequest(z.strictObject({ name: Name, visibility: z.enum(['public', 'private']) })),
  responses: { 201: jsonResponse(RoomSchema, 'Created'), ...problemResponses(400, 401) },
});

export const listRoomsRoute = route({
  method: 'get',
  path: '/api/rooms',
  summary: 'Public rooms and mine',
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(RoomSchema), nextCursor: z.string().nullable() }),
      'Rooms, newest first',
    ),
    ...problemResponses(401),
  },
});

export const getRoomRoute = route({
  method: 'get',
  path: '/api/rooms/{id}',
  summary: 'A room',
  request: { params: RoomId },
  responses: { 200: jsonResponse(RoomSchema, 'The room'), ...problemResponses(401, 404) },
});

export const updateRoomRoute = route({
  method: 'patch',
  path: '/api/rooms/{id}',
  summary: 'Rename a room or change who can see it (owner or admin)',
  request: {
    params: RoomId,
    ...jsonRequest(z.strictObject({ name: Name.optional(), visibility: z.enum(['public', 'private']).optional() })),
  },
  responses: { 200: jsonResponse(RoomSchema, 'Updated'), ...problemResponses(400, 401, 403, 404) },
});

export const deleteRoomRoute = route({
  method: 'delete',
  path: '/api/rooms/{id}',
  summary: 'Delete a room and its history (owner or admin)',
  request: { params: RoomId },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404) },
});

const UserId = z.string().min(1).max(64);

export const listMembersRoute = route({
  method: 'get',
  path: '/api/rooms/{id}/members',
  summary: 'List the members of a room',
  description: 'For members of the room (and room moderators).',
  request: { params: RoomId, query: PageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(RoomMemberSchema), 'Members'), ...problemResponses(400, 401, 404) },
});

export const addMemberRoute = route({
  method: 'post',
  path: '/api/rooms/{id}/members',
  summary: 'Add someone to a room, or invite them by email (owner)',
  description:
    '`{ userId }` adds an account at once (201). `{ email }` emails that address an invite link (202) and answers the same whether or not the address has an account, so it never reveals who is registered.',
  request: {
    params: RoomId,
    ...jsonRequest(z.union([z.strictObject({ userId: UserId }), z.strictObject({ email: EmailSchema })])),
  },
  responses: {
    201: jsonResponse(RoomSchema, 'Added'),
    202: jsonResponse(EmailInviteSchema, 'Invite link emailed'),
    ...problemResponses(400, 401, 403, 404, 429),
  },
});

export const removeMemberRoute = route({
  method: 'delete',
  path: '/api/rooms/{id}/members/{userId}',
  summary: 'Remove a member from a room (owner)',
  description: 'Their open sockets in the room close at once. The owner cannot be removed (transfer the room first).',
  request: { params: RoomId.extend({ userId: UserId }) },
  responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404, 409) },
});

export const transferRoute = route({
  method: 'post',
  path: '/api/rooms/{id}/transfer',
  summary: 'Make another member the owner (owner)',
  description: 'The owner until now stays in the room as a member.',
  request: { params: RoomId, ...jsonRequest(z.strictObject({ userId: UserId })) },
  responses: { 200: jsonResponse(RoomSchema, 'Transferred'), ...problemResponses(400, 401, 403, 404, 409) },
});

export const inviteLinkRoute = route({
  method: 'post',
  path: '/api/rooms/{id}/invite-link',
  summary: 'Make an invite link to a room (owner)',
  description: 'Anyone signed in who opens the link joins the room, for 7 days.',
  request: { params: RoomId },
  responses: { 201: jsonResponse(RoomInviteSchema, 'Invite link'), ...problemResponses(401, 403, 404) },
});

export const acceptInviteRoute = route({
  method: 'post',
  path: '/api/rooms/invites/accept',
  summary: 'Join a room through an invite link',
  request: jsonRequest(z.strictObject({ token: z.string().min(1).max(2048) })),
  responses: { 200: jsonResponse(RoomSchema, 'Joined'), ...problemResponses(400, 401, 404) },
});

export const joinRoomRoute = route({
  method: 'post',
  path: '/api/rooms/{id}/join',
  summary: 'Join a public room',
  request: { params: RoomId },
  responses: { 200: jsonResponse(RoomSchema, 'Joined'), ...problemResponses(401, 404) },
});

export const leaveRoomRoute = route({
  method: 'post',
  path: '/api/rooms/{id}/leave',
  summary: 'Leave a room',
  description: 'Open sockets of yours in the room close at once. The owner cannot leave (delete the room instead).',
  request: { params: RoomId },
  responses: { 204: { description: 'Left' }, ...problemResponses(401, 404, 409) },
});

export const historyRoute = route({
  method: 'get',
  path: '/api/rooms/{id}/messages',
  summary: 'Message history, newest first',
  request: {
    params: RoomId,
    query: z.object({
      before: z.coerce
        .number()
        .int()
        .min(1)
        .optional()
        .openapi({ description: 'Messages with a lower seq than this.' }),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(MessageSchema), nextCursor: z.string().nullable() }),
      'A page of history',
    ),
    ...problemResponses(401, 404),
  },
});

export const deleteMessageRoute = route({
  method: 'delete',
  path: '/api/rooms/{id}/messages/{messageId}',
  summary: 'Delete a message (author, room owner or admin)',
  request: { params: RoomId.extend({ messageId: z.string().min(1).max(64) }) },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404) },
});

export const ticketRoute = route({
  method: 'post',
  path: '/api/rooms/{id}/ticket',
  summary: 'A single-use ticket to open the room websocket',
  description:
    'Valid for one minute and one connection. Open `url` (add `&since=<seq>` to catch up after a reconnect). Joining a public room happens here if you had not joined yet.',
  request: { params: RoomId },
  responses: {
    200: jsonResponse(RoomTicketSchema, 'The ticket'),
    ...problemResponses(401, 404),
  },
});
