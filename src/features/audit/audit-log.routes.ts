import { createRoute } from '@hono/zod-openapi';
import { problemResponses } from '../../lib/openapi';
import { requireAuth, requireRole } from '../../middleware/auth';
import { AuditEventPageSchema, AuditLogQuerySchema } from './audit-log.schemas';

export const listAuditLog = createRoute({
  method: 'get',
  path: '/api/admin/audit-log',
  middleware: [requireAuth(), requireRole('admin')] as const,
  tags: ['Admin'],
  security: [{ bearer: [] }],
  summary: 'Security events, newest first (admin)',
  description:
    'Filter by `action`, `actorId`, `targetId`, `outcome` and the time window `since` (inclusive) to `until` (exclusive), ISO 8601.',
  request: { query: AuditLogQuerySchema },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: AuditEventPageSchema } } },
    ...problemResponses(400, 401, 403),
  },
});
