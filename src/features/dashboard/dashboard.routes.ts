import { createRoute } from '@hono/zod-openapi';
import { jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth } from '../../middleware/auth';
import { DashboardSchema } from './dashboard.schemas';

export const dashboardRoute = createRoute({
  method: 'get',
  path: '/api/dashboard',
  tags: ['Dashboard'],
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  summary: 'My home page: cards, recent activity and charts',
  description:
    'Read in one D1 batch. Days in `minutesByDay` and this week are in your time zone (UTC when unset); `storageByDay` is by UTC day and approximated from your current files.',
  responses: { 200: jsonResponse(DashboardSchema, 'The dashboard'), ...problemResponses(401) },
});
