import { createRoute } from '@hono/zod-openapi';
import { jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { SystemReportSchema } from './system.schemas';

export const systemRoute = createRoute({
  method: 'get',
  path: '/api/admin/system',
  tags: ['Admin'],
  security: [{ bearer: [] }],
  // Error messages and backups are operator matters: the permission that already runs backups and restores.
  middleware: [requireAuth(), requirePermission('backups.manage')] as const,
  summary: 'Health, queue, backups, recent errors and dashboards for operators (backups.manage)',
  description:
    'One read for the admin system page. `health` is what `GET /api/health` reports (always 200 here; read `health.status`). `queue` counts job messages over the last 24 hours by outcome (done, retried, dead letter), in total and per job type. `backups` holds the 5 newest backups and when the last complete one finished. `errors` are the 50 newest unhandled errors of the last 14 days (kept that long), scrubbed as Sentry receives them. `dashboards` says where metrics and errors can be read: the Analytics Engine dataset, the Grafana dashboard JSON and guide in the repository, the configured dashboard URLs, and whether Sentry and the alert webhook are set.',
  responses: {
    200: jsonResponse(SystemReportSchema, 'The system report'),
    ...problemResponses(401, 403),
  },
});
