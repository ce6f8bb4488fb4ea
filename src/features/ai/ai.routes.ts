import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { PageQuerySchema, pageSchema } from '../../lib/pagination';
import { requireAuth, requirePermission } from '../../middleware/auth';
import {
  AiModelsSchema,
  AiSettingsSchema,
  ChatRequestSchema,
  ConversationDetailSchema,
  ConversationSchema,
  RenameConversationSchema,
  UpdateAiSettingsSchema,
} from './ai.schemas';

const tags = ['AI'];
const security = [{ bearer: [] }];

const route = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({ tags, security, middleware: [requireAuth()], ...config });

export const chatRoute = route({
  method: 'post',
  path: '/api/ai/chat',
  summary: 'Ask the assistant; the answer streams back',
  description:
    'Answers `text/event-stream` in the AI SDK UI message stream format: `start` (with `conversationId`), `text-delta`s, then `finish` with token usage; a provider failure is an `error` event, and the partial answer is kept. A keep-alive comment goes out at least every 10 s. 503 `unavailable` when no provider is configured; 429 `rate_limited` (with `Retry-After`) past the per-minute or per-day limit.',
  request: jsonRequest(ChatRequestSchema),
  responses: {
    200: { description: 'The answer, streamed', content: { 'text/event-stream': { schema: z.string() } } },
    ...problemResponses(400, 401, 404, 413, 429, 503),
  },
});

export const modelsRoute = route({
  method: 'get',
  path: '/api/ai/models',
  summary: 'The models I can ask, and whether a provider is configured',
  responses: { 200: jsonResponse(AiModelsSchema, 'Models'), ...problemResponses(401) },
});

export const listConversationsRoute = route({
  method: 'get',
  path: '/api/ai/conversations',
  summary: 'My conversations, newest first',
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(pageSchema(ConversationSchema), 'A page of conversations'),
    ...problemResponses(400, 401),
  },
});

export const getConversationRoute = route({
  method: 'get',
  path: '/api/ai/conversations/{id}',
  summary: 'One of my conversations with its messages',
  description: 'Another user’s conversation is a 404.',
  request: { params: IdParam },
  responses: { 200: jsonResponse(ConversationDetailSchema, 'The conversation'), ...problemResponses(400, 401, 404) },
});

export const renameConversationRoute = route({
  method: 'patch',
  path: '/api/ai/conversations/{id}',
  summary: 'Rename one of my conversations',
  request: { params: IdParam, ...jsonRequest(RenameConversationSchema) },
  responses: { 200: jsonResponse(ConversationSchema, 'Renamed'), ...problemResponses(400, 401, 404) },
});

export const deleteConversationRoute = route({
  method: 'delete',
  path: '/api/ai/conversations/{id}',
  summary: 'Delete one of my conversations',
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 404) },
});

const adminRoute = <R extends Parameters<typeof createRoute>[0]>(config: R) =>
  createRoute({ tags, security, middleware: [requireAuth(), requirePermission('ai.manage')], ...config });

export const getAiSettingsRoute = adminRoute({
  method: 'get',
  path: '/api/admin/ai/settings',
  summary: 'The assistant’s limits and today’s usage',
  responses: { 200: jsonResponse(AiSettingsSchema, 'Settings'), ...problemResponses(401, 403) },
});

export const updateAiSettingsRoute = adminRoute({
  method: 'put',
  path: '/api/admin/ai/settings',
  summary: 'Set the daily token budget per user',
  request: jsonRequest(UpdateAiSettingsSchema),
  responses: { 200: jsonResponse(AiSettingsSchema, 'Settings'), ...problemResponses(400, 401, 403) },
});
