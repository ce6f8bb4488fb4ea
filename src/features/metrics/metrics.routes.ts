import { createRoute } from '@hono/zod-openapi';
import { jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { MetricsQuerySchema, MetricsReportSchema } from './metrics.schemas';

export const metricsRoute = createRoute({
  method: 'get',
  path: '/api/admin/metrics',
  tags: ['Admin'],
  security: [{ bearer: [] }],
  middleware: [requireAuth(), requirePermission('metrics.read')] as const,
  summary: 'Adoption, active users, retention, lifecycle, coworking and focus (metrics.read)',
  description:
    'Days are UTC; the range is at most 90 days and ends today at the latest (default: the last 30 days). Active means at least one meaningful action that day: a credited sprint, a coworking session attended for a minute or more, a chat message sent, a file uploaded. Lifecycle follows PostHog, day against day before: new (signed up that day), returning (active the day before too), resurrecting (not active the day before, signed up earlier), dormant (active the day before, not that day). Cohorts are sign-up weeks (Monday to Sunday); week N counts members active in the N-th week after. Past days are read from the daily snapshots the cleanup job writes; today is computed live. 400 `validation_failed` for a bad date, `from` after `to`, a `to` after today or a range over 90 days.',
  request: { query: MetricsQuerySchema },
  responses: {
    200: jsonResponse(MetricsReportSchema, 'The figures'),
    ...problemResponses(400, 401, 403),
  },
});
