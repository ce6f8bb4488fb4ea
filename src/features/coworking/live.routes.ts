import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth } from '../../middleware/auth';
import { TimerSchema } from './coworking.schemas';

const tags = ['Coworking'];
const security = [{ bearer: [] }];
const UserId = z.string().min(1).max(64);

const route = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({ tags, security, middleware: [requireAuth()], ...config });

export const SessionTicketSchema = z.object({ ticket: z.string(), url: z.string() }).openapi('SessionTicket');

export const sessionTicketRoute = route({
  method: 'post',
  path: '/api/coworking/sessions/{id}/ticket',
  summary: 'A single-use ticket to open the session websocket',
  description: 'For the host and joined participants. Valid for one minute and one connection: open `url`.',
  request: { params: IdParam },
  responses: { 200: jsonResponse(SessionTicketSchema, 'The ticket'), ...problemResponses(401, 403, 404, 409) },
});

const CONTROL_SUMMARIES = {
  start: 'Start the timer (host)',
  pause: 'Pause the timer (host)',
  resume: 'Resume the timer (host)',
  end: 'End the session now (host): minutes are credited, the chat is deleted',
  celebrate: 'Confetti for everyone (host)',
} as const;

export type PlainControl = keyof typeof CONTROL_SUMMARIES;

export const controlRoutes = (Object.keys(CONTROL_SUMMARIES) as PlainControl[]).map((action) => ({
  action,
  route: route({
    method: 'post',
    path: `/api/coworking/sessions/{id}/${action}`,
    summary: CONTROL_SUMMARIES[action],
    description:
      'The same as the socket frame `control { action }`. Everyone connected gets the new `timer` frame. Anyone but the host: 403; a control the phase does not allow: 409.',
    request: { params: IdParam },
    responses: { 200: jsonResponse(TimerSchema, 'The timer now'), ...problemResponses(401, 403, 404, 409) },
  }),
}));

export const extendRoute = route({
  method: 'post',
  path: '/api/coworking/sessions/{id}/extend',
  summary: 'Add minutes to the session (host)',
  description: 'At most 8 hours in all. Works in the lobby, running or paused.',
  request: {
    params: IdParam,
    ...jsonRequest(z.strictObject({ minutes: z.number().int().min(1).max(480) })),
  },
  responses: { 200: jsonResponse(TimerSchema, 'The timer now'), ...problemResponses(400, 401, 403, 404, 409) },
});

export const handOverRoute = route({
  method: 'post',
  path: '/api/coworking/sessions/{id}/host',
  summary: 'Hand the session over to a participant (host)',
  request: { params: IdParam, ...jsonRequest(z.strictObject({ userId: UserId })) },
  responses: {
    200: jsonResponse(z.object({ hostId: z.string() }).openapi('HostChange'), 'The new host'),
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export const removeParticipantRoute = route({
  method: 'delete',
  path: '/api/coworking/sessions/{id}/participants/{userId}',
  summary: 'Remove a participant (host); they cannot rejoin this session',
  description: 'Their sockets close at once. A remote pass they spent is not refunded.',
  request: { params: IdParam.extend({ userId: UserId }) },
  responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404, 409) },
});
