import { createRoute } from '@hono/zod-openapi';
import { problemResponses } from '../../lib/openapi';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { AuditEventPageSchema, AuditLogQuerySchema } from './audit-log.schemas';

export const listAuditLog = createRoute({
  method: 'get',
  path: '/api/admin/audit-log',
  middleware: [requireAuth(), requirePermission('audit.read')] as const,
  tags: ['Admin'],
  security: [{ bearer: [] }],
  summary: 'Security events, newest first (audit.read)',
  description:
    'Filter by `action`, `actorId`, `targetId`, `outcome`, `email` (part of the actor’s or the target account’s email) and the time window `since` (inclusive) to `until` (exclusive), ISO 8601. Needs `audit.read`.',
  request: { query: AuditLogQuerySchema },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: AuditEventPageSchema } } },
    ...problemResponses(400, 401, 403),
  },
});
