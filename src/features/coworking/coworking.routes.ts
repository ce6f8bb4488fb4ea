import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { PageQuerySchema, pageSchema } from '../../lib/pagination';
import { requireAuth } from '../../middleware/auth';
import {
  CreateSessionSchema,
  InviteSchema,
  JoinResultSchema,
  JoinSessionSchema,
  NearbyQuerySchema,
  NearbySessionSchema,
  PassesSchema,
  SessionDetailsSchema,
  SessionSchema,
} from './coworking.schemas';

const tags = ['Coworking'];
const security = [{ bearer: [] }];
const SessionId = IdParam;

const route = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({ tags, security, middleware: [requireAuth()], ...config });

export const createSessionRoute = route({
  method: 'post',
  path: '/api/coworking/sessions',
  summary: 'Open a coworking session',
  description:
    'You become its host. The answer carries the `shareCode` (8 characters, no look-alikes) that private sessions are joined with.',
  request: jsonRequest(CreateSessionSchema),
  responses: { 201: jsonResponse(SessionSchema, 'Created'), ...problemResponses(400, 401) },
});

export const listMySessionsRoute = route({
  method: 'get',
  path: '/api/coworking/sessions',
  summary: 'Sessions I host or joined, newest first',
  request: { query: PageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(SessionSchema), 'A page of sessions'), ...problemResponses(401) },
});

export const nearbySessionsRoute = route({
  method: 'get',
  path: '/api/coworking/sessions/nearby',
  summary: 'Public sessions near a point, nearest first',
  description: 'Sessions that have not ended and have a location within `radius` metres, with their distance.',
  request: { query: NearbyQuerySchema },
  responses: {
    200: jsonResponse(z.object({ items: z.array(NearbySessionSchema) }), 'Sessions, nearest first'),
    ...problemResponses(400, 401),
  },
});

export const friendsSessionsRoute = route({
  method: 'get',
  path: '/api/coworking/sessions/friends',
  summary: "My friends' sessions, soonest first",
  description:
    'Sessions your friends host that have not ended (scheduled, in the lobby or live), public and private: friends open and join a private session without its code. Live ones first by when they started, then by when they are due; at most 50. None whose host and you are blocked either way, none the host removed you from.',
  responses: {
    200: jsonResponse(z.object({ items: z.array(SessionSchema) }), 'Sessions, soonest first'),
    ...problemResponses(401),
  },
});

export const sessionByCodeRoute = route({
  method: 'get',
  path: '/api/coworking/sessions/code/{shareCode}',
  summary: 'The session a share code opens',
  description: 'Case-insensitive. Throttled per account (30 a minute) so codes cannot be guessed: 429 `rate_limited`.',
  request: { params: z.object({ shareCode: z.string().min(1).max(32) }) },
  responses: { 200: jsonResponse(SessionDetailsSchema, 'The session'), ...problemResponses(401, 404, 429) },
});

export const passesRoute = route({
  method: 'get',
  path: '/api/coworking/passes',
  summary: 'My remote passes and their ledger',
  description: 'Every account starts with `REMOTE_PASSES_INITIAL` passes; each remote join spends one.',
  responses: { 200: jsonResponse(PassesSchema, 'Balance and ledger, newest first') },
});

export const getSessionRoute = route({
  method: 'get',
  path: '/api/coworking/sessions/{id}',
  summary: 'A session and its lobby',
  description: 'A private session is a 404 unless you host it, are in it or are a friend of its host.',
  request: { params: SessionId },
  responses: { 200: jsonResponse(SessionDetailsSchema, 'The session'), ...problemResponses(401, 404) },
});

export const joinSessionRoute = route({
  method: 'post',
  path: '/api/coworking/sessions/{id}/join',
  summary: 'Join a session, in person or remotely',
  description:
    'In person when `location` is within 50 m of the session; otherwise `remote: true` spends one remote pass (403 `no_remote_passes` when none is left). Farther than 50 m without `remote` is 403 `forbidden` saying how far. A private session needs its `code` (404 without it), except for friends of its host. 201 for a new participation; 200 when you were already in (the same participation, nothing spent; a participant who had left is back). 409 `session_full` when every seat is taken, 409 `session_ended` after the end; someone the host removed gets 403 `forbidden`.',
  request: { params: SessionId, ...jsonRequest(JoinSessionSchema) },
  responses: {
    200: jsonResponse(JoinResultSchema, 'Already in'),
    201: jsonResponse(JoinResultSchema, 'Joined'),
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export const leaveSessionRoute = route({
  method: 'post',
  path: '/api/coworking/sessions/{id}/leave',
  summary: 'Leave a session',
  description: 'Your seat is kept: joining again spends nothing. The host cannot leave (409): hand over or end.',
  request: { params: SessionId },
  responses: { 204: { description: 'Left' }, ...problemResponses(401, 404, 409) },
});

export const inviteRoute = route({
  method: 'post',
  path: '/api/coworking/sessions/{id}/invites',
  summary: 'Invite accounts to a session (host)',
  description:
    'Each account gets the session link by email, or by text when it has no email. Unknown ids are skipped; `invited` counts the messages sent.',
  request: { params: SessionId, ...jsonRequest(InviteSchema) },
  responses: {
    200: jsonResponse(z.object({ invited: z.number().int() }), 'Invitations sent'),
    ...problemResponses(400, 401, 403, 404, 503),
  },
});

export const calendarRoute = route({
  method: 'get',
  path: '/api/coworking/sessions/{id}/calendar.ics',
  summary: 'The session as an iCalendar event',
  request: { params: SessionId },
  responses: {
    200: { description: 'A VCALENDAR with one VEVENT', content: { 'text/calendar': { schema: z.string() } } },
    ...problemResponses(401, 404),
  },
});
